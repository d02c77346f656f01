package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriter;
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
import java.util.List;

/**
 * Copies rows of Spark's columnar batches straight into a row group's column writers, column by
 * column, as Iceberg's writers drive the column store: no row is assembled, no value boxed, no string
 * copied (strings go in as views of the batch's bytes, and values
 * of a dictionary-encoded source page as the source dictionary's own entries). Only flat rows of the
 * types below, encoded exactly as Spark's {@code ParquetWriteSupport} encodes them under the prepared
 * configuration; anything else takes the row path.
 */
public final class BatchColumns {
    private static final String TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType";
    private static final String REBASE_MODE = "spark.sql.parquet.datetimeRebaseModeInWrite";

    // The rows a vector has room for (Spark keeps it protected); where it is not there, the rows it holds.
    private static final MethodHandle CAPACITY = PrivateFields.getter(WritableColumnVector.class, "capacity", int.class, 0);

    private final ValueCopies.ValueCopy[] copies;
    // Per column, the source page behind the batch at hand, and the range being copied (this copier is its task's alone).
    private final ValueCopies.SourcePage[] pages;
    private final ValueCopies.Range range = new ValueCopies.Range();
    private final int[] definitionLevels;
    private final StructType schema;

    private BatchColumns(ValueCopies.ValueCopy[] copies, ValueCopies.SourcePage[] pages, int[] definitionLevels, StructType schema) {
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
        ValueCopies.ValueCopy[] copies = new ValueCopies.ValueCopy[columns.size()];
        ValueCopies.SourcePage[] pages = new ValueCopies.SourcePage[columns.size()];
        boolean timestampMillis = conf.get(TIMESTAMP_TYPE, "INT96").equals("TIMESTAMP_MILLIS");
        int[] levels = new int[columns.size()];
        for (int i = 0; i < copies.length; i++) {
            pages[i] = new ValueCopies.SourcePage();
            copies[i] = ValueCopies.of(schema.fields()[i].dataType(), columns.get(i).getPrimitiveType().getPrimitiveTypeName(),
                    timestampMillis, pages[i]);
            levels[i] = columns.get(i).getMaxDefinitionLevel();
        }
        return new BatchColumns(copies, pages, levels, schema);
    }

    /**
     * Rows {@code from} to {@code to} of a batch, copied into a batch of their own (the reader reuses its
     * batches). A column of a dictionary-encoded source page is copied as its indices into the same
     * dictionary: written again, its values still reach the dictionary writer by their source index.
     */
    ColumnarBatch copy(ColumnarBatch batch, int from, int to) {
        int rows = to - from;
        int[] picked = new int[rows];
        for (int r = 0; r < rows; r++) {
            picked[r] = from + r;
        }
        return gather(batch, picked, rows, vectors(rows));
    }

    /** Vectors for {@link #gather}, with room for {@code rows} rows. */
    OnHeapColumnVector[] vectors(int rows) {
        return OnHeapColumnVector.allocateColumns(Math.max(rows, 1), schema);
    }

    /**
     * The batch's rows {@code rows[0]} to {@code rows[count - 1]}, in that order, copied into {@code into}
     * (emptied first; with room for {@code count} rows) as {@link #copy} copies them.
     */
    ColumnarBatch gather(ColumnarBatch batch, int[] rows, int count, OnHeapColumnVector[] into) {
        for (int c = 0; c < into.length; c++) {
            ColumnVector source = batch.column(c);
            OnHeapColumnVector target = into[c];
            target.reset();
            target.setDictionary(null);
            if (ValueCopies.copyIndices(source, rows, count, target)) {
                continue;
            }
            DataType type = schema.fields()[c].dataType();
            for (int i = 0; i < count; i++) {
                int r = rows[i];
                if (source.isNullAt(r)) {
                    target.putNull(i);
                } else {
                    copyValue(type, source, r, target, i);
                }
            }
        }
        return new ColumnarBatch(into, count);
    }

    /**
     * What a batch copied by {@link #copy} holds in memory, as Spark's on-heap vectors allocate it: per
     * row of each vector's capacity a null flag and the value (strings: offset and length), the bytes
     * of strings with their own null flags, and the indices of a column copied as dictionary indices.
     */
    long bytes(ColumnarBatch batch) {
        long bytes = 0;
        for (int c = 0; c < batch.numCols(); c++) {
            DataType type = schema.fields()[c].dataType();
            if (!(batch.column(c) instanceof WritableColumnVector vector)) {
                bytes += 8L * batch.numRows();
                continue;
            }
            boolean array = type instanceof StringType || type instanceof BinaryType;
            bytes += capacity(vector, batch.numRows()) * (1L + (array ? 8 : type.defaultSize()));
            if (array) {
                bytes += 2L * capacity(vector.arrayData(), vector.arrayData().getElementsAppended());
            }
            if (vector.getDictionaryIds() != null) {
                bytes += 5L * capacity(vector.getDictionaryIds(), batch.numRows());
            }
        }
        return bytes;
    }

    private static long capacity(WritableColumnVector vector, int orElse) {
        try {
            int capacity = (int) CAPACITY.invokeExact((Object) vector);
            return capacity > 0 ? capacity : orElse;
        } catch (Throwable e) {
            return orElse;
        }
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
            UTF8String value = from.getUTF8String(row);
            if (value.getBaseObject() instanceof byte[] bytes) {
                to.putByteArray(toRow, bytes, (int) (value.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET), value.numBytes());
            } else {
                to.putByteArray(toRow, value.getBytes());
            }
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
            pages[c].prepare(vector);
            range.start(vector, pages[c], hints[c]);
            copies[c].copy(vector, from, to, writers[c], definitionLevels[c], range);
        }
    }
}
