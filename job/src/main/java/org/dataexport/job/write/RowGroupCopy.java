package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.dataexport.job.data.SourceFooters;
import org.dataexport.job.data.SourceRowGroups;
import org.dataexport.job.progress.TaskOutput;
import org.dataexport.job.request.ParquetTuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A task's share of a source whose row groups already fit ({@link SourceRowGroups}), copied into its
 * files row group by row group, each column chunk byte for byte with its page indexes and bloom
 * filter: nothing is decoded or encoded again. Files roll after
 * {@code max_row_groups_per_file} groups, and after a group short of the row-group size (a source
 * file's last), so that every row group but a file's last still holds the bound. Rows keep their order.
 */
final class RowGroupCopy {
    private final Configuration conf;
    private final Configuration readConf;
    private final FileSystem fs;
    private final FileLayout layout;
    private final ParquetTuning tuning;
    private final int partition;
    private final IntFunction<Path> pathForSequence;
    private final ParquetProperties properties;
    private final List<WrittenFile> written = new ArrayList<>();
    private OpenParquetFile file;

    /** @param conf the write configuration (prepared on the driver); {@code readConf} the source's */
    RowGroupCopy(Configuration conf, Configuration readConf, FileSystem fs, FileLayout layout, ParquetTuning tuning, int partition, IntFunction<Path> pathForSequence) {
        this.conf = conf;
        this.readConf = readConf;
        this.fs = fs;
        this.layout = layout;
        this.tuning = tuning;
        this.partition = partition;
        this.pathForSequence = pathForSequence;
        this.properties = ParquetWriteConf.properties(conf, tuning, new ParquetWriteSupport().init(conf).getSchema());
    }

    /** Bytes written so far: the closed files and what the open one holds. */
    long bytesWritten() {
        return OpenParquetFile.bytesWritten(written, file);
    }

    /** Copies the split's row groups, in order, after any copied before, and returns every file written so far. */
    List<WrittenFile> copy(SourceRowGroups.Split split, TaskOutput output) throws IOException {
        try {
            for (SourceRowGroups.FileRange range : split.files()) {
                InputFile input = HadoopInputFile.fromPath(range.hadoopPath(), readConf);
                ParquetReadOptions options = ParquetReadOptions.builder().withRange(range.start(), range.start() + range.length()).build();
                try (ParquetFileReader reader = ParquetFileReader.open(input, options); SeekableInputStream in = input.newStream()) {
                    for (BlockMetaData block : reader.getRowGroups()) {
                        append(reader, in, block);
                        output.rowsWritten((int) Math.min(block.getRowCount(), Integer.MAX_VALUE));
                    }
                }
            }
            if (file != null) {
                closeFile();
            }
            return List.copyOf(written);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.abandon();
                file = null;
            }
            throw e;
        }
    }

    /** Appends one row group, its column chunks as they are with their page indexes and bloom filters (as ParquetRewriter does). */
    private void append(ParquetFileReader reader, SeekableInputStream in, BlockMetaData block) throws IOException {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.killTaskIfInterrupted();
        }
        if (file == null) {
            file = OpenParquetFile.create(conf, fs, pathForSequence.apply(written.size()), layout.rowGroupSizeBytes(), properties,
                    tuning.keyValueMetadata());
        }
        List<ColumnDescriptor> columns = file.schema().getColumns();
        List<ColumnChunkMetaData> chunks = block.getColumns();
        file.writer().startBlock(block.getRowCount());
        for (int i = 0; i < chunks.size(); i++) {
            ColumnChunkMetaData chunk = chunks.get(i);
            file.writer().appendColumnChunk(columns.get(i), in, chunk, reader.readBloomFilter(chunk), reader.readColumnIndex(chunk),
                    reader.readOffsetIndex(chunk));
        }
        file.writer().endBlock();
        file.rowGroupWritten();
        boolean shortGroup = block.getCompressedSize() < layout.rowGroupSizeBytes() * (1 - SourceFooters.TOLERANCE);
        if (shortGroup || (layout.maxRowGroupsPerFile() > 0 && file.rowGroups() >= layout.maxRowGroupsPerFile())) {
            closeFile();
        }
    }

    private void closeFile() throws IOException {
        written.add(file.close(partition, written.size()));
        file = null;
    }
}
