package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.factory.DefaultValuesWriterFactory;
import org.apache.parquet.column.values.factory.ValuesWriterFactory;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;

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
    private final Map<ColumnDescriptor, FallbackValuesWriter<?, ?>> dictionaryWriters = new HashMap<>();

    @Override
    public void initialize(ParquetProperties properties) {
        delegate.initialize(properties);
    }

    @Override
    public ValuesWriter newValuesWriter(ColumnDescriptor descriptor) {
        ValuesWriter writer = delegate.newValuesWriter(descriptor);
        if (writer instanceof FallbackValuesWriter<?, ?> fallback) {
            dictionaryWriters.put(descriptor, fallback);
        }
        return writer;
    }

    /** The column's dictionary, empty when the column has none. */
    Dictionary dictionaryOf(ColumnDescriptor descriptor) {
        return new Dictionary(dictionaryWriters.get(descriptor));
    }

    /** A column's dictionary: its size now, and the largest it was seen at (it is dropped when it does not pay). */
    static final class Dictionary {
        private final FallbackValuesWriter<?, ?> writer;
        private long largest;

        private Dictionary(FallbackValuesWriter<?, ?> writer) {
            this.writer = writer;
        }

        /** Its entries' bytes, PLAIN-encoded and uncompressed, as the dictionary page will hold them. */
        long bytes() {
            long bytes = writer == null ? 0 : writer.initialWriter.getAllocatedSize() - writer.initialWriter.getBufferedSize();
            largest = Math.max(largest, bytes);
            return bytes;
        }

        long largestSeen() {
            return largest;
        }
    }
}
