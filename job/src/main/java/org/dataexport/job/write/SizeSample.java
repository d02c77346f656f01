package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A task's first rows, copied while they are encoded into a row group that is measured and thrown
 * away: what teaches the {@link SizeModel} before the first real group is sized. A first measure at
 * the row-group size in buffered bytes (at most 8 MB) tells how many rows a group will hold; when
 * that is many more than were sampled, the rows are encoded once more into a group of about that
 * many rows (at most 8 MB buffered too), since what a column's bytes become depends on the group's
 * size (dictionaries, index widths, pages): small groups of well-compressed rows need it (nested rows
 * at 200 KB groups are judged 15% high without). Groups of 8 MB buffered and more are judged from the
 * first measure: the second one cost a fifth of an SF 1 export at 40 MB groups and judged them no
 * better (lineitem at 12 to 60 MB groups: every group within 0.2% either way). Copies are bounded at 64 MB.
 */
final class SizeSample {
    private static final long MAX_SAMPLE_BYTES = 8L << 20;
    private static final long MAX_SAMPLE_COPY_BYTES = 64L << 20;

    private final ParquetProperties properties;
    private final long rowGroupSize;
    private final long minRowsBetweenChecks;
    private final Configuration conf;
    private final Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables;
    private final CompressionCodecFactory.BytesInputCompressor compressor;
    private RowGroupBuffer group;
    private final SizeModel model;
    private final long target;
    // Once measured at the first target: the rows a group will hold, to sample again up to.
    private long targetRows;
    // The last measure's written bytes per row; the group is gone once measured.
    private double bytesPerRow = Double.NaN;
    private final List<Copied> copies = new ArrayList<>();
    private long sampledRows;
    private long copiedBytes;

    SizeSample(Configuration conf, ParquetProperties properties, CompressionCodecFactory.BytesInputCompressor compressor,
               long rowGroupSize, long minRowsBetweenChecks, Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables) {
        this.conf = conf;
        this.idTables = idTables;
        this.compressor = compressor;
        this.properties = properties;
        this.rowGroupSize = rowGroupSize;
        this.minRowsBetweenChecks = minRowsBetweenChecks;
        this.group = newGroup();
        this.model = new SizeModel(group.schema().getColumns().size());
        this.target = Math.min(rowGroupSize, MAX_SAMPLE_BYTES);
    }

    private RowGroupBuffer newGroup() {
        WriteSupport<InternalRow> support = new ParquetWriteSupport();
        MessageType schema = support.init(conf).getSchema();
        return new RowGroupBuffer(schema, support, properties, compressor, idTables);
    }

    SizeModel model() {
        return model;
    }

    /** Takes a row; true when the sample is complete. */
    boolean add(InternalRow row) throws IOException {
        group.write(row);
        InternalRow copy = row.copy();
        keep(new CopiedRow(copy), 1, copy instanceof UnsafeRow unsafe ? unsafe.getSizeInBytes() : 1024);
        // Large rows are looked at every row: a hundred of them can be many times the sample's size.
        if (!largeRows() && group.rows() % minRowsBetweenChecks != 0 && group.rows() != targetRows) {
            return copiedBytes >= MAX_SAMPLE_COPY_BYTES;
        }
        return check();
    }

    /** Takes rows {@code from} to {@code to} of a batch (at most {@link #rowsToNextCheck} of them); true when the sample is complete. */
    boolean add(ColumnarBatch batch, int from, int to, BatchColumns columns) throws IOException {
        group.write(batch, from, to, columns);
        ColumnarBatch copy = columns.copy(batch, from, to);
        keep(new CopiedBatch(copy, columns), to - from, columns.bytes(copy));
        return check();
    }

    /** How many rows may come before the sample looks at its size again. */
    int rowsToNextCheck() {
        if (largeRows()) {
            return 1;
        }
        long rows = minRowsBetweenChecks - group.rows() % minRowsBetweenChecks;
        if (targetRows > group.rows()) {
            rows = Math.min(rows, targetRows - group.rows());
        }
        return (int) rows;
    }

    private void keep(Copied copy, int rows, long bytes) {
        copies.add(copy);
        sampledRows += rows;
        copiedBytes += bytes;
    }

    private boolean largeRows() {
        return sampledRows > 0 && copiedBytes / sampledRows * minRowsBetweenChecks > target / 4;
    }

    private boolean check() throws IOException {
        if (copiedBytes >= MAX_SAMPLE_COPY_BYTES) {
            // Columns that encode to almost nothing barely move the buffered size: bound the memory.
            return true;
        }
        // Looked at as the real groups will be, so that the model sees the dictionaries it will meet.
        group.estimatedWrittenSize(model);
        if (targetRows > 0) {
            return group.rows() >= targetRows || group.bufferedSize() >= MAX_SAMPLE_BYTES;
        }
        if (group.bufferedSize() < target) {
            return false;
        }
        long expectedRows = (long) (rowGroupSize / measure());
        if (expectedRows < sampledRows * 1.2 || target >= MAX_SAMPLE_BYTES) {
            return true;
        }
        targetRows = expectedRows;
        group = newGroup();
        for (Copied copy : copies) {
            copy.writeTo(group);
        }
        return false;
    }

    /**
     * Writes the sample's group into a file that keeps nothing, teaching the model what its bytes
     * became, and returns the written bytes per row.
     */
    double measure() throws IOException {
        if (group == null) {
            return bytesPerRow;
        }
        try (ColumnChunkSizes counter = new ColumnChunkSizes(new CountingOutputFile(), group.schema(), rowGroupSize, properties)) {
            counter.start();
            long sampled = group.rows();
            bytesPerRow = (double) group.flushTo(counter, model) / Math.max(1, sampled);
            group = null;
            return bytesPerRow;
        }
    }

    /** Frees the sample's group without measuring it. */
    void discard() {
        if (group != null) {
            group.release();
            group = null;
        }
    }

    /** Whether no row was sampled. */
    boolean isEmpty() {
        return sampledRows == 0;
    }

    /** Writes the sampled rows for real, in their order. */
    void replay(RollingParquetWriter writer) throws IOException {
        for (Copied copy : copies) {
            copy.writeTo(writer);
        }
    }

    /** Sampled rows, copied: one row, or a range of a batch. */
    private interface Copied {
        void writeTo(RowGroupBuffer group);

        void writeTo(RollingParquetWriter writer) throws IOException;
    }

    private record CopiedRow(InternalRow row) implements Copied {
        @Override
        public void writeTo(RowGroupBuffer group) {
            group.write(row);
        }

        @Override
        public void writeTo(RollingParquetWriter writer) throws IOException {
            writer.write(row);
        }
    }

    private record CopiedBatch(ColumnarBatch batch, BatchColumns columns) implements Copied {
        @Override
        public void writeTo(RowGroupBuffer group) {
            group.write(batch, 0, batch.numRows(), columns);
        }

        @Override
        public void writeTo(RollingParquetWriter writer) throws IOException {
            writer.write(batch, columns);
        }
    }
}
