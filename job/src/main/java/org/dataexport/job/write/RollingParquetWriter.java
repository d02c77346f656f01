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
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.dataexport.job.data.Selection;
import org.dataexport.job.request.ParquetTuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
public final class RollingParquetWriter implements AutoCloseable {
    private static final long MIN_ROWS_BETWEEN_CHECKS = 100;
    private static final long MAX_ROWS_BETWEEN_CHECKS = 10_000;
    private static final long MAX_SAMPLE_BYTES = 8L << 20;
    private static final long MAX_SAMPLE_COPY_BYTES = 64L << 20;
    // A file within this fraction of the size target is closed instead of getting a thin row group.
    private static final double TARGET_SLACK = 0.05;

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

    // What buffered bytes become when written, per column: learned from the sample and every group.
    private SizeModel model;
    // Written bytes a row takes, as last estimated: spaces the first size check of a row group.
    private double writtenBytesPerRow = 1.0;
    // The sample: the task's first rows, copied, while they are encoded into a discarded group.
    private List<InternalRow> sample = new ArrayList<>();
    private RowGroupBuffer sampleGroup;
    private long sampleTarget;
    private long sampleCopiedBytes;

    // The open file, or null between files.
    private Path path;
    private FileSystemOutputFile outputFile;
    private ColumnChunkSizes fileWriter;
    private WriteSupport<InternalRow> writeSupport;
    private MessageType schema;
    private Map<String, String> extraMetadata;
    private RowGroupBuffer group;
    private long nextSizeCheck;
    private int rowGroupsInFile;

    public RollingParquetWriter(Configuration conf, FileSystem fs, FileLayout layout, ParquetTuning tuning, int partition,
                                IntFunction<Path> pathForSequence) {
        this.conf = conf;
        this.fs = fs;
        this.layout = layout;
        this.tuning = tuning;
        this.partition = partition;
        this.pathForSequence = pathForSequence;
        this.properties = properties(conf, tuning, new ParquetWriteSupport().init(conf).getSchema());
        this.codecFactory = new CodecFactory(conf, properties.getPageSizeThreshold());
        this.compressor = codecFactory.getCompressor(ParquetOutputFormat.getCompression(conf));
    }

