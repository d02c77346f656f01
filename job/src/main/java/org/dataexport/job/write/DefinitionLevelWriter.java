package org.dataexport.job.write;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridValuesWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * A data page's definition levels, byte for byte as parquet-java's RLE writer (format v1) writes
 * them, with the page's leading run of the top level (a value that is there) counted instead of
 * encoded value by value. A column without nulls is one such run per page, which parquet-java's
 * encoder also writes as a single RLE run, after a call and a comparison per value: a tenth of the
 * columnar write path. From the first lower level on, the page's levels go to parquet-java's encoder.
 */
final class DefinitionLevelWriter extends ValuesWriter {
    // A run shorter than this is bit-packed by parquet-java's encoder, not written as a run.
    private static final int SHORTEST_RLE_RUN = 8;
    private static final Optional<Field> LEVELS = levelsField();

    private final RunLengthBitPackingHybridValuesWriter encoder;
    private final int top;
    private final int bitWidth;
    // Levels at the top not given to the encoder yet; once a lower one came, every level goes to it.
    private int run;
    private boolean encoding;

    private DefinitionLevelWriter(RunLengthBitPackingHybridValuesWriter encoder, int top) {
        this.encoder = encoder;
        this.top = top;
        this.bitWidth = BytesUtils.getWidthFromMaxInt(top);
    }

    /** Puts one in place of the column writer's definition-level writer, where that is parquet-java's v1 RLE writer. */
    static void install(ColumnWriter writer, int maxDefinitionLevel) {
        if (LEVELS.isEmpty() || maxDefinitionLevel == 0) {
            return;
        }
        try {
            Object levels = LEVELS.get().get(writer);
            if (levels != null && levels.getClass() == RunLengthBitPackingHybridValuesWriter.class) {
                LEVELS.get().set(writer, new DefinitionLevelWriter((RunLengthBitPackingHybridValuesWriter) levels, maxDefinitionLevel));
            }
        } catch (IllegalAccessException | IllegalArgumentException e) {
            // another parquet-java: its own writer stays
        }
    }

    private static Optional<Field> levelsField() {
        try {
            Field field = Class.forName("org.apache.parquet.column.impl.ColumnWriterBase").getDeclaredField("definitionLevelColumn");
            field.setAccessible(true);
            return Optional.of(field);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void writeInteger(int level) {
        if (!encoding) {
            if (level == top) {
                run++;
                return;
            }
            encodeRun();
        }
        encoder.writeInteger(level);
    }

    private void encodeRun() {
        encoding = true;
        for (; run > 0; run--) {
            encoder.writeInteger(top);
        }
    }

    /** What parquet-java's encoder holds: a run of one value stays in its counters until the run ends. */
    @Override
    public long getBufferedSize() {
        return encoding ? encoder.getBufferedSize() : 0;
    }

    @Override
    public BytesInput getBytes() {
        if (encoding || run < SHORTEST_RLE_RUN) {
            encodeRun();
            return encoder.getBytes();
        }
        // One RLE run, as parquet-java writes it: its length (a 4-byte little-endian int), the run's
        // header (its length shifted left once, an unsigned varint), the value in whole bytes.
        ByteArrayOutputStream rle = new ByteArrayOutputStream(10);
        try {
            BytesUtils.writeUnsignedVarInt(run << 1, rle);
            BytesUtils.writeIntLittleEndianPaddedOnBitWidth(rle, top, bitWidth);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not throw
        }
        return BytesInput.concat(BytesInput.fromInt(rle.size()), BytesInput.from(rle.toByteArray()));
    }

    @Override
    public Encoding getEncoding() {
        return encoder.getEncoding();
    }

    @Override
    public void reset() {
        run = 0;
        encoding = false;
        encoder.reset();
    }

    @Override
    public void close() {
        encoder.close();
    }

    @Override
    public long getAllocatedSize() {
        return encoder.getAllocatedSize();
    }

    @Override
    public String memUsageString(String prefix) {
        return prefix + " DefinitionLevelWriter " + (encoding ? encoder.memUsageString(prefix) : run + " levels at the top");
    }
}
