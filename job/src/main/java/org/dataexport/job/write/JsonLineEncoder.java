package org.dataexport.job.write;

import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.json.JacksonGenerator;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.CharArrayWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A row's JSON text, byte for byte what Spark's {@code to_json} of the row's struct writes (Jackson
 * through Spark's JacksonGenerator, by the session's {@link JsonStyle}), without going through Java
 * characters: numbers, booleans and ASCII strings are written straight into a byte buffer, dates
 * formatted once a day and kept; any other value (timestamps, binary, nested values, non-ASCII text) is written by
 * Spark's own generator, one value at a time. Only the first {@code written.size()} fields of a row
 * are written (partition values may follow them).
 */
final class JsonLineEncoder {
    private static final byte[] TRUE = bytes("true");
    private static final byte[] FALSE = bytes("false");
    private static final byte[] NULL = bytes("null");
    // Dates' JSON text is kept for this many days (a power of two: eleven years of consecutive days).
    private static final int DAY_SLOTS = 1 << 12;
    // Decimals of up to 18 digits hold their unscaled value in a long (Spark's Decimal.MAX_LONG_DIGITS).
    private static final int MAX_LONG_DIGITS = 18;

    private interface ValueWriter {
        void write(SpecializedGetters row, int ordinal);
    }

    private final StructField[] fields;
    private final ValueWriter[] writers;
    private final byte[][] names;
    private final boolean ignoreNullFields;
    private byte[] buffer = new byte[1024];
    private int length;
    // While a columnar batch is encoded: each string column's on-heap vector and the array behind its
    // values (null where there is none: a dictionary, off-heap memory, not a string), and the row.
    private final OnHeapColumnVector[] heapVectors;
    private final byte[][] heapBytes;
    private int batchRow;

    JsonLineEncoder(StructType written, JsonStyle style) {
        fields = written.fields();
        ignoreNullFields = style.ignoreNullFields();
        writers = new ValueWriter[fields.length];
        heapVectors = new OnHeapColumnVector[fields.length];
        heapBytes = new byte[fields.length][];
        names = new byte[fields.length][];
        for (int i = 0; i < fields.length; i++) {
            names[i] = (JsonStrings.escaped(fields[i].name()) + ":").getBytes(StandardCharsets.UTF_8);
            writers[i] = writer(fields[i].dataType(), style);
        }
    }

    /**
     * Encodes row {@code rowId} of a batch whose first columns are the written fields: strings are read
     * from the vectors' own arrays, without a {@code UTF8String} a value. Call {@link #startBatch} first.
     */
    void encode(ColumnarBatch batch, int rowId) {
        batchRow = rowId;
        encode(batch.getRow(rowId));
    }

    /** Finds the arrays behind the batch's string columns (a batch's vectors may grow between batches). */
    void startBatch(ColumnarBatch batch) {
        for (int i = 0; i < fields.length; i++) {
            heapBytes[i] = fields[i].dataType() instanceof StringType ? ValueCopies.heapBytes(batch.column(i)) : null;
            heapVectors[i] = heapBytes[i] != null ? (OnHeapColumnVector) batch.column(i) : null;
        }
    }

    /** Encodes the row's written fields as one JSON object; read it from {@link #bytes()}, {@link #length()}. */
    void encode(SpecializedGetters row) {
        length = 0;
        put((byte) '{');
        boolean first = true;
        for (int i = 0; i < fields.length; i++) {
            boolean isNull = row.isNullAt(i);
            if (isNull && ignoreNullFields) {
                continue;
            }
            if (!first) {
                put((byte) ',');
            }
            first = false;
            put(names[i]);
            if (isNull) {
                put(NULL);
            } else {
                writers[i].write(row, i);
            }
        }
        put((byte) '}');
    }

    byte[] bytes() {
        return buffer;
    }

    int length() {
        return length;
    }

