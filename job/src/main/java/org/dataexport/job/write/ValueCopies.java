package org.dataexport.job.write;

import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.spark.sql.execution.datasources.parquet.ParquetDictionary;
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
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

import java.lang.invoke.MethodHandle;

/**
 * How {@link BatchColumns} copies one column's values, per Spark type, as Spark's
 * {@code ParquetWriteSupport} encodes them. Each type's copy has a loop of its own, so that the calls
 * inside it (the vector's getter, the column writer) stay monomorphic for the JIT.
 */
final class ValueCopies {
    // Where these are not there (another Spark), nothing is found, and values take the plain way.
    private static final MethodHandle SPARK_DICTIONARY = PrivateFields.getter(WritableColumnVector.class, "dictionary", Object.class, null);
    private static final MethodHandle PARQUET_DICTIONARY = PrivateFields.getter(ParquetDictionary.class, "dictionary", Object.class, null);
    private static final MethodHandle NEEDS_TRANSFORM = PrivateFields.getter(ParquetDictionary.class, "needTransform", Object.class, null);
    // The bytes of an on-heap vector's strings (in its array child), to view them without a UTF8String per value.
    private static final MethodHandle HEAP_BYTES = PrivateFields.getter(OnHeapColumnVector.class, "byteData", Object.class, null);

    private ValueCopies() {
    }

    /** Rows {@code from} to {@code to} of a column, from a vector into its writer. */
    interface ValueCopy {
        void copy(ColumnVector vector, int from, int to, ColumnWriter writer, int defined, Range range);
    }

    /**
     * The rows of one column being copied: each value's copy asks first whether the row is null (and
     * writes the null) and, for a dictionary-encoded source page, announces the value's source index.
     */
    static final class Range {
        private boolean nullable;
        private SourcePage page;
        private SourceDictionaryWriters.SourceIds ids;
        private int maxId;

        void start(ColumnVector vector, SourcePage page, SourceDictionaryWriters.SourceIds hints) {
            this.nullable = vector.hasNull();
            this.page = page;
            this.ids = page.indices == null ? SourceDictionaryWriters.SourceIds.NONE : hints;
            this.maxId = page.indices == null ? 0 : page.entries.getMaxId();
        }

        /** True when the row was null and is written. */
        boolean isNull(ColumnVector vector, int row, ColumnWriter writer, int defined) {
            if (nullable && vector.isNullAt(row)) {
                writer.writeNull(0, defined - 1);
                return true;
            }
            if (ids != SourceDictionaryWriters.SourceIds.NONE) {
                ids.next(page.entries, maxId, page.indices.getDictId(row));
            }
            return false;
        }
    }

    /**
     * The source page's dictionary behind one column of the batch at hand, found once a batch: parquet-
     * java's own dictionary and the vector of indices into it, or none when the batch holds the values
     * themselves (a plain-encoded page, another reader, a copied batch).
     */
    static final class SourcePage {
        private Object sparkDictionary;
        private org.apache.parquet.column.Dictionary entries;
        private WritableColumnVector indices;
        // A binary dictionary's entries as byte arrays, made as first met: parquet-java's own are views of
        // the page's buffer, which compare (for the statistics of every value) and hash a byte at a time.
        private Binary[] binaries;

        void prepare(ColumnVector vector) {
            indices = null;
            if (vector instanceof WritableColumnVector writable && writable.hasDictionary()) {
                // Spark wraps the column chunk's dictionary anew for every batch: the wrapped one is what stays the same.
                Object dictionary = invoke(SPARK_DICTIONARY, writable);
                if (dictionary != sparkDictionary) {
                    sparkDictionary = dictionary;
                    binaries = null;
                    entries = dictionary instanceof ParquetDictionary parquet && Boolean.FALSE.equals(invoke(NEEDS_TRANSFORM, parquet))
                            ? (org.apache.parquet.column.Dictionary) invoke(PARQUET_DICTIONARY, parquet) : null;
                }
                indices = entries == null ? null : writable.getDictionaryIds();
            }
        }

        /** Entry {@code id} of the source page's binary dictionary, backed by an array of its own. */
        Binary binary(int id) {
            if (binaries == null) {
                binaries = new Binary[entries.getMaxId() + 1];
            }
            Binary entry = binaries[id];
            if (entry == null) {
                entry = Binary.fromConstantByteArray(entries.decodeToBinary(id).getBytes());
                binaries[id] = entry;
            }
            return entry;
        }
    }

