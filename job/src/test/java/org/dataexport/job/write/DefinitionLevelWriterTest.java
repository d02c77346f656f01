package org.dataexport.job.write;

import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridValuesWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** {@link DefinitionLevelWriter} writes what parquet-java's RLE writer writes, page after page, and takes its place. */
class DefinitionLevelWriterTest {
    @Test
    void levelsAreWrittenAsParquetJavaWritesThem() throws Exception {
        Random random = new Random(11);
        for (int top : new int[] {1, 2, 3}) {
            RunLengthBitPackingHybridValuesWriter theirs = rle(top);
            ValuesWriter ours = installedOn(top);
            // Pages: none, shorter than a run, exactly one run, long runs of the top level, a level below
            // the top first, last or in the middle, and random mixes.
            int[][] pages = {{}, {top}, repeat(top, 7), repeat(top, 8), repeat(top, 9), repeat(top, 100_000), withAt(repeat(top, 50), 0, 0),
                    withAt(repeat(top, 50), 49, top - 1), withAt(repeat(top, 5_000), 2_500, 0), random.ints(3_000, 0, top + 1).toArray(),
                    repeat(0, 40)};
            for (int[] page : pages) {
                for (int level : page) {
                    theirs.writeInteger(level);
                    ours.writeInteger(level);
                    assertEquals(theirs.getBufferedSize(), ours.getBufferedSize(), "buffered size, top " + top);
                }
                assertArrayEquals(theirs.getBytes().toByteArray(), ours.getBytes().toByteArray(), "top " + top + ", " + page.length + " levels");
                assertEquals(theirs.getEncoding(), ours.getEncoding());
                theirs.reset();
                ours.reset();
            }
        }
    }

    private static RunLengthBitPackingHybridValuesWriter rle(int top) {
        return new RunLengthBitPackingHybridValuesWriter(32 - Integer.numberOfLeadingZeros(top), 64, 1 << 20, new HeapByteBufferAllocator());
    }

    /** Ours, as installed on a real column writer whose definition levels go up to {@code top}. */
    private static ValuesWriter installedOn(int top) throws Exception {
        String schema = switch (top) {
            case 1 -> "message m { optional int32 a; }";
            case 2 -> "message m { optional group g { optional int32 a; } }";
            default -> "message m { optional group g { optional group h { optional int32 a; } } }";
        };
        MessageType type = MessageTypeParser.parseMessageType(schema);
        ColumnDescriptor column = type.getColumns().get(0);
        ParquetProperties properties = ParquetProperties.builder().build();
        ColumnWriter writer = properties.newColumnWriteStore(type, new org.apache.parquet.hadoop.ColumnChunkPageWriteStore(
                new org.apache.parquet.hadoop.CodecFactory(new org.apache.hadoop.conf.Configuration(), 1 << 20).getCompressor(
                        org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED), type, new HeapByteBufferAllocator(), 64, false))
                .getColumnWriter(column);
        DefinitionLevelWriter.install(writer, column.getMaxDefinitionLevel());
        Field levels = Class.forName("org.apache.parquet.column.impl.ColumnWriterBase").getDeclaredField("definitionLevelColumn");
        levels.setAccessible(true);
        return assertInstanceOf(DefinitionLevelWriter.class, levels.get(writer));
    }

    private static int[] repeat(int level, int times) {
        int[] levels = new int[times];
        java.util.Arrays.fill(levels, level);
        return levels;
    }

    private static int[] withAt(int[] levels, int at, int level) {
        levels[at] = level;
        return levels;
    }
}
