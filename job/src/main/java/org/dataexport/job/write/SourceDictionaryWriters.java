package org.dataexport.job.write;

import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.dictionary.IntList;
import org.apache.parquet.io.api.Binary;

import java.lang.invoke.MethodHandle;
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
     * The dictionary writer with source-index hints, where it is of a hinted type (BINARY, INT32, INT64,
     * DOUBLE; the given one is then closed); empty otherwise.
     */
    static Optional<DictionaryValuesWriter> hinted(DictionaryValuesWriter initial, int maxDictionaryBytes, ByteBufferAllocator allocator,
                                                   IdTable table) {
        Encoding dataPages = initial.getEncoding();
        Encoding dictionaryPage = dataPages == Encoding.RLE_DICTIONARY ? Encoding.PLAIN : dataPages;
        DictionaryValuesWriter hinted;
        if (initial instanceof DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter) {
            hinted = new BinaryWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator, new SourceIds(table));
        } else if (initial instanceof DictionaryValuesWriter.PlainLongDictionaryValuesWriter) {
            hinted = new LongWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator, new SourceIds(table));
        } else if (initial instanceof DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter) {
            hinted = new IntWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator, new SourceIds(table));
        } else if (initial instanceof DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter) {
            hinted = new DoubleWriter(maxDictionaryBytes, dataPages, dictionaryPage, allocator, new SourceIds(table));
        } else {
            return Optional.empty();
        }
        initial.close();
        return Optional.of(hinted);
    }

    /** Where a column's writer is told the source index of its next value. */
    static SourceIds sourceIds(DictionaryOrPlainWriter writer) {
        return writer != null && writer.dictionary() instanceof Hinted hinted ? hinted.sourceIds() : SourceIds.NONE;
    }

    private interface Hinted {
        SourceIds sourceIds();
    }

    /**
     * The index in the source page's dictionary of the next value written, and the row group's index of
     * each source entry seen, for as long as the source dictionary stays the same.
     */
    static class SourceIds {
        static final SourceIds NONE = new SourceIds(new IdTable()) {
            @Override
            void next(Object source, int maxId, int sourceId) {
            }
        };

        private final IdTable table;
        private int pending = -1;
        // The source entry of the value being written the ordinary way, to learn its row-group index from.
        private int learning = -1;

        SourceIds(IdTable table) {
            this.table = table;
        }

        /** The next value written is entry {@code sourceId} (of {@code 0..maxId}) of the dictionary {@code source}. */
        void next(Object source, int maxId, int sourceId) {
            table.use(this, source, maxId + 1);
            pending = sourceId;
        }

        /**
         * Adds the value being written by its row-group index when its source entry was seen before
         * (true); otherwise the caller writes it parquet-java's way, then calls {@link #learn}.
         */
        boolean addKnown(IntList indices) {
            int hint = pending;
            pending = -1;
            int known = hint >= 0 ? table.get(hint) : -1;
            if (known >= 0) {
                indices.add(known);
                return true;
            }
            learning = hint;
            return false;
        }

        /** After a value was written parquet-java's way: the index it added is its source entry's from now on. */
        void learn(IntList indices) {
            if (learning >= 0) {
                table.put(learning, lastIndex(indices));
                learning = -1;
            }
        }

        void clear() {
            table.release(this);
            pending = -1;
            learning = -1;
        }
    }

    /**
     * A column's source-to-group indices, kept by its task across row groups: a new group or source
     * dictionary starts it afresh by moving to the next stamp, not by clearing an array of the source
     * dictionary's size (which, per group and column, cost a few percent of an export at 2 MB groups).
     */
    static final class IdTable {
        private int[] ids = new int[0];
        private int[] stamps = new int[0];
        private int stamp;
        // Whose indices of which source dictionary the entries of the current stamp are.
        private SourceIds holder;
        private Object source;

        /**
         * The table for {@code by}'s values from the dictionary {@code source} (of {@code entries} entries):
         * a holder or source other than the last starts it afresh.
         */
        void use(SourceIds by, Object source, int entries) {
            if (by == holder && source == this.source) {
                return;
            }
            holder = by;
            this.source = source;
            if (ids.length < entries || stamp == Integer.MAX_VALUE) {
                ids = new int[Math.max(entries, ids.length)];
                stamps = new int[ids.length];
                stamp = 0;
            }
            stamp++;
        }

        /** {@code by}'s dictionary is gone (a new row group): its entries are not to be used again. */
        void release(SourceIds by) {
            if (holder == by) {
                holder = null;
                source = null;
            }
        }

        int get(int entry) {
            return stamps[entry] == stamp ? ids[entry] : -1;
        }

        void put(int entry, int index) {
            ids[entry] = index;
            stamps[entry] = stamp;
        }
    }

    // The last index parquet-java's writer added: the row group's index of the value it was just given.
    // Where these fields are not there (another parquet-java), the list reads as empty and nothing is learned.
    private static final MethodHandle CURRENT_SLAB = PrivateFields.getter(IntList.class, "currentSlab", int[].class, new int[0]);
    private static final MethodHandle CURRENT_SLAB_POSITION = PrivateFields.getter(IntList.class, "currentSlabPos", int.class, 0);

    /** The index just added, or -1 when it cannot be read. */
    private static int lastIndex(IntList indices) {
        try {
            int[] slab = (int[]) CURRENT_SLAB.invokeExact((Object) indices);
            int position = (int) CURRENT_SLAB_POSITION.invokeExact((Object) indices);
            return position > 0 && position <= slab.length ? slab[position - 1] : -1;
        } catch (Throwable e) {
            return -1;
        }
    }

    private static final class BinaryWriter extends DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter implements Hinted {
        private final SourceIds ids;

        BinaryWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator, SourceIds ids) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
            this.ids = ids;
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeBytes(Binary value) {
            if (!ids.addKnown(encodedValues)) {
                super.writeBytes(value);
                ids.learn(encodedValues);
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class LongWriter extends DictionaryValuesWriter.PlainLongDictionaryValuesWriter implements Hinted {
        private final SourceIds ids;

        LongWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator, SourceIds ids) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
            this.ids = ids;
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeLong(long value) {
            if (!ids.addKnown(encodedValues)) {
                super.writeLong(value);
                ids.learn(encodedValues);
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class IntWriter extends DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter implements Hinted {
        private final SourceIds ids;

        IntWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator, SourceIds ids) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
            this.ids = ids;
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeInteger(int value) {
            if (!ids.addKnown(encodedValues)) {
                super.writeInteger(value);
                ids.learn(encodedValues);
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }

    private static final class DoubleWriter extends DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter implements Hinted {
        private final SourceIds ids;

        DoubleWriter(int maxDictionaryBytes, Encoding dataPages, Encoding dictionaryPage, ByteBufferAllocator allocator, SourceIds ids) {
            super(maxDictionaryBytes, dataPages, dictionaryPage, allocator);
            this.ids = ids;
        }

        @Override
        public SourceIds sourceIds() {
            return ids;
        }

        @Override
        public void writeDouble(double value) {
            if (!ids.addKnown(encodedValues)) {
                super.writeDouble(value);
                ids.learn(encodedValues);
            }
        }

        @Override
        protected void clearDictionaryContent() {
            super.clearDictionaryContent();
            ids.clear();
        }
    }
}