    private ValueWriter writer(DataType type, JsonStyle style) {
        if (type instanceof BooleanType) {
            return (row, i) -> put(row.getBoolean(i) ? TRUE : FALSE);
        } else if (type instanceof ByteType) {
            return (row, i) -> putLong(row.getByte(i));
        } else if (type instanceof ShortType) {
            return (row, i) -> putLong(row.getShort(i));
        } else if (type instanceof IntegerType) {
            return (row, i) -> putLong(row.getInt(i));
        } else if (type instanceof LongType) {
            return (row, i) -> putLong(row.getLong(i));
        } else if (type instanceof FloatType) {
            // Jackson writes Java's own text of the number; NaN and the infinities as strings.
            JsonNumberTexts texts = new JsonNumberTexts();
            return (row, i) -> put(texts.of(row.getFloat(i)));
        } else if (type instanceof DoubleType) {
            JsonNumberTexts texts = new JsonNumberTexts();
            return (row, i) -> put(texts.of(row.getDouble(i)));
        } else if (type instanceof StringType) {
            return (row, i) -> {
                byte[] bytes = heapBytes[i];
                if (bytes != null) {
                    OnHeapColumnVector vector = heapVectors[i];
                    putString(bytes, Platform.BYTE_ARRAY_OFFSET + vector.getArrayOffset(batchRow), vector.getArrayLength(batchRow));
                } else {
                    UTF8String value = row.getUTF8String(i);
                    putString(value.getBaseObject(), value.getBaseOffset(), value.numBytes());
                }
            };
        } else if (type instanceof DecimalType decimal) {
            boolean fitsLong = decimal.precision() <= MAX_LONG_DIGITS && decimal.scale() >= 0;
            return (row, i) -> putDecimal(row.getDecimal(i, decimal.precision(), decimal.scale()), fitsLong);
        } else if (type instanceof DateType) {
            SparkValue spark = new SparkValue(type, style);
            // Each day's text in the slot its number falls in (consecutive days never share one), no boxing.
            int[] days = new int[DAY_SLOTS];
            byte[][] texts = new byte[DAY_SLOTS][];
            return (row, i) -> {
                int day = row.getInt(i);
                int slot = day & (DAY_SLOTS - 1);
                if (texts[slot] == null || days[slot] != day) {
                    days[slot] = day;
                    texts[slot] = spark.json(row, i);
                }
                put(texts[slot]);
            };
        }
        SparkValue spark = new SparkValue(type, style);
        return (row, i) -> put(spark.json(row, i));
    }

    /** As {@code BigDecimal.toString} writes it (Jackson's default): plain unless the exponent is below -6. */
    private void putDecimal(Decimal decimal, boolean fitsLong) {
        if (!fitsLong) {
            putAscii(decimal.toJavaBigDecimal().toString());
            return;
        }
        int scale = decimal.scale();
        long unscaled = decimal.toUnscaledLong();
        String digits = Long.toString(Math.abs(unscaled));
        int adjusted = digits.length() - 1 - scale;
        if (adjusted < -6) {
            putAscii(BigDecimal.valueOf(unscaled, scale).toString());
            return;
        }
        if (unscaled < 0) {
            put((byte) '-');
        }
        if (scale == 0) {
            putAscii(digits);
        } else if (digits.length() > scale) {
            putAscii(digits, 0, digits.length() - scale);
            put((byte) '.');
            putAscii(digits, digits.length() - scale, digits.length());
        } else {
            put((byte) '0');
            put((byte) '.');
            for (int z = digits.length(); z < scale; z++) {
                put((byte) '0');
            }
            putAscii(digits);
        }
    }

    /** ASCII text without characters to escape is copied as it is; anything else is escaped as Jackson does. */
    private void putString(Object base, long offset, int bytes) {
        if (!JsonStrings.plainAscii(base, offset, bytes)) {
            put(JsonStrings.escaped(UTF8String.fromAddress(base, offset, bytes).toString()).getBytes(StandardCharsets.UTF_8));
            return;
        }
        ensure(bytes + 2);
        buffer[length++] = '"';
        Platform.copyMemory(base, offset, buffer, Platform.BYTE_ARRAY_OFFSET + length, bytes);
        length += bytes;
        buffer[length++] = '"';
    }

    private void putLong(long value) {
        if (value == Long.MIN_VALUE) {
            putAscii(Long.toString(value));
            return;
        }
        ensure(20);
        if (value < 0) {
            buffer[length++] = '-';
            value = -value;
        }
        int start = length;
        do {
            buffer[length++] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        for (int a = start, b = length - 1; a < b; a++, b--) {
            byte swap = buffer[a];
            buffer[a] = buffer[b];
            buffer[b] = swap;
        }
    }

    private void putAscii(String text) {
        putAscii(text, 0, text.length());
    }

    private void putAscii(String text, int from, int to) {
        ensure(to - from);
        for (int c = from; c < to; c++) {
            buffer[length++] = (byte) text.charAt(c);
        }
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void put(byte b) {
        ensure(1);
        buffer[length++] = b;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }

    /** One value's JSON text as Spark's generator writes it: the value alone in a one-field object, taken out again. */
    private static final class SparkValue {
        private static final String FIELD = "v";
        private final DataType type;
        private final CharArrayWriter chars = new CharArrayWriter();
        private final JacksonGenerator generator;
        private final GenericInternalRow one = new GenericInternalRow(1);

        SparkValue(DataType type, JsonStyle style) {
            this.type = type;
            this.generator = new JacksonGenerator(new StructType().add(FIELD, type), chars, style.options());
        }

        byte[] json(SpecializedGetters row, int ordinal) {
            one.update(0, row.get(ordinal, type));
            chars.reset();
            generator.write(one);
            generator.flush();
            String object = chars.toString(); // {"v":...}
            return object.substring(FIELD.length() + 4, object.length() - 1).getBytes(StandardCharsets.UTF_8);
        }
    }
}
