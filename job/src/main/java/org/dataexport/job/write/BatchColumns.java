package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.spark.sql.execution.datasources.parquet.ParquetDictionary;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * Copies rows of Spark's columnar batches straight into a row group's column writers, column by
 * column, as Iceberg's writers drive the column store: no row is assembled, no value boxed, no string
 * copied (strings go in as {@link Binary#fromReusedByteArray} views of the batch's bytes, and values
 * of a dictionary-encoded source page as the source dictionary's own entries). Only flat rows of the
 * types below, encoded exactly as Spark's {@code ParquetWriteSupport} encodes them under the prepared
 * configuration; anything else takes the row path.
 */
public final class BatchColumns {
    private static final String TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType";
    private static final String REBASE_MODE = "spark.sql.parquet.datetimeRebaseModeInWrite";
    private static final MethodHandle SPARK_DICTIONARY = field(WritableColumnVector.class, "dictionary");
    private static final MethodHandle PARQUET_DICTIONARY = field(ParquetDictionary.class, "dictionary");
    private static final MethodHandle NEEDS_TRANSFORM = field(ParquetDictionary.class, "needTransform");

    private final ValueCopy[] copies;
    // Per column, the source page behind the batch at hand (this copier is its task's alone).
    private final SourcePage[] pages;
    private final int[] definitionLevels;
    private final StructType schema;

    private BatchColumns(ValueCopy[] copies, SourcePage[] pages, int[] definitionLevels, StructType schema) {
        this.copies = copies;
        this.pages = pages;
        this.definitionLevels = definitionLevels;
        this.schema = schema;
    }

    /** Whether every column of {@code schema} can be copied as Spark would encode it under {@code conf} (decided on the driver). */
    public static boolean supports(StructType schema, Configuration conf) {
        for (StructField field : schema.fields()) {
            if (!supported(field.dataType(), conf)) {
                return false;
            }
        }
        return schema.fields().length > 0;
    }

    private static boolean supported(DataType type, Configuration conf) {
        boolean corrected = conf.get(REBASE_MODE, "CORRECTED").equalsIgnoreCase("CORRECTED");
        if (type instanceof DateType) {
            return corrected;
        }
        if (type instanceof TimestampType) {
            String timestamps = conf.get(TIMESTAMP_TYPE, "INT96");
            return corrected && (timestamps.equals("TIMESTAMP_MICROS") || timestamps.equals("TIMESTAMP_MILLIS"));
        }
        if (type instanceof DecimalType decimal) {
            return decimal.precision() <= 18 && !conf.getBoolean("spark.sql.parquet.writeLegacyFormat", false);
        }
        return type instanceof BooleanType || type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType
                || type instanceof LongType || type instanceof FloatType || type instanceof DoubleType || type instanceof StringType
                || type instanceof BinaryType || type instanceof TimestampNTZType;
    }

    /** The copier of rows of {@code schema} into the column writers of the Parquet schema Spark makes of it under {@code conf}. */
    static BatchColumns of(StructType schema, Configuration conf) {
        List<ColumnDescriptor> columns = new ParquetWriteSupport().init(conf).getSchema().getColumns();
        if (columns.size() != schema.fields().length || !supports(schema, conf)) {
            throw new IllegalArgumentException("not a flat schema of supported types: " + schema.simpleString());
        }
        ValueCopy[] copies = new ValueCopy[columns.size()];
        SourcePage[] pages = new SourcePage[columns.size()];
        int[] levels = new int[columns.size()];
        for (int i = 0; i < copies.length; i++) {
            pages[i] = new SourcePage();
            copies[i] = copyOf(schema.fields()[i].dataType(), columns.get(i).getPrimitiveType().getPrimitiveTypeName(), conf, pages[i]);
            levels[i] = columns.get(i).getMaxDefinitionLevel();
        }
        return new BatchColumns(copies, pages, levels, schema);
    }

    /** Rows {@code from} to {@code to} of a batch, copied into a batch of their own (the reader reuses its batches). */
    ColumnarBatch copy(ColumnarBatch batch, int from, int to) {
        int rows = to - from;
        OnHeapColumnVector[] vectors = OnHeapColumnVector.allocateColumns(Math.max(rows, 1), schema);
        for (int c = 0; c < vectors.length; c++) {
            ColumnVector source = batch.column(c);
            DataType type = schema.fields()[c].dataType();
            for (int r = 0; r < rows; r++) {
                if (source.isNullAt(from + r)) {
                    vectors[c].putNull(r);
                } else {
                    copyValue(type, source, from + r, vectors[c], r);
                }
            }
        }
        return new ColumnarBatch(vectors, rows);
    }

    /** About what a batch holds in memory: eight bytes a value, and the bytes of its strings. */
    long bytes(ColumnarBatch batch) {
        long bytes = 8L * batch.numCols() * batch.numRows();
        for (int c = 0; c < batch.numCols(); c++) {
            DataType type = schema.fields()[c].dataType();
            if ((type instanceof StringType || type instanceof BinaryType) && batch.column(c) instanceof WritableColumnVector vector) {
                bytes += vector.arrayData().getElementsAppended();
            }
        }
        return bytes;
    }

    private static void copyValue(DataType type, ColumnVector from, int row, WritableColumnVector to, int toRow) {
        if (type instanceof BooleanType) {
            to.putBoolean(toRow, from.getBoolean(row));
        } else if (type instanceof ByteType) {
            to.putByte(toRow, from.getByte(row));
        } else if (type instanceof ShortType) {
            to.putShort(toRow, from.getShort(row));
        } else if (type instanceof IntegerType || type instanceof DateType) {
            to.putInt(toRow, from.getInt(row));
        } else if (type instanceof LongType || type instanceof TimestampType || type instanceof TimestampNTZType) {
            to.putLong(toRow, from.getLong(row));
        } else if (type instanceof FloatType) {
            to.putFloat(toRow, from.getFloat(row));
        } else if (type instanceof DoubleType) {
            to.putDouble(toRow, from.getDouble(row));
        } else if (type instanceof DecimalType decimal) {
            to.putDecimal(toRow, from.getDecimal(row, decimal.precision(), decimal.scale()), decimal.precision());
        } else if (type instanceof StringType) {
            to.putByteArray(toRow, from.getUTF8String(row).getBytes());
        } else if (type instanceof BinaryType) {
            to.putByteArray(toRow, from.getBinary(row));
        } else {
            throw new IllegalArgumentException("unsupported type " + type.simpleString());
        }
    }

    /**
     * Writes rows {@code from} (inclusive) to {@code to} (exclusive) of the batch into the writers, one per
     * column, each column in turn; a value read from a dictionary-encoded source page is announced to
     * its column's dictionary writer by its source index first ({@link SourceDictionaryWriters}).
     */
    void write(ColumnarBatch batch, int from, int to, ColumnWriter[] writers, SourceDictionaryWriters.SourceIds[] hints) {
        for (int c = 0; c < copies.length; c++) {
            ColumnVector vector = batch.column(c);
            ColumnWriter writer = writers[c];
            ValueCopy copy = copies[c];
            int defined = definitionLevels[c];
            SourcePage page = pages[c];
            page.prepare(vector);
            boolean nullable = vector.hasNull();
            SourceDictionaryWriters.SourceIds ids = page.indices == null ? SourceDictionaryWriters.SourceIds.NONE : hints[c];
            int maxId = page.indices == null ? 0 : page.entries.getMaxId();
            for (int r = from; r < to; r++) {
                if (nullable && vector.isNullAt(r)) {
                    writer.writeNull(0, defined - 1);
                    continue;
                }
                if (ids != SourceDictionaryWriters.SourceIds.NONE) {
                    ids.next(page.entries, maxId, page.indices.getDictId(r));
                }
                copy.copy(vector, r, writer, defined);
            }
        }
    }

    /** One value of a column, from a vector into its writer. */
    private interface ValueCopy {
        void copy(ColumnVector vector, int row, ColumnWriter writer, int defined);
    }

    private static ValueCopy copyOf(DataType type, PrimitiveTypeName physical, Configuration conf, SourcePage page) {
        if (type instanceof BooleanType) {
            return (v, r, w, d) -> w.write(v.getBoolean(r), 0, d);
        }
        if (type instanceof ByteType) {
            return (v, r, w, d) -> w.write((int) v.getByte(r), 0, d);
        }
        if (type instanceof ShortType) {
            return (v, r, w, d) -> w.write((int) v.getShort(r), 0, d);
        }
        if (type instanceof IntegerType || type instanceof DateType) {
            return (v, r, w, d) -> w.write(v.getInt(r), 0, d);
        }
        if (type instanceof LongType || type instanceof TimestampNTZType) {
            return (v, r, w, d) -> w.write(v.getLong(r), 0, d);
        }
        if (type instanceof TimestampType) {
            return conf.get(TIMESTAMP_TYPE).equals("TIMESTAMP_MILLIS")
                    ? (v, r, w, d) -> w.write(Math.floorDiv(v.getLong(r), 1000L), 0, d)
                    : (v, r, w, d) -> w.write(v.getLong(r), 0, d);
        }
        if (type instanceof FloatType) {
            return (v, r, w, d) -> w.write(v.getFloat(r), 0, d);
        }
        if (type instanceof DoubleType) {
            return (v, r, w, d) -> w.write(v.getDouble(r), 0, d);
        }
        if (type instanceof DecimalType decimal) {
            return decimalCopy(decimal, physical);
        }
        if (type instanceof StringType) {
            return new StringCopy(page);
        }
        if (type instanceof BinaryType) {
            return (v, r, w, d) -> w.write(Binary.fromReusedByteArray(v.getBinary(r)), 0, d);
        }
        throw new IllegalArgumentException("unsupported type " + type.simpleString());
    }

    /** Spark's non-legacy decimals: INT32 up to 9 digits, INT64 up to 18, the unscaled value in either. */
    private static ValueCopy decimalCopy(DecimalType decimal, PrimitiveTypeName physical) {
        int precision = decimal.precision();
        int scale = decimal.scale();
        boolean asInt = physical == PrimitiveTypeName.INT32;
        if (!asInt && physical != PrimitiveTypeName.INT64) {
            throw new IllegalArgumentException("decimal stored as " + physical);
        }
        return (v, r, w, d) -> {
            // Writable vectors hold a decimal of up to 9 digits as an int and up to 18 as a long (as ColumnVector.getDecimal reads them).
            long unscaled = v instanceof WritableColumnVector
                    ? (precision <= 9 ? v.getInt(r) : v.getLong(r))
                    : v.getDecimal(r, precision, scale).toUnscaledLong();
            if (asInt) {
                w.write((int) unscaled, 0, d);
            } else {
                w.write(unscaled, 0, d);
            }
        };
    }

    /**
     * The source page's dictionary behind one column of the batch at hand, found once a batch: parquet-
     * java's own dictionary and the vector of indices into it, or none when the batch holds the values
     * themselves (a plain-encoded page, another reader, a copied batch).
     */
    private static final class SourcePage {
        private Object sparkDictionary;
        private org.apache.parquet.column.Dictionary entries;
        private WritableColumnVector indices;

        void prepare(ColumnVector vector) {
            indices = null;
            if (vector instanceof WritableColumnVector writable && writable.hasDictionary()) {
                // Spark wraps the column chunk's dictionary anew for every batch: the wrapped one is what stays the same.
                Object dictionary = invoke(SPARK_DICTIONARY, writable);
                if (dictionary != sparkDictionary) {
                    sparkDictionary = dictionary;
                    entries = dictionary instanceof ParquetDictionary parquet && Boolean.FALSE.equals(invoke(NEEDS_TRANSFORM, parquet))
                            ? (org.apache.parquet.column.Dictionary) invoke(PARQUET_DICTIONARY, parquet) : null;
                }
                indices = entries == null ? null : writable.getDictionaryIds();
            }
        }
    }

    /**
     * Strings without copies: a view of the vector's bytes, or, for a batch of a dictionary-encoded
     * source page, the source dictionary's entry itself (Spark would copy it out per value).
     */
    private record StringCopy(SourcePage page) implements ValueCopy {
        @Override
        public void copy(ColumnVector vector, int row, ColumnWriter writer, int defined) {
            if (page.indices != null) {
                writer.write(page.entries.decodeToBinary(page.indices.getDictId(row)), 0, defined);
                return;
            }
            UTF8String value = vector.getUTF8String(row);
            if (value.getBaseObject() instanceof byte[] bytes) {
                writer.write(Binary.fromReusedByteArray(bytes, (int) (value.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET), value.numBytes()),
                        0, defined);
            } else {
                writer.write(Binary.fromReusedByteArray(value.getBytes()), 0, defined);
            }
        }
    }

    /** A private field's getter; where the field is not there (another Spark), a getter of nothing, so strings take the plain way. */
    private static MethodHandle field(Class<?> owner, String name) {
        try {
            java.lang.reflect.Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(field).asType(MethodType.methodType(Object.class, Object.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return MethodHandles.dropArguments(MethodHandles.constant(Object.class, null), 0, Object.class);
        }
    }

    private static Object invoke(MethodHandle getter, Object owner) {
        try {
            return getter.invokeExact(owner);
        } catch (Throwable e) {
            return null;
        }
    }
}