    /**
     * Copies the first {@code count} of the given rows of a vector holding indices into a source dictionary
     * as indices into the same dictionary (true); false, copying nothing, when it holds values.
     */
    static boolean copyIndices(ColumnVector source, int[] rows, int count, WritableColumnVector target) {
        if (!(source instanceof WritableColumnVector writable) || !writable.hasDictionary()
                || !(invoke(SPARK_DICTIONARY, writable) instanceof org.apache.spark.sql.execution.vectorized.Dictionary dictionary)) {
            return false;
        }
        WritableColumnVector sourceIds = writable.getDictionaryIds();
        WritableColumnVector ids = target.reserveDictionaryIds(Math.max(count, 1));
        target.setDictionary(dictionary);
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            if (source.isNullAt(r)) {
                target.putNull(i);
            } else {
                ids.putInt(i, sourceIds.getDictId(r));
            }
        }
        return true;
    }

    static ValueCopy of(DataType type, PrimitiveTypeName physical, boolean timestampMillis, SourcePage page) {
        if (type instanceof BooleanType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(v.getBoolean(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof ByteType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write((int) v.getByte(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof ShortType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write((int) v.getShort(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof IntegerType || type instanceof DateType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(v.getInt(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof TimestampType && timestampMillis) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(Math.floorDiv(v.getLong(r), 1000L), 0, d);
                    }
                }
            };
        }
        if (type instanceof LongType || type instanceof TimestampNTZType || type instanceof TimestampType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(v.getLong(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof FloatType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(v.getFloat(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof DoubleType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(v.getDouble(r), 0, d);
                    }
                }
            };
        }
        if (type instanceof DecimalType decimal) {
            return decimal(decimal, physical);
        }
        if (type instanceof StringType) {
            return new StringCopy(page);
        }
        if (type instanceof BinaryType) {
            return (v, from, to, w, d, range) -> {
                for (int r = from; r < to; r++) {
                    if (!range.isNull(v, r, w, d)) {
                        w.write(Binary.fromReusedByteArray(v.getBinary(r)), 0, d);
                    }
                }
            };
        }
        throw new IllegalArgumentException("unsupported type " + type.simpleString());
    }

    /** Spark's non-legacy decimals: INT32 up to 9 digits, INT64 up to 18, the unscaled value in either. */
    private static ValueCopy decimal(DecimalType decimal, PrimitiveTypeName physical) {
        int precision = decimal.precision();
        int scale = decimal.scale();
        boolean asInt = physical == PrimitiveTypeName.INT32;
        if (!asInt && physical != PrimitiveTypeName.INT64) {
            throw new IllegalArgumentException("decimal stored as " + physical);
        }
        return (v, from, to, w, d, range) -> {
            for (int r = from; r < to; r++) {
                if (range.isNull(v, r, w, d)) {
                    continue;
                }
                // Writable vectors hold a decimal of up to 9 digits as an int and up to 18 as a long (as ColumnVector.getDecimal reads them).
                long unscaled = v instanceof WritableColumnVector
                        ? (precision <= 9 ? v.getInt(r) : v.getLong(r))
                        : v.getDecimal(r, precision, scale).toUnscaledLong();
                if (asInt) {
                    w.write((int) unscaled, 0, d);
                } else {
                    w.write(unscaled, 0, d);
                }
            }
        };
    }

    /**
     * Strings without copies: a view of the vector's bytes, or, for a batch of a dictionary-encoded
     * source page, the source dictionary's entry itself (Spark would copy it out per value).
     */
    private record StringCopy(SourcePage page) implements ValueCopy {
        @Override
        public void copy(ColumnVector vector, int from, int to, ColumnWriter writer, int defined, Range range) {
            byte[] heapBytes = page.indices == null && vector instanceof OnHeapColumnVector heap
                    && invoke(HEAP_BYTES, heap.arrayData()) instanceof byte[] bytes ? bytes : null;
            for (int row = from; row < to; row++) {
                if (range.isNull(vector, row, writer, defined)) {
                    continue;
                }
                if (page.indices != null) {
                    writer.write(page.binary(page.indices.getDictId(row)), 0, defined);
                    continue;
                }
                if (heapBytes != null) {
                    OnHeapColumnVector heap = (OnHeapColumnVector) vector;
                    writer.write(Binary.fromReusedByteArray(heapBytes, heap.getArrayOffset(row), heap.getArrayLength(row)), 0, defined);
                    continue;
                }
                UTF8String value = vector.getUTF8String(row);
                if (value.getBaseObject() instanceof byte[] bytes) {
                    writer.write(Binary.fromReusedByteArray(bytes, (int) (value.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET),
                            value.numBytes()), 0, defined);
                } else {
                    writer.write(Binary.fromReusedByteArray(value.getBytes()), 0, defined);
                }
            }
        }
    }

    /** The array behind an on-heap string vector's values when it holds them itself (no dictionary), or null. */
    static byte[] heapBytes(ColumnVector vector) {
        return vector instanceof OnHeapColumnVector heap && !heap.hasDictionary()
                && invoke(HEAP_BYTES, heap.arrayData()) instanceof byte[] bytes ? bytes : null;
    }

    private static Object invoke(MethodHandle getter, Object owner) {
        try {
            return getter.invokeExact(owner);
        } catch (Throwable e) {
            return null;
        }
    }
}