    /** The encoding settings: Spark's (from the configuration it prepared), then the request's parquet_options per column. */
    private static ParquetProperties properties(Configuration conf, ParquetTuning tuning, MessageType schema) {
        ParquetProperties.Builder builder = ParquetProperties.builder()
                .withPageSize((int) tuning.pageSize().orElse(ParquetOutputFormat.getPageSize(conf)))
                .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
                .withDictionaryEncoding(tuning.dictionary() && ParquetOutputFormat.getEnableDictionary(conf))
                .withWriterVersion(tuning.writerVersion() == ParquetTuning.WriterVersion.V2
                        ? ParquetProperties.WriterVersion.PARQUET_2_0 : ParquetOutputFormat.getWriterVersion(conf))
                .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf));
        for (ColumnDescriptor column : schema.getColumns()) {
            String path = String.join(".", column.getPath());
            boolean bloomFilter = tuning.bloomFilterColumns().stream().anyMatch(name -> Selection.covers(name, column.getPath()));
            // parquet-java leaves out the bloom filter of a chunk whose pages are all dictionary-encoded (the
            // dictionary answers the same question): a column asked a bloom filter is written without one.
            if (bloomFilter || tuning.noDictionaryColumns().stream().anyMatch(name -> Selection.covers(name, column.getPath()))) {
                builder.withDictionaryEncoding(path, false);
            }
            if (bloomFilter) {
                builder.withBloomFilterEnabled(path, true);
            }
        }
        return builder.build();
    }

    public void write(InternalRow row) throws IOException {
        if (sample != null) {
            addToSample(row);
            return;
        }
        if (fileWriter == null) {
            openFile();
        }
        group.write(row);
        if (group.rows() >= nextSizeCheck) {
            checkSize();
        }
    }

    /** Bytes written so far: the closed files and what the open one holds on its stream. */
    public long bytesWritten() {
        long closed = written.stream().mapToLong(WrittenFile::fileBytes).sum();
        try {
            return closed + (fileWriter == null ? 0 : fileWriter.getPos());
        } catch (IOException e) {
            return closed;
        }
    }

    /** Closes the open file, if any, and returns every file written, in order. */
    public List<WrittenFile> finish() throws IOException {
        if (sample != null) {
            endSample();
        }
        if (fileWriter != null) {
            closeFile();
        }
        return List.copyOf(written);
    }

    /** Writes one file holding the schema and no rows: the output of an empty dataset. */
    public List<WrittenFile> finishEmpty() throws IOException {
        if (sample != null) {
            endSample();
        }
        if (fileWriter == null && written.isEmpty()) {
            openFile();
        }
        return finish();
    }

    private void addToSample(InternalRow row) throws IOException {
        if (sampleGroup == null) {
            sampleGroup = newSampleGroup();
            sampleTarget = Math.min(layout.rowGroupSizeBytes(), MAX_SAMPLE_BYTES);
        }
        sampleGroup.write(row);
        InternalRow copy = row.copy();
        sample.add(copy);
        sampleCopiedBytes += copy instanceof UnsafeRow unsafe ? unsafe.getSizeInBytes() : 1024;
        if (sampleCopiedBytes >= MAX_SAMPLE_COPY_BYTES) {
            // Columns that encode to almost nothing barely move the buffered size: bound the memory.
            endSample();
            return;
        }
        // Large rows are looked at every row: a hundred of them can be many times the sample's size.
        boolean largeRows = sampleCopiedBytes / sample.size() * MIN_ROWS_BETWEEN_CHECKS > sampleTarget / 4;
        if (largeRows || sampleGroup.rows() % MIN_ROWS_BETWEEN_CHECKS == 0) {
            // Looked at as the real groups will be, so that the model sees the dictionaries it will meet.
            sampleGroup.estimatedWrittenSize(model);
            if (sampleGroup.bufferedSize() >= sampleTarget) {
                endSample();
            }
        }
    }

    private RowGroupBuffer newSampleGroup() {
        WriteSupport<InternalRow> sampleSupport = new ParquetWriteSupport();
        MessageType sampleSchema = sampleSupport.init(conf).getSchema();
        model = new SizeModel(sampleSchema.getColumns().size());
        return new RowGroupBuffer(sampleSchema, sampleSupport, properties, compressor);
    }

    /** Ends the sample (teaching the model what its bytes become, in a file that keeps nothing) and writes its rows for real. */
    private void endSample() throws IOException {
        if (sampleGroup != null) {
            try (ColumnChunkSizes counter = new ColumnChunkSizes(new CountingOutputFile(), sampleGroup.schema(),
                    layout.rowGroupSizeBytes(), properties)) {
                counter.start();
                long sampleRows = sampleGroup.rows();
                writtenBytesPerRow = (double) sampleGroup.flushTo(counter, model) / Math.max(1, sampleRows);
            }
            sampleGroup = null;
        }
        List<InternalRow> rows = sample;
        sample = null;
        for (InternalRow row : rows) {
            write(row);
        }
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
        return Math.max(1, Math.min(layout.rowGroupSizeBytes(), target - fileWriter.getPos()));
    }

    private boolean fileIsFull() throws IOException {
        if (layout.maxRowGroupsPerFile() > 0) {
            return rowGroupsInFile >= layout.maxRowGroupsPerFile();
        }
        long target = layout.effectiveTargetFileSize();
        return target > 0 && fileWriter.getPos() >= target * (1 - TARGET_SLACK);
    }

    private void openFile() throws IOException {
        path = pathForSequence.apply(written.size());
        writeSupport = new ParquetWriteSupport();
        WriteSupport.WriteContext context = writeSupport.init(conf);
        schema = context.getSchema();
        extraMetadata = context.getExtraMetaData();
        outputFile = new FileSystemOutputFile(fs, path);
        fileWriter = new ColumnChunkSizes(outputFile, schema, layout.rowGroupSizeBytes(), properties);
        if (model == null || model.columns() != schema.getColumns().size()) {
            model = new SizeModel(schema.getColumns().size());
        }
        fileWriter.start();
        rowGroupsInFile = 0;
        startRowGroup();
    }

    private void startRowGroup() throws IOException {
        group = new RowGroupBuffer(schema, writeSupport, properties, compressor);
        // The first look comes at half the group's expected rows, at most 100 rows in.
        long expectedRows = (long) (rowGroupLimit() / Math.max(writtenBytesPerRow, 1.0));
        nextSizeCheck = Math.max(1, Math.min(expectedRows / 2, MIN_ROWS_BETWEEN_CHECKS));
    }

    private void flushRowGroup() throws IOException {
        boolean hasRows = group.rows() > 0;
        group.flushTo(fileWriter, model);
        group = null;
        if (hasRows) {
            rowGroupsInFile++;
        }
    }

    private void closeFile() throws IOException {
        if (group != null) {
            flushRowGroup();
        }
        Map<String, String> metadata = new HashMap<>(extraMetadata);
        if (writeSupport.getName() != null) {
            metadata.put(ParquetWriter.OBJECT_MODEL_NAME_PROP, writeSupport.getName());
        }
        metadata.putAll(writeSupport.finalizeWrite().getExtraMetaData());
        metadata.putAll(tuning.keyValueMetadata());
        fileWriter.end(metadata);
        written.add(describe(path.toString(), partition, written.size(), fileWriter.getFooter(), fileWriter.getPos()));
        fileWriter = null;
    }

    static WrittenFile describe(String path, int partition, int sequence, ParquetMetadata footer, long fileBytes) {
        long rows = 0;
        long uncompressed = 0;
        for (BlockMetaData block : footer.getBlocks()) {
            rows += block.getRowCount();
            uncompressed += block.getTotalByteSize();
        }
        return new WrittenFile(path, partition, sequence, rows, footer.getBlocks().size(), uncompressed, fileBytes);
    }

    /** Abandons the open file after a failure (or a kill), without publishing it; the driver removes the staging directory. */
    @Override
    public void close() throws IOException {
        try {
            if (group != null) {
                group.release();
                group = null;
            }
            if (fileWriter != null) {
                fileWriter = null;
                outputFile.abort();
            }
        } finally {
            codecFactory.release();
        }
    }
}
