package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The file a {@link RollingParquetWriter} is filling: its stream, the Parquet file writer that counts
 * each column chunk's bytes, Spark's write support (the schema and the footer's key-value pairs) and
 * the row groups it holds. It ends as a {@link WrittenFile}, or is abandoned without being published.
 */
final class OpenParquetFile {
    private final Path path;
    private final FileSystemOutputFile output;
    private final ColumnChunkSizes writer;
    private final WriteSupport<InternalRow> writeSupport;
    private final MessageType schema;
    private final Map<String, String> extraMetadata;
    private final Map<String, String> requestMetadata;
    private int rowGroups;

    private OpenParquetFile(Path path, FileSystemOutputFile output, ColumnChunkSizes writer, WriteSupport<InternalRow> writeSupport,
                            WriteSupport.WriteContext context, Map<String, String> requestMetadata) {
        this.path = path;
        this.output = output;
        this.writer = writer;
        this.writeSupport = writeSupport;
        this.schema = context.getSchema();
        this.extraMetadata = Map.copyOf(context.getExtraMetaData());
        this.requestMetadata = Map.copyOf(requestMetadata);
    }

    /** Creates the file and writes its header; {@code requestMetadata} are the request's own footer pairs. */
    static OpenParquetFile create(Configuration conf, FileSystem fs, Path path, long rowGroupSize, ParquetProperties properties,
                                  Map<String, String> requestMetadata) throws IOException {
        WriteSupport<InternalRow> writeSupport = new ParquetWriteSupport();
        WriteSupport.WriteContext context = writeSupport.init(conf);
        FileSystemOutputFile output = new FileSystemOutputFile(fs, path);
        ColumnChunkSizes writer = new ColumnChunkSizes(output, context.getSchema(), rowGroupSize, properties);
        writer.start();
        return new OpenParquetFile(path, output, writer, writeSupport, context, requestMetadata);
    }

    ColumnChunkSizes writer() {
        return writer;
    }

    WriteSupport<InternalRow> writeSupport() {
        return writeSupport;
    }

    MessageType schema() {
        return schema;
    }

    /** Bytes on the file's stream so far. */
    long position() throws IOException {
        return writer.getPos();
    }

    /** Bytes a writer has written so far: its closed files, and what its open file (or null) holds on its stream. */
    static long bytesWritten(List<WrittenFile> closed, OpenParquetFile open) {
        long bytes = closed.stream().mapToLong(WrittenFile::fileBytes).sum();
        try {
            return bytes + (open == null ? 0 : open.position());
        } catch (IOException e) {
            return bytes;
        }
    }

    int rowGroups() {
        return rowGroups;
    }

    void rowGroupWritten() {
        rowGroups++;
    }

    /** Writes the footer and closes the file: the {@code sequence}-th file of task {@code partition}. */
    WrittenFile close(int partition, int sequence) throws IOException {
        writer.end(footerMetadata());
        return WrittenFile.fromFooter(path.toString(), partition, sequence, writer.getFooter(), writer.getPos());
    }

    /** Drops the file without publishing it (a failure, a kill, or a file left without rows). */
    void abandon() throws IOException {
        output.abort();
    }

    /** Spark's key-value pairs (its schema, its version), the object model's name, and the request's own pairs. */
    Map<String, String> footerMetadata() {
        Map<String, String> metadata = new HashMap<>(extraMetadata);
        if (writeSupport.getName() != null) {
            metadata.put(ParquetWriter.OBJECT_MODEL_NAME_PROP, writeSupport.getName());
        }
        metadata.putAll(writeSupport.finalizeWrite().getExtraMetaData());
        metadata.putAll(requestMetadata);
        return metadata;
    }
}
