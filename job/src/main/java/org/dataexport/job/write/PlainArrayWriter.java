package org.dataexport.job.write;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * PLAIN values (ints, longs, floats, doubles little-endian; binary as a 4-byte length and the bytes),
 * byte for byte what parquet-java's {@code PlainValuesWriter} writes, into one array that grows as
 * the page does and is kept for the column's next page. parquet-java's writer puts every long through
 * an 8-byte scratch array and a stream of slabs reallocated each page: that was an eighth of the
 * columnar write path (plain orderkey, partkey, prices). The page writer copies (or compresses) a
 * page's bytes before {@link #reset}, so the array can be reused.
 */
final class PlainArrayWriter extends ValuesWriter {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int INITIAL_CAPACITY = 1024;
    // The array never grows past this (a page of larger values is refused by parquet-java's limits first).
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 16;

    private byte[] buffer = new byte[INITIAL_CAPACITY];
    private int position;
    private final Appender appender = new Appender();

    private void ensure(int more) {
        if (buffer.length - position < more) {
            long needed = (long) position + more;
            if (needed > MAX_CAPACITY) {
                throw new IllegalStateException("a page of PLAIN values outgrew 2 GB");
            }
            buffer = Arrays.copyOf(buffer, (int) Math.min(MAX_CAPACITY, Math.max(needed, 2L * buffer.length)));
        }
    }

    @Override
    public void writeInteger(int value) {
        ensure(4);
        INT.set(buffer, position, value);
        position += 4;
    }

    @Override
    public void writeLong(long value) {
        ensure(8);
        LONG.set(buffer, position, value);
        position += 8;
    }

    @Override
    public void writeFloat(float value) {
        writeInteger(Float.floatToIntBits(value));
    }

    @Override
    public void writeDouble(double value) {
        writeLong(Double.doubleToLongBits(value));
    }

    @Override
    public void writeBytes(Binary value) {
        int length = value.length();
        ensure(4 + length);
        INT.set(buffer, position, length);
        position += 4;
        try {
            value.writeTo(appender);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the appender does not throw
        }
    }

    @Override
    public long getBufferedSize() {
        return position;
    }

    @Override
    public BytesInput getBytes() {
        return BytesInput.from(buffer, 0, position);
    }

    @Override
    public Encoding getEncoding() {
        return Encoding.PLAIN;
    }

    @Override
    public void reset() {
        position = 0;
    }

    @Override
    public void close() {
        position = 0;
        buffer = new byte[0];
    }

    @Override
    public long getAllocatedSize() {
        return buffer.length;
    }

    @Override
    public String memUsageString(String prefix) {
        return prefix + " PlainArrayWriter " + position + " of " + buffer.length + " bytes";
    }

    /** Binary values write themselves to a stream: this one appends to the array, whose room was made first. */
    private final class Appender extends OutputStream {
        @Override
        public void write(int b) {
            ensure(1);
            buffer[position++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensure(length);
            System.arraycopy(bytes, offset, buffer, position, length);
            position += length;
        }
    }
}
