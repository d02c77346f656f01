package org.dataexport.job.write;

import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesReader;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * The dictionary writers told the source index of each value: whatever order the source dictionaries
 * hold their values in, and whether a value came with a hint or not, every value is encoded as itself
 * (read back by re-encoding the row group's indices as plain values, as parquet-java's fallback does).
 */
class SourceDictionaryWritersTest {
    @Test
    void valuesKeepTheirIndexAcrossSourceDictionaries() throws Exception {
        HeapByteBufferAllocator allocator = new HeapByteBufferAllocator();
        ValuesWriter plain = new PlainValuesWriter(64, 1 << 20, allocator);
        DictionaryOrPlainWriter writer = new DictionaryOrPlainWriter(SourceDictionaryWriters.hinted(new DictionaryValuesWriter.PlainLongDictionaryValuesWriter(
                1 << 20, Encoding.PLAIN_DICTIONARY, Encoding.PLAIN_DICTIONARY, allocator), 1 << 20, allocator, new SourceDictionaryWriters.IdTable()).orElseThrow(), plain);
        SourceDictionaryWriters.SourceIds ids = SourceDictionaryWriters.sourceIds(writer);
        assertNotSame(SourceDictionaryWriters.SourceIds.NONE, ids);

        long[] first = {10, 20, 30};
        long[] second = {30, 40, 10}; // the same values in another order, and a new one
        Object firstSource = new Object();
        Object secondSource = new Object();
        List<Long> written = new ArrayList<>();
        int[] firstIds = {0, 1, 0, 2, 2, 1, 0};
        for (int id : firstIds) {
            ids.next(firstSource, 2, id);
            writer.writeLong(first[id]);
            written.add(first[id]);
        }
        writer.writeLong(20); // without a hint
        written.add(20L);
        int[] secondIds = {1, 0, 2, 2, 1, 0, 1};
        for (int id : secondIds) {
            ids.next(secondSource, 2, id);
            writer.writeLong(second[id]);
            written.add(second[id]);
        }

        assertEquals(4, ((DictionaryValuesWriter.PlainLongDictionaryValuesWriter) writer.dictionary()).getDictionarySize(), "each value once in the row group's dictionary");
        assertEquals(written, decoded(writer, written.size()));
    }

    @Test
    void aNewRowGroupStartsAfreshOnTheSameTable() throws Exception {
        HeapByteBufferAllocator allocator = new HeapByteBufferAllocator();
        SourceDictionaryWriters.IdTable table = new SourceDictionaryWriters.IdTable();
        Object source = new Object();
        long[] entries = {5, 6, 7, 8};
        List<List<Long>> groups = List.of(List.of(0L, 1L, 2L, 1L), List.of(3L, 1L, 3L, 0L)); // source ids, group by group
        for (List<Long> sourceIds : groups) {
            // A group's writer is new, its table the task's: the last group's indices must not leak into this one.
            DictionaryOrPlainWriter writer = new DictionaryOrPlainWriter(SourceDictionaryWriters.hinted(new DictionaryValuesWriter.PlainLongDictionaryValuesWriter(
                    1 << 20, Encoding.PLAIN_DICTIONARY, Encoding.PLAIN_DICTIONARY, allocator), 1 << 20, allocator, table).orElseThrow(),
                    new PlainValuesWriter(64, 1 << 20, allocator));
            SourceDictionaryWriters.SourceIds ids = SourceDictionaryWriters.sourceIds(writer);
            List<Long> written = new ArrayList<>();
            for (long id : sourceIds) {
                ids.next(source, entries.length - 1, (int) id);
                writer.writeLong(entries[(int) id]);
                written.add(entries[(int) id]);
            }
            assertEquals(written, decoded(writer, written.size()));
        }
    }

    /** The values the writer's row-group indices stand for, re-encoded as plain values (as parquet-java's fallback does) and read back. */
    private static List<Long> decoded(DictionaryOrPlainWriter writer, int count) throws Exception {
        PlainValuesWriter plain = new PlainValuesWriter(64, 1 << 20, new HeapByteBufferAllocator());
        writer.dictionary().fallBackAllValuesTo(plain);
        PlainValuesReader.LongPlainValuesReader reader = new PlainValuesReader.LongPlainValuesReader();
        reader.initFromPage(count, ByteBufferInputStream.wrap(plain.getBytes().toByteBuffer()));
        List<Long> read = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            read.add(reader.readLong());
        }
        return read;
    }
}
