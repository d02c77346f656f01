package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;

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
 * Spark's ParquetUtils.prepareWrite, so the files are exactly what {@code df.write.parquet} would
 * encode.
 *
 * <p>Sizes are checked every so many rows, adaptively as parquet-java does: halfway, by the average
 * row size so far, to the row count that would reach the limit. A row group closes when its buffered
 * size reaches the row-group size or the room left in the file under the size target.
 */
public final class RollingParquetWriter implements AutoCloseable {
    private static final long MIN_ROWS_BETWEEN_CHECKS = 100;
    private static final long MAX_ROWS_BETWEEN_CHECKS = 10_000;
    // A file within this fraction of the size target is closed instead of getting a thin row group.
    private static final double TARGET_SLACK = 0.05;

    private final Configuration conf;
    private final FileSystem fs;
    private final FileLayout layout;
    private final IntFunction<Path> pathForSequence;
    private final int partition;
    private final CompressionCodecName codec;
    private final ParquetProperties properties;
    private final CodecFactory codecFactory;
    private final List<WrittenFile> written = new ArrayList<>();

    // The open file, or null between files.
    private Path path;
    private ParquetFileWriter fileWriter;
    private WriteSupport<InternalRow> writeSupport;
    private MessageType schema;
    private Map<String, String> extraMetadata;
    private ColumnChunkPageWriteStore pageStore;
    private ColumnWriteStore columnStore;
    private RecordConsumer recordConsumer;
    private long rowsInGroup;
    private long nextSizeCheck;
    private int rowGroupsInFile;
    private long rowsInFile;

    public RollingParquetWriter(Configuration conf, FileSystem fs, FileLayout layout, int partition, IntFunction<Path> pathForSequence) {
        this.conf = conf;
        this.fs = fs;
        this.layout = layout;
        this.partition = partition;
        this.pathForSequence = pathForSequence;
        this.codec = ParquetOutputFormat.getCompression(conf);
        this.properties = ParquetProperties.builder()
                .withPageSize(ParquetOutputFormat.getPageSize(conf))
                .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
                .withDictionaryEncoding(ParquetOutputFormat.getEnableDictionary(conf))
                .withWriterVersion(ParquetOutputFormat.getWriterVersion(conf))
                .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf))
                .build();
        this.codecFactory = new CodecFactory(conf, properties.getPageSizeThreshold());
    }

    public void write(InternalRow row) throws IOException {
        if (fileWriter == null) {
            openFile();
        }
        writeSupport.write(row);
        rowsInGroup++;
        rowsInFile++;
        if (rowsInGroup >= nextSizeCheck) {
            checkSize();
        }
    }

    /** Closes the open file, if any, and returns every file written, in order. */
    public List<WrittenFile> finish() throws IOException {
        if (fileWriter != null) {
            closeFile();
        }
        return List.copyOf(written);
    }

    /** Writes one file holding the schema and no rows: the output of an empty dataset. */
    public List<WrittenFile> finishEmpty() throws IOException {
        if (fileWriter == null && written.isEmpty()) {
            openFile();
        }
        return finish();
    }

    private void checkSize() throws IOException {
        long buffered = columnStore.getBufferedSize();
        long limit = rowGroupLimit();
        double rowSize = (double) buffered / rowsInGroup;
        if (buffered + 2 * rowSize >= limit) {
            flushRowGroup();
            if (fileIsFull()) {
                closeFile();
            }
            return;
        }
        long rowsToLimit = (long) ((limit - buffered) / Math.max(rowSize, 1.0));
        nextSizeCheck = rowsInGroup + Math.min(Math.max(rowsToLimit / 2, MIN_ROWS_BETWEEN_CHECKS), MAX_ROWS_BETWEEN_CHECKS);
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
        fileWriter = new ParquetFileWriter(new FileSystemOutputFile(fs, path), schema, ParquetFileWriter.Mode.CREATE,
                layout.rowGroupSizeBytes(), 0, null, properties);
        fileWriter.start();
        rowGroupsInFile = 0;
        rowsInFile = 0;
        startRowGroup();
    }

    private void startRowGroup() {
        pageStore = new ColumnChunkPageWriteStore(codecFactory.getCompressor(codec), schema, properties.getAllocator(),
                properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled());
        columnStore = properties.newColumnWriteStore(schema, pageStore, pageStore);
        recordConsumer = new ColumnIOFactory(false).getColumnIO(schema).getRecordWriter(columnStore);
        writeSupport.prepareForWrite(recordConsumer);
        rowsInGroup = 0;
        nextSizeCheck = MIN_ROWS_BETWEEN_CHECKS;
    }

    private void flushRowGroup() throws IOException {
        recordConsumer.flush();
        if (rowsInGroup > 0) {
            fileWriter.startBlock(rowsInGroup);
            columnStore.flush();
            pageStore.flushToFileWriter(fileWriter);
            fileWriter.endBlock();
            rowGroupsInFile++;
        }
        columnStore.close();
        pageStore.close();
        startRowGroup();
    }

    private void closeFile() throws IOException {
        flushRowGroup();
        columnStore.close();
        pageStore.close();
        Map<String, String> metadata = new HashMap<>(extraMetadata);
        if (writeSupport.getName() != null) {
            metadata.put(ParquetWriter.OBJECT_MODEL_NAME_PROP, writeSupport.getName());
        }
        metadata.putAll(writeSupport.finalizeWrite().getExtraMetaData());
        fileWriter.end(metadata);
        written.add(describe(path.toString(), partition, written.size(), fileWriter.getFooter(), fileWriter.getPos()));
        fileWriter = null;
    }

    static WrittenFile describe(String path, int partition, int sequence, ParquetMetadata footer, long fileBytes) {
        long rows = 0;
        long uncompressed = 0;
        long compressed = 0;
        for (BlockMetaData block : footer.getBlocks()) {
            rows += block.getRowCount();
            uncompressed += block.getTotalByteSize();
            compressed += block.getCompressedSize();
        }
        return new WrittenFile(path, partition, sequence, rows, footer.getBlocks().size(), uncompressed, compressed, fileBytes);
    }

    /** Abandons the open file after a failure; the caller removes the staging directory. */
    @Override
    public void close() throws IOException {
        if (fileWriter != null) {
            ParquetFileWriter abandoned = fileWriter;
            fileWriter = null;
            try {
                columnStore.close();
                pageStore.close();
            } finally {
                abandoned.close();
            }
        }
        codecFactory.release();
    }
}
