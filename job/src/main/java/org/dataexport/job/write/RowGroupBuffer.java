package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One row group being built in memory: per column, finished pages held compressed, the open page
 * still raw, and the dictionary that is written when the group closes. {@link #estimatedWrittenSize}
 * turns these into the size the group will have in the file, through a {@link SizeModel};
 * {@link #flushTo} writes the group and teaches the model what each column's bytes became.
 */
final class RowGroupBuffer {
    private final MessageType schema;
    private final ColumnChunkPageWriteStore pageStore;
    private final ColumnWriteStore columnStore;
    private final RecordConsumer recordConsumer;
    private final WriteSupport<InternalRow> writeSupport;
    private final ColumnWriter[] columnWriters;
    private final PageWriter[] pageWriters;
    private final DictionaryTracker.Dictionary[] dictionaries;
    private final SourceDictionaryWriters.SourceIds[] sourceIds;
    private long rows;

    /** @param idTables the task's source-index tables by column ({@link SourceDictionaryWriters.IdTable}), kept across its groups */
    RowGroupBuffer(MessageType schema, WriteSupport<InternalRow> writeSupport, ParquetProperties baseProperties,
                   CompressionCodecFactory.BytesInputCompressor compressor, Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables) {
        this.schema = schema;
        this.writeSupport = writeSupport;
        DictionaryTracker tracker = new DictionaryTracker(idTables);
        ParquetProperties properties = ParquetProperties.copy(baseProperties).withValuesWriterFactory(tracker).build();
        this.pageStore = new ColumnChunkPageWriteStore(compressor, schema, properties.getAllocator(),
                properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled());
        this.columnStore = properties.newColumnWriteStore(schema, pageStore, pageStore);
        this.recordConsumer = new ColumnIOFactory(false).getColumnIO(schema).getRecordWriter(columnStore);
        writeSupport.prepareForWrite(recordConsumer);
        List<ColumnDescriptor> columns = schema.getColumns();
        columnWriters = new ColumnWriter[columns.size()];
        pageWriters = new PageWriter[columns.size()];
        dictionaries = new DictionaryTracker.Dictionary[columns.size()];
        sourceIds = new SourceDictionaryWriters.SourceIds[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            columnWriters[i] = columnStore.getColumnWriter(columns.get(i));
            DefinitionLevelWriter.install(columnWriters[i], columns.get(i).getMaxDefinitionLevel());
            pageWriters[i] = pageStore.getPageWriter(columns.get(i));
            dictionaries[i] = tracker.dictionaryOf(columns.get(i));
            sourceIds[i] = tracker.sourceIds(columns.get(i));
        }
    }

    MessageType schema() {
        return schema;
    }

    void write(InternalRow row) {
        writeSupport.write(row);
        rows++;
    }

    /**
     * Rows {@code from} to {@code to} of a batch, column by column. Each row then ends in the store, as
     * a record does: pages are cut there, holding at most the range's rows beyond the page size.
     */
    void write(ColumnarBatch batch, int from, int to, BatchColumns columns) {
        columns.write(batch, from, to, columnWriters, sourceIds);
        for (int r = from; r < to; r++) {
            columnStore.endRecord();
        }
        rows += to - from;
    }

    long rows() {
        return rows;
    }

    /** Finished pages (compressed) plus open pages (uncompressed): parquet-java's measure for parquet.block.size. */
    long bufferedSize() {
        return columnStore.getBufferedSize();
    }

    /** Per column: finished pages as they are, open bytes and dictionary entries as the model expects them written. */
    long estimatedWrittenSize(SizeModel model) {
        double size = 0;
        for (int i = 0; i < columnWriters.length; i++) {
            long finished = pageWriters[i].getMemSize();
            long open = columnWriters[i].getBufferedSizeInMemory() - finished;
            size += model.estimate(i, finished, open, dictionaries[i].bytes(), dictionaries[i].plain());
        }
        return (long) size;
    }

    /** Writes the group to the file, teaches the model what each column's bytes became, and returns the bytes written. */
    long flushTo(ColumnChunkSizes fileWriter, SizeModel model) throws IOException {
        recordConsumer.flush();
        int columns = columnWriters.length;
        long[] finished = new long[columns];
        long[] open = new long[columns];
        long[] dictionary = new long[columns];
        for (int i = 0; i < columns; i++) {
            finished[i] = pageWriters[i].getMemSize();
            open[i] = columnWriters[i].getBufferedSizeInMemory() - finished[i];
            dictionary[i] = dictionaries[i].bytes();
        }
        long start = fileWriter.getPos();
        if (rows > 0) {
            fileWriter.startBlock(rows);
            // The open pages become the last data pages; the dictionaries are kept aside until written.
            columnStore.flush();
            long[] dataPages = new long[columns];
            for (int i = 0; i < columns; i++) {
                dataPages[i] = pageWriters[i].getMemSize();
            }
            pageStore.flushToFileWriter(fileWriter);
            fileWriter.endBlock();
            List<Long> chunks = fileWriter.lastRowGroupChunks();
            for (int i = 0; i < columns && chunks.size() == columns; i++) {
                model.learn(i, open[i], dataPages[i] - finished[i], dictionary[i], dictionaries[i].largestSeen(), chunks.get(i) - dataPages[i],
                        dictionaries[i].plain());
            }
        }
        long written = fileWriter.getPos() - start;
        release();
        return written;
    }

    void release() {
        columnStore.close();
        pageStore.close();
    }
}
