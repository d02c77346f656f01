package org.dataexport.job.write;

import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.dictionary.IntList;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;
import org.apache.parquet.io.api.Binary;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import java.util.Optional;

/**
 * parquet-java's dictionary writers, told which entry of the source page's dictionary the next value
 * is ({@link SourceIds#next}): once an entry has been written, its value goes into the row group's
 * dictionary by the index it got, without being hashed and compared again. A columnar batch read from
 * a dictionary-encoded page (most pages of most Parquet files) thus costs one array read per value in
 * the dictionary instead of a hash-map lookup. Values written without a hint take parquet-java's own
 * way; the dictionary, its page and the fallback to plain encoding are parquet-java's.
 */
final class SourceDictionaryWriters {
    private SourceDictionaryWriters() {
    }

    /**
     * The same writer with source-index hints, where the column has a dictionary writer of a hinted
     * type (BINARY, INT32, INT64, DOUBLE); empty otherwise.
     */
    static Optional<FallbackValuesWriter<?, ?>> hinted(ValuesWriter writer, int maxDictionaryBytes, ByteBufferAllocator allocator) {
        if (!(writer instanceof FallbackValuesWriter<?, ?> fallback) || !(fallback.initialWriter instanceof DictionaryValuesWriter initial)) {
            return Optional.empty();
        }
        Encoding dataPages = initial.getEncoding();
        Encoding dictionaryPage = dataPages == Encoding.RLE_DICTIONARY ? Encoding.PLAIN : dataPages;
        DictionaryValuesWriter hinted;
        if (initial instanceof DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter) {
            hinted = new BinaryWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        } else if (initial instanceof DictionaryValuesWriter.PlainLongDictionaryValuesWriter) {
            hinted = new LongWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        } else if (initial instanceof DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter) {
            hinted = new IntWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        } else if (initial instanceof DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter) {
            hinted = new DoubleWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        } else {
            return Optional.empty();
        }
        initial.close();
        return Optional.of(FallbackValuesWriter.of(hinted, fallback.fallBackWriter));
    }

    /** Where a column's writer is told the source index of its next value. */
    static SourceIds sourceIds(ValuesWriter writer) {
        return writer instanceof FallbackValuesWriter<?, ?> fallback && fallback.initialWriter instanceof Hinted hinted
                ? hinted.sourceIds() : SourceIds.NONE;
    }

    private interface Hinted {
        SourceIds sourceIds();
    }

    /**
     * The index in the source page's dictionary of the next value written, and the row group's index of
     * each source entry seen, for as long as the source dictionary stays the same.
     */
    static class SourceIds {
        static final SourceIds NONE = new SourceIds() {
            @Override
            void next(Object source, int maxId, int sourceId) {
            }
        };

        private Object source;
        private int[] groupIds;
        private int pending = -1;

        /** The next value written is entry {@code sourceId} (of {@code 0..maxId}) of the dictionary {@code source}. */
        void next(Object source, int maxId, int sourceId) {
            if (source != this.source) {
                this.source = source;
                groupIds = new int[maxId + 1];
                Arrays.fill(groupIds, -1);
            }
            pending = sourceId;
        }

        /** The hint for the value being written, once: -1 when there is none. */
        int take() {
            int hint = pending;
            pending = -1;
            return hint;
        }

        int groupId(int sourceId) {
            return groupIds[sourceId];
        }

        void learn(int sourceId, int groupId) {
            groupIds[sourceId] = groupId;
        }

        void clear() {
            source = null;
            groupIds = null;
            pending = -1;
        }
    }

    // The last index parquet-java's writer added: the row group's index of the value it was just given.
    private static final MethodHandle CURRENT_SLAB = field("currentSlab", int[].class);
    private static final MethodHandle CURRENT_SLAB_POSITION = field("currentSlabPos", int.class);

    private static MethodHandle field(String name, Class<?> type) {
        try {
            java.lang.reflect.Field field = IntList.class.getDeclaredField(name);
            field.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(field);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The index just added, or -1 where parquet-java's list cannot be read (another version): nothing is then learned. */
    private static int lastIndex(IntList indices) {
        if (CURRENT_SLAB == null || CURRENT_SLAB_POSITION == null) {
            return -1;
        }
        try {
            int[] slab = (int[]) CURRENT_SLAB.invokeExact(indices);
            int position = (int) CURRENT_SLAB_POSITION.invokeExact(indices);
            return position > 0 ? slab[position - 1] : -1;
        } catch (Throwable e) {
            return -1;
        }
    }

    private static final class BinaryWriter extends DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter implements Hinted {
        private final SourceIds ids = new SourceIds();

        BinaryWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeBytes(Binary value) {
            int hint = ids.take();
            if (hint >= 0 && ids.groupId(hint) >= 0) {
                encodedValues.add(ids.groupId(hint));
                return;
            }
            super.writeBytes(value);
            if (hint >= 0) {
                ids.learn(hint, lastIndex(encodedValues));
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class LongWriter extends DictionaryValuesWriter.PlainLongDictionaryValuesWriter implements Hinted {
        private final SourceIds ids = new SourceIds();

        LongWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeLong(long value) {
            int hint = ids.take();
            if (hint >= 0 && ids.groupId(hint) >= 0) {
                encodedValues.add(ids.groupId(hint));
                return;
            }
            super.writeLong(value);
            if (hint >= 0) {
                ids.learn(hint, lastIndex(encodedValues));
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class IntWriter extends DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter implements Hinted {
        private final SourceIds ids = new SourceIds();

        IntWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeInteger(int value) {
            int hint = ids.take();
            if (hint >= 0 && ids.groupId(hint) >= 0) {
                encodedValues.add(ids.groupId(hint));
                return;
            }
            super.writeInteger(value);
            if (hint >= 0) {
                ids.learn(hint, lastIndex(encodedValues));
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class DoubleWriter extends DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter implements Hinted {
        private final SourceIds ids = new SourceIds();

        DoubleWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeDouble(double value) {
            int hint = ids.take();
            if (hint >= 0 && ids.groupId(hint) >= 0) {
                encodedValues.add(ids.groupId(hint));
                return;
            }
            super.writeDouble(value);
            if (hint >= 0) {
                ids.learn(hint, lastIndex(encodedValues));
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }
}
