package org.dataexport.job.write;

import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link PlainArrayWriter} writes what parquet-java's PlainValuesWriter writes, page after page. */
class PlainArrayWriterTest {
    @Test
    void everyTypeIsWrittenAsParquetJavaWritesIt() throws Exception {
        Random random = new Random(7);
        byte[] shared = new byte[300];
        random.nextBytes(shared);
        Consumer<ValuesWriter> values = writer -> {
            for (int i = 0; i < 5_000; i++) {
                writer.writeInteger(random.nextInt());
                writer.writeLong(i % 7 == 0 ? Long.MIN_VALUE : random.nextLong());
                writer.writeFloat(i % 11 == 0 ? Float.NaN : random.nextFloat());
                writer.writeDouble(i % 13 == 0 ? -0.0 : random.nextGaussian());
                int from = random.nextInt(200);
                writer.writeBytes(switch (i % 4) {
                    case 0 -> Binary.fromReusedByteArray(shared, from, random.nextInt(100));
                    case 1 -> Binary.fromConstantByteArray(("value " + i + " ü").getBytes(StandardCharsets.UTF_8));
                    case 2 -> Binary.fromConstantByteBuffer(ByteBuffer.wrap(shared, from, 50).slice());
                    default -> Binary.EMPTY;
                });
            }
        };
        PlainValuesWriter theirs = new PlainValuesWriter(64, 1 << 20, new HeapByteBufferAllocator());
        PlainArrayWriter ours = new PlainArrayWriter();
        // Three pages: the array kept from one page to the next must not leak old bytes into the next.
        for (int page = 0; page < 3; page++) {
            long seed = random.nextLong();
            random.setSeed(seed);
            values.accept(theirs);
            random.setSeed(seed);
            values.accept(ours);
            assertEquals(theirs.getBufferedSize(), ours.getBufferedSize(), "page " + page);
            assertArrayEquals(theirs.getBytes().toByteArray(), ours.getBytes().toByteArray(), "page " + page);
            assertEquals(Encoding.PLAIN, ours.getEncoding());
            theirs.reset();
            ours.reset();
            assertEquals(0, ours.getBufferedSize());
        }
        // A short page after long ones: only its own bytes.
        theirs.writeLong(42);
        ours.writeLong(42);
        assertArrayEquals(theirs.getBytes().toByteArray(), ours.getBytes().toByteArray());
    }
}
