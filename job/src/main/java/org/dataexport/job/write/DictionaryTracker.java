package org.dataexport.job.write;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.factory.DefaultValuesWriterFactory;
import org.apache.parquet.column.values.factory.ValuesWriterFactory;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;

import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;

/**
 * parquet-java's own values writers, remembered per column so that the size of each column's
 * dictionary can be read while a row group is built. A dictionary is written whole when the row group
 * closes, and parquet-java's buffered size does not count it: without it, a group's written size is
 * misjudged by as much as the dictionaries weigh (nested and low-cardinality columns).
 */
final class DictionaryTracker implements ValuesWriterFactory {
    // parquet-java keeps whether a column fell back to itself; where the field is not there, no column is taken to have.
    private static final MethodHandle FELL_BACK = PrivateFields.getter(FallbackValuesWriter.class, "fellBackAlready", boolean.class, false);

    private final ValuesWriterFactory delegate = new DefaultValuesWriterFactory();
    private final Map<ColumnDescriptor, FallbackValuesWriter<?, ?>> dictionaryWriters = new HashMap<>();
    private ParquetProperties properties;

    @Override
    public void initialize(ParquetProperties properties) {
        this.properties = properties;
        delegate.initialize(properties);
    }

    /** parquet-java's writer for the column; a dictionary writer of a hinted type with source-index hints ({@link SourceDictionaryWriters}). */
    @Override
    public ValuesWriter newValuesWriter(ColumnDescriptor descriptor) {
        ValuesWriter writer = delegate.newValuesWriter(descriptor);
        writer = SourceDictionaryWriters.hinted(writer, properties.getDictionaryPageSizeThreshold(), properties.getAllocator())
                .<ValuesWriter>map(hinted -> hinted).orElse(writer);
        if (writer instanceof FallbackValuesWriter<?, ?> fallback) {
            dictionaryWriters.put(descriptor, fallback);
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

        /** Whether the column fell back to plain encoding in this group: its dictionary outgrew the page, or did not pay. */
        boolean fellBack() {
            try {
                return writer != null && (boolean) FELL_BACK.invokeExact((Object) writer);
            } catch (Throwable e) {
                return false;
            }
        }
    }
}
