package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;

import java.io.IOException;

/**
 * One row group being built in memory: finished pages are held compressed, each column's open page
 * is still uncompressed. {@link #estimatedWrittenSize} turns that into the size the group will have
 * in the file, given the compression the open bytes are expected to get.
 */
final class RowGroupBuffer {
    private final MessageType schema;
    private final ColumnChunkPageWriteStore pageStore;
    private final ColumnWriteStore columnStore;
    private final RecordConsumer recordConsumer;
    private final WriteSupport<InternalRow> writeSupport;
    private long rows;

    RowGroupBuffer(MessageType schema, WriteSupport<InternalRow> writeSupport, ParquetProperties properties,
                   CompressionCodecFactory.BytesInputCompressor compressor) {
        this.schema = schema;
        this.writeSupport = writeSupport;
        this.pageStore = new ColumnChunkPageWriteStore(compressor, schema, properties.getAllocator(),
                properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled());
        this.columnStore = properties.newColumnWriteStore(schema, pageStore, pageStore);
        this.recordConsumer = new ColumnIOFactory(false).getColumnIO(schema).getRecordWriter(columnStore);
        writeSupport.prepareForWrite(recordConsumer);
    }

    MessageType schema() {
        return schema;
    }

    void write(InternalRow row) {
        writeSupport.write(row);
        rows++;
    }

    long rows() {
        return rows;
    }

    /** Finished pages (compressed) plus open pages (uncompressed): parquet-java's measure for parquet.block.size. */
    long bufferedSize() {
        return columnStore.getBufferedSize();
    }

    long finishedPagesSize() {
        long size = 0;
        for (ColumnDescriptor column : schema.getColumns()) {
            size += pageStore.getPageWriter(column).getMemSize();
        }
        return size;
    }

    /** Finished pages as they are, plus the open pages' bytes times the expected compression ratio. */
    long estimatedWrittenSize(double openBytesRatio) {
        long finished = finishedPagesSize();
        return finished + (long) ((bufferedSize() - finished) * openBytesRatio);
    }

    /**
     * Writes the group to the file and returns the ratio its open bytes actually got (written size of
     * what was still open over its buffered size), for the next estimate; NaN if too little was open to tell.
     */
    double flushTo(ParquetFileWriter fileWriter) throws IOException {
        recordConsumer.flush();
        long finished = finishedPagesSize();
        long open = bufferedSize() - finished;
        long buffered = bufferedSize();
        long start = fileWriter.getPos();
        if (rows > 0) {
            fileWriter.startBlock(rows);
            columnStore.flush();
            pageStore.flushToFileWriter(fileWriter);
            fileWriter.endBlock();
        }
        long written = fileWriter.getPos() - start;
        release();
        // Too little still open to tell the open bytes' compression apart from the finished pages'.
        return rows == 0 || open < buffered / 20 ? Double.NaN : (double) (written - finished) / open;
    }

    void release() {
        columnStore.close();
        pageStore.close();
    }
}
