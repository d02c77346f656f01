package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.factory.DefaultValuesWriterFactory;
import org.apache.parquet.column.values.factory.ValuesWriterFactory;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;

import java.util.HashMap;
import java.util.Map;

/**
 * parquet-java's own values writers, remembered per column so that the size of each column's
 * dictionary can be read while a row group is built. A dictionary is written whole when the row group
 * closes, and parquet-java's buffered size does not count it: without it, a group's written size is
 * misjudged by as much as the dictionaries weigh (nested and low-cardinality columns).
 */
final class DictionaryTracker implements ValuesWriterFactory {
    private final ValuesWriterFactory delegate = new DefaultValuesWriterFactory();
    private final Map<ColumnDescriptor, DictionaryOrPlainWriter> dictionaryWriters = new HashMap<>();
    private final Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables;
    private ParquetProperties properties;

    /** @param idTables the task's source-index tables by column, kept across its row groups (filled in here) */
    DictionaryTracker(Map<ColumnDescriptor, SourceDictionaryWriters.IdTable> idTables) {
        this.idTables = idTables;
    }

    @Override
    public void initialize(ParquetProperties properties) {
        this.properties = properties;
        delegate.initialize(properties);
    }

    /**
     * parquet-java's writer for the column; a dictionary with its fallback to plain values as a
     * {@link DictionaryOrPlainWriter}, the dictionary with source-index hints where its type has them
     * ({@link SourceDictionaryWriters}), PLAIN values as a {@link PlainArrayWriter}.
     */
    @Override
    public ValuesWriter newValuesWriter(ColumnDescriptor descriptor) {
        ValuesWriter writer = delegate.newValuesWriter(descriptor);
        if (!(writer instanceof FallbackValuesWriter<?, ?> fallback) || !(fallback.initialWriter instanceof DictionaryValuesWriter initial)) {
            return plain(writer);
        }
        DictionaryValuesWriter dictionary = SourceDictionaryWriters.hinted(initial, properties.getDictionaryPageSizeThreshold(),
                properties.getAllocator(), idTables.computeIfAbsent(descriptor, column -> new SourceDictionaryWriters.IdTable())).orElse(initial);
        DictionaryOrPlainWriter ours = new DictionaryOrPlainWriter(dictionary, plain(fallback.fallBackWriter));
        dictionaryWriters.put(descriptor, ours);
        return ours;
    }

    /** parquet-java's PLAIN writer as a {@link PlainArrayWriter} (the same bytes); any other writer as it is. */
    private static ValuesWriter plain(ValuesWriter writer) {
        if (writer.getClass() == PlainValuesWriter.class) {
            writer.close();
            return new PlainArrayWriter();
        }
        return writer;
    }

    /** Where the column's dictionary writer is told the source index of its next value (nowhere, without one). */
    SourceDictionaryWriters.SourceIds sourceIds(ColumnDescriptor descriptor) {
        return SourceDictionaryWriters.sourceIds(dictionaryWriters.get(descriptor));
    }

    /** The column's dictionary, empty when the column has none. */
    Dictionary dictionaryOf(ColumnDescriptor descriptor) {
        return new Dictionary(dictionaryWriters.get(descriptor));
    }

    /** A column's dictionary: its size now, and the largest it was seen at (it is dropped when it does not pay). */
    static final class Dictionary {
        private final DictionaryOrPlainWriter writer;
        private long largest;

        private Dictionary(DictionaryOrPlainWriter writer) {
            this.writer = writer;
        }

        /** Its entries' bytes, PLAIN-encoded and uncompressed, as the dictionary page will hold them. */
        long bytes() {
            long bytes = writer == null ? 0 : writer.dictionary().getAllocatedSize() - writer.dictionary().getBufferedSize();
            largest = Math.max(largest, bytes);
            return bytes;
        }

        long largestSeen() {
            return largest;
        }

        /**
         * Whether the column's pages are plain values now: it has no dictionary, or fell back from it in
         * this group (its dictionary outgrew the page, or did not pay on the first page; after the
         * group's flush, that includes a first page that was also its last).
         */
        boolean plain() {
            return writer == null || writer.fellBack();
        }
    }
}
