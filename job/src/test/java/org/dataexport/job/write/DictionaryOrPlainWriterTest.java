package org.dataexport.job.write;

import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DictionaryOrPlainWriter} against parquet-java's {@code FallbackValuesWriter}, driven as a
 * column writer drives them (pages: values, bytes, encoding, reset; row groups: dictionary page, reset
 * of the dictionary): the same page bytes, encodings and dictionary pages, for every type, whether the
 * dictionary holds, outgrows its page on the first page or a later one, or does not pay on the first.
 */
class DictionaryOrPlainWriterTest {
    private static final ByteBufferAllocator ALLOCATOR = new HeapByteBufferAllocator();

    /** Writes value {@code i} of a column. */
    private interface Values {
        void write(ValuesWriter writer, long i);
    }

    private record Type(String name, Supplier<DictionaryValuesWriter> dictionary, Values values) {
    }

    private static List<Type> types(int maxDictionaryBytes) {
        Encoding e = Encoding.PLAIN_DICTIONARY;
        return List.of(
                new Type("binary", () -> new DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter(maxDictionaryBytes, e, e, ALLOCATOR),
                        (w, i) -> w.writeBytes(Binary.fromString("value-" + i))),
                new Type("long", () -> new DictionaryValuesWriter.PlainLongDictionaryValuesWriter(maxDictionaryBytes, e, e, ALLOCATOR),
                        (w, i) -> w.writeLong(i * 1_000_003L)),
                new Type("int", () -> new DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter(maxDictionaryBytes, e, e, ALLOCATOR),
                        (w, i) -> w.writeInteger((int) i * 7)),
                new Type("double", () -> new DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter(maxDictionaryBytes, e, e, ALLOCATOR),
                        (w, i) -> w.writeDouble(i / 3.0)),
                new Type("float", () -> new DictionaryValuesWriter.PlainFloatDictionaryValuesWriter(maxDictionaryBytes, e, e, ALLOCATOR),
                        (w, i) -> w.writeFloat(i / 3.0f)));
    }

    /** Per row group, per page: the value of row r on that page. */
    private interface Layout {
        long value(int group, int page, int row);
    }

    @Test
    void sameDecisionsAndBytesAsParquetJava() throws IOException {
        record Scenario(String name, int maxDictionaryBytes, Layout layout) {
        }
        List<Scenario> scenarios = List.of(
                new Scenario("dictionary holds", 1 << 20, (g, p, r) -> r % 17),
                new Scenario("outgrows the first page", 2_000, (g, p, r) -> g * 100_000L + p * 1_000L + r),
                new Scenario("outgrows a later page", 2_000, (g, p, r) -> p < 2 ? r % 5 : g * 100_000L + p * 1_000L + r),
                new Scenario("does not pay on the first page", 1 << 20, (g, p, r) -> p == 0 ? g * 100_000L + r : r % 3));
        for (Scenario scenario : scenarios) {
            for (Type type : types(scenario.maxDictionaryBytes())) {
                for (int group = 0; group < 2; group++) {
                    // A row group's writers are new (as parquet-java's own writer makes them: a column store per group).
                    String what = scenario.name() + ", " + type.name() + ", group " + group;
                    ValuesWriter parquet = FallbackValuesWriter.of(type.dictionary().get(), new PlainValuesWriter(64, 1 << 20, ALLOCATOR));
                    ValuesWriter ours = new DictionaryOrPlainWriter(type.dictionary().get(), new PlainValuesWriter(64, 1 << 20, ALLOCATOR));
                    List<String> expected = drive(parquet, type.values(), scenario.layout(), group);
                    assertEquals(expected, drive(ours, type.values(), scenario.layout(), group), what);
                    // What the task's next group is told: plain from the start when this one ended plain,
                    // also after pages of dictionary indices (its dictionary page is then written, and reset).
                    assertEquals(!scenario.name().equals("dictionary holds"), ((DictionaryOrPlainWriter) ours).fellBack(), what + ": ended plain");
                    if (!scenario.name().equals("dictionary holds")) {
                        assertTrue(expected.stream().anyMatch(page -> page.startsWith("PLAIN ")), what + ": some page fell back");
                    }
                }
            }
        }
    }

    /** What a column writer would put in the file for a row group: each page's encoding and bytes, then the dictionary page. */
    private static List<String> drive(ValuesWriter writer, Values values, Layout layout, int group) throws IOException {
        List<String> out = new ArrayList<>();
        for (int page = 0; page < 4; page++) {
            for (int row = 0; row < 300; row++) {
                values.write(writer, layout.value(group, page, row));
            }
            long buffered = writer.getBufferedSize();
            byte[] bytes = writer.getBytes().toByteArray();
            out.add(writer.getEncoding() + " " + buffered + " " + java.util.Arrays.toString(bytes));
            writer.reset();
        }
        DictionaryPage dictionary = writer.toDictPageAndClose();
        out.add(dictionary == null ? "no dictionary" : "dictionary " + dictionary.getEncoding() + " " + dictionary.getDictionarySize() + " "
                + java.util.Arrays.toString(dictionary.getBytes().toByteArray()));
        if (dictionary != null) {
            writer.resetDictionary(); // as the column writer finishes a chunk
        }
        writer.close();
        return out;
    }
}
