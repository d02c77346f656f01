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
                1 << 20, Encoding.PLAIN_DICTIONARY, Encoding.PLAIN_DICTIONARY, allocator), 1 << 20, allocator).orElseThrow(), plain);
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
        PlainValuesWriter decoded = new PlainValuesWriter(64, 1 << 20, allocator);
        writer.dictionary().fallBackAllValuesTo(decoded);
        PlainValuesReader.LongPlainValuesReader reader = new PlainValuesReader.LongPlainValuesReader();
        reader.initFromPage(written.size(), ByteBufferInputStream.wrap(decoded.getBytes().toByteBuffer()));
        List<Long> read = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            read.add(reader.readLong());
        }
        assertEquals(written, read);
    }
}
