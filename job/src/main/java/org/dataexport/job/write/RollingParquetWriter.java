package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.dataexport.job.request.ParquetTuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Writes Spark rows to Parquet files, closing row groups and rolling files itself, as Iceberg's and
 * Hudi's writers do: parquet-java's ParquetWriter can neither count row groups nor roll by size
 * (PARQUET-17). The encoding is Spark's own {@link ParquetWriteSupport}, configured on the driver by
 * Spark's ParquetUtils.prepareWrite, so the files are what {@code df.write.parquet} would encode.
 *
 * <p>A row group closes when its size <em>as written</em> would reach the row-group size, or the room
 * left in the file under the size target. parquet-java's own measure (finished pages compressed, open
 * pages uncompressed, dictionaries not at all) misjudges the written size several times over for
 * groups whose data sits in open pages and dictionaries; so each column's open bytes and dictionary
 * are scaled by what they are seen to become ({@link SizeModel}): first measured on a sample (the
 * task's first rows, encoded once more into a discarded group), then on every group written. Sizes
 * are checked every so many rows, adaptively as parquet-java does, and at every row near the limit.
 */
public final class RollingParquetWriter implements RollingWriter {
    private static final long MIN_ROWS_BETWEEN_CHECKS = 100;
    private static final long MAX_ROWS_BETWEEN_CHECKS = 10_000;
    // A file within this fraction of the size target is closed instead of getting a thin row group.
    private static final double TARGET_SLACK = 0.05;
    // A task's last row group this close to the row-group size needs no re-encoding in single_file.
    private static final double TAIL_TOLERANCE = 0.10;

    private final Configuration conf;
    private final FileSystem fs;
    private final FileLayout layout;
    private final IntFunction<Path> pathForSequence;
    private final int partition;
    private final ParquetTuning tuning;
    private final ParquetProperties properties;
    private final CodecFactory codecFactory;
    private final CompressionCodecFactory.BytesInputCompressor compressor;
    private final List<WrittenFile> written = new ArrayList<>();
    private final Optional<Preamble> preamble;
    // Per column, the source-to-group dictionary indices, kept across row groups (SourceDictionaryWriters.IdTable).
    private final Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables = new HashMap<>();

    // What buffered bytes become when written, per column: learned from the sample and every group.
    private final SizeModel model;
    // Written bytes a row takes, as last estimated: spaces the first size check of a row group.
    private double writtenBytesPerRow = 1.0;
    // The task's first rows, until they have taught the model.
    private SizeSample sample;

    // The open file, or null between files; single_file's tail file while it is written.
    private OpenParquetFile file;
    private OpenParquetFile tailFile;
    private RowGroupBuffer group;
    private long nextSizeCheck;

    public RollingParquetWriter(Configuration conf, FileSystem fs, FileLayout layout, ParquetTuning tuning, int partition,
                                IntFunction<Path> pathForSequence) {
        this(conf, fs, layout, tuning, partition, pathForSequence, Optional.empty());
    }

    /** What goes into a file before any row of this writer's: row groups copied from other files. */
    public interface Preamble {
        void writeTo(ParquetFileWriter file) throws IOException;
    }

    /** A writer whose first file starts with the preamble's row groups. */
    public RollingParquetWriter(Configuration conf, FileSystem fs, FileLayout layout, ParquetTuning tuning, int partition,
                                IntFunction<Path> pathForSequence, Optional<Preamble> preamble) {
        this.preamble = preamble;
        this.conf = conf;
        this.fs = fs;
        this.layout = layout;
        this.tuning = tuning;
        this.partition = partition;
        this.pathForSequence = pathForSequence;
        this.properties = ParquetWriteConf.properties(conf, tuning, new ParquetWriteSupport().init(conf).getSchema());
        this.codecFactory = new CodecFactory(conf, properties.getPageSizeThreshold());
        this.compressor = codecFactory.getCompressor(ParquetOutputFormat.getCompression(conf));
        this.sample = new SizeSample(conf, properties, compressor, layout.rowGroupSizeBytes(), MIN_ROWS_BETWEEN_CHECKS, idTables);
        this.model = sample.model();
    }

    public void write(InternalRow row) throws IOException {
        if (sample != null) {
            if (sample.add(row)) {
                endSample();
            }
            return;
        }
        if (file == null) {
            openFile();
        }
        group.write(row);
        if (group.rows() >= nextSizeCheck) {
            checkSize();
        }
    }

    /**
     * The rows of a columnar batch, copied column by column between size checks ({@link BatchColumns}),
     * the task's first rows into the sample likewise.
     */
    public void write(ColumnarBatch batch, BatchColumns columns) throws IOException {
        write(batch, 0, batch.numRows(), columns);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) of a columnar batch, as {@link #write(ColumnarBatch, BatchColumns)}. */
    public void write(ColumnarBatch batch, int from, int to, BatchColumns columns) throws IOException {
        int next = from;
        while (next < to) {
            if (sample != null) {
                int end = Math.min(to, next + sample.rowsToNextCheck());
                boolean complete = sample.add(batch, next, end, columns);
                next = end;
                if (complete) {
                    endSample();
                }
                continue;
            }
            if (file == null) {
                openFile();
            }
            int end = (int) Math.min(to, next + Math.max(1, nextSizeCheck - group.rows()));
            group.write(batch, next, end, columns);
            next = end;
            if (group.rows() >= nextSizeCheck) {
                checkSize();
            }
        }
    }

    /** Bytes written so far: the closed files and what the open one holds on its stream. */
    public long bytesWritten() {
        return OpenParquetFile.bytesWritten(written, file);
    }

    /** Closes the open file, if any, and returns every file written, in order. */
    public List<WrittenFile> finish() throws IOException {
        if (sample != null) {
            endSample();
        }
        if (file != null) {
            closeFile();
        }
        return List.copyOf(written);
    }

    /**
     * Like {@link #finish}, but a last row group short of the row-group size (by more than 10%) goes to a
     * file of its own at {@code tailPath} instead ({@link WrittenFile#isTail}), for single_file's merge
     * to re-encode with the other tasks' tails; a file left without row groups is not kept.
     */
    public List<WrittenFile> finishWithTail(Path tailPath) throws IOException {
        if (sample != null) {
            endSample();
        }
        WrittenFile tail = null;
        if (group != null && group.rows() > 0 && group.estimatedWrittenSize(model) < layout.rowGroupSizeBytes() * (1 - TAIL_TOLERANCE)) {
            tailFile = OpenParquetFile.create(conf, fs, tailPath, layout.rowGroupSizeBytes(), properties, tuning.keyValueMetadata());
            group.flushTo(tailFile.writer(), model);
            group = null;
            tail = tailFile.close(partition, WrittenFile.TAIL_SEQUENCE);
            tailFile = null;
        }
        if (file != null && file.rowGroups() == 0 && (group == null || group.rows() == 0)) {
            abandonFile();
        }
        List<WrittenFile> files = new ArrayList<>(finish());
        if (tail != null) {
            files.add(tail);
        }
        return files;
    }

    /** Writes one file holding the schema and no rows: the output of an empty dataset. */
    public List<WrittenFile> finishEmpty() throws IOException {
        if (sample != null) {
            endSample();
        }
        if (file == null && written.isEmpty()) {
            openFile();
        }
        return finish();
    }

    /** Ends the sample (teaching the model what its bytes become) and writes its rows for real. */
    private void endSample() throws IOException {
        SizeSample ended = sample;
        sample = null;
        if (ended.isEmpty()) {
            ended.discard();
        } else {
            writtenBytesPerRow = ended.measure();
        }
        ended.replay(this);
    }

    private void checkSize() throws IOException {
        long estimate = group.estimatedWrittenSize(model);
        long limit = rowGroupLimit();
        double rowSize = Math.max((double) estimate / group.rows(), 1.0);
        if (estimate + rowSize >= limit) {
            flushRowGroup();
            if (fileIsFull()) {
                closeFile();
            } else {
                startRowGroup();
            }
            return;
        }
        writtenBytesPerRow = rowSize;
        // Halfway to the limit each time, down to every row near it: large rows never overshoot by more than one.
        long rowsToLimit = (long) ((limit - estimate) / rowSize);
        nextSizeCheck = group.rows() + Math.min(Math.max(rowsToLimit / 2, 1), MAX_ROWS_BETWEEN_CHECKS);
    }

    private long rowGroupLimit() throws IOException {
        long target = layout.effectiveTargetFileSize();
        if (target <= 0) {
            return layout.rowGroupSizeBytes();
        }
        return Math.max(1, Math.min(layout.rowGroupSizeBytes(), target - file.position()));
    }

    private boolean fileIsFull() throws IOException {
        if (layout.maxRowGroupsPerFile() > 0) {
            return file.rowGroups() >= layout.maxRowGroupsPerFile();
        }
        long target = layout.effectiveTargetFileSize();
        return target > 0 && file.position() >= target * (1 - TARGET_SLACK);
    }

    private void openFile() throws IOException {
        file = OpenParquetFile.create(conf, fs, pathForSequence.apply(written.size()), layout.rowGroupSizeBytes(), properties,
                tuning.keyValueMetadata());
        if (preamble.isPresent() && written.isEmpty()) {
            preamble.get().writeTo(file.writer());
        }
        startRowGroup();
    }

    private void startRowGroup() throws IOException {
        // A column whose last group (or the sample) ended in plain values is plain from the start.
        group = new RowGroupBuffer(file.schema(), file.writeSupport(),
                ParquetWriteConf.withoutDictionaries(properties, file.schema(), model::plainNext), compressor, idTables);
        // The first look comes at half the group's expected rows, at most 100 rows in.
        long expectedRows = (long) (rowGroupLimit() / Math.max(writtenBytesPerRow, 1.0));
        nextSizeCheck = Math.max(1, Math.min(expectedRows / 2, MIN_ROWS_BETWEEN_CHECKS));
    }

    private void flushRowGroup() throws IOException {
        boolean hasRows = group.rows() > 0;
        group.flushTo(file.writer(), model);
        group = null;
        if (hasRows) {
            file.rowGroupWritten();
        }
    }

    private void closeFile() throws IOException {
        if (group != null) {
            flushRowGroup();
        }
        written.add(file.close(partition, written.size()));
        file = null;
    }

    private void abandonFile() throws IOException {
        if (file != null) {
            OpenParquetFile abandoned = file;
            file = null;
            if (group != null) {
                group.release();
                group = null;
            }
            abandoned.abandon();
        }
    }

    /** Abandons the open file after a failure (or a kill), without publishing it; the driver removes the staging directory. */
    @Override
    public void close() throws IOException {
        try {
            if (group != null) {
                group.release();
                group = null;
            }
            if (sample != null) {
                sample.discard();
                sample = null;
            }
            abandonFile();
            if (tailFile != null) {
                tailFile.abandon();
                tailFile = null;
            }
        } finally {
            codecFactory.release();
        }
    }
}
