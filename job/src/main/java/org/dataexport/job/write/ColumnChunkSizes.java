package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A Parquet file writer that notes the size of every column chunk of the row group being written, in
 * schema order: what each column took in the file, dictionary page included, for the size model.
 */
final class ColumnChunkSizes extends ParquetFileWriter {
    private final List<Long> chunkSizes = new ArrayList<>();
    private long chunkStart;

    ColumnChunkSizes(OutputFile file, MessageType schema, long rowGroupSize, ParquetProperties properties) throws IOException {
        super(file, schema, Mode.CREATE, rowGroupSize, 0, null, properties);
    }

    @Override
    public void startBlock(long recordCount) throws IOException {
        chunkSizes.clear();
        super.startBlock(recordCount);
    }

    @Override
    public void startColumn(ColumnDescriptor descriptor, long valueCount, CompressionCodecName codec) throws IOException {
        chunkStart = out.getPos();
        super.startColumn(descriptor, valueCount, codec);
    }

    @Override
    public void endColumn() throws IOException {
        super.endColumn();
        chunkSizes.add(out.getPos() - chunkStart);
    }

    /** The sizes of the last row group's column chunks, in schema order. */
    List<Long> lastRowGroupChunks() {
        return List.copyOf(chunkSizes);
    }
}
