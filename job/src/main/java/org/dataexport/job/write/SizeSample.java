package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A task's first rows, copied while they are encoded into a row group that is measured and thrown
 * away: what teaches the {@link SizeModel} before the first real group is sized. Ends at about a row
 * group's buffered bytes (at most 8 MB), or 64 MB of copies.
 */
final class SizeSample {
    private static final long MAX_SAMPLE_BYTES = 8L << 20;
    private static final long MAX_SAMPLE_COPY_BYTES = 64L << 20;

    private final ParquetProperties properties;
    private final long rowGroupSize;
    private final long minRowsBetweenChecks;
    private final RowGroupBuffer group;
    private final SizeModel model;
    private final long target;
    private final List<InternalRow> rows = new ArrayList<>();
    private long copiedBytes;

    SizeSample(Configuration conf, ParquetProperties properties, CompressionCodecFactory.BytesInputCompressor compressor,
               long rowGroupSize, long minRowsBetweenChecks) {
        this.properties = properties;
        this.rowGroupSize = rowGroupSize;
        this.minRowsBetweenChecks = minRowsBetweenChecks;
        WriteSupport<InternalRow> support = new ParquetWriteSupport();
        MessageType schema = support.init(conf).getSchema();
        this.model = new SizeModel(schema.getColumns().size());
        this.group = new RowGroupBuffer(schema, support, properties, compressor);
        this.target = Math.min(rowGroupSize, MAX_SAMPLE_BYTES);
    }

    SizeModel model() {
        return model;
    }

    /** Takes a row; true when the sample is complete. */
    boolean add(InternalRow row) {
        group.write(row);
        InternalRow copy = row.copy();
        rows.add(copy);
        copiedBytes += copy instanceof UnsafeRow unsafe ? unsafe.getSizeInBytes() : 1024;
        if (copiedBytes >= MAX_SAMPLE_COPY_BYTES) {
            // Columns that encode to almost nothing barely move the buffered size: bound the memory.
            return true;
        }
        // Large rows are looked at every row: a hundred of them can be many times the sample's size.
        boolean largeRows = copiedBytes / rows.size() * minRowsBetweenChecks > target / 4;
        if (largeRows || group.rows() % minRowsBetweenChecks == 0) {
            // Looked at as the real groups will be, so that the model sees the dictionaries it will meet.
            group.estimatedWrittenSize(model);
            return group.bufferedSize() >= target;
        }
        return false;
    }

    /**
     * Writes the sample's group into a file that keeps nothing, teaching the model what its bytes
     * became, and returns the written bytes per row.
     */
    double measure() throws IOException {
        try (ColumnChunkSizes counter = new ColumnChunkSizes(new CountingOutputFile(), group.schema(), rowGroupSize, properties)) {
            counter.start();
            long sampled = group.rows();
            return (double) group.flushTo(counter, model) / Math.max(1, sampled);
        }
    }

    /** Frees the sample's group without measuring it. */
    void discard() {
        group.release();
    }

    /** The sampled rows, to be written for real. */
    List<InternalRow> rows() {
        return rows;
    }
}
