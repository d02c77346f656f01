package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The output options end to end, each read back by DuckDB: the codec in the footers, dictionary
 * pages and bloom filters where asked, the footer's key-value pairs, the selected columns, the
 * filtered rows; JSON lines compressed as whole files; and a 400 naming the field for bad values.
 */
class OutputOptionsApiTest {
    private final TestServer server = TestServer.get();

    static Stream<Arguments> parquetCodecs() {
        return Stream.of(arguments("zstd", "ZSTD"), arguments("gzip", "GZIP"), arguments("lz4_raw", "LZ4_RAW"),
                arguments("none", "UNCOMPRESSED"), arguments("snappy", "SNAPPY"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parquetCodecs")
    void parquetCodecIsInEveryColumnChunk(String codec, String footerName) throws Exception {
        Path destination = export(request -> request.put("compression", codec));

        assertEquals(List.of(footerName), DuckDb.rows("SELECT DISTINCT compression FROM parquet_metadata('" + destination.resolve("*.parquet") + "')"));
    }

    @Test
    void zstdLevelIsAccepted() throws Exception {
        Path fast = export(request -> request.put("compression", "zstd").put("compression_level", 1));
        Path small = export(request -> request.put("compression", "zstd").put("compression_level", 19));

        assertTrue(bytes(small) < bytes(fast), "level 19 writes less than level 1: " + bytes(small) + " vs " + bytes(fast));
    }

    @Test
    void dictionaryBloomFiltersAndFooterPairs() throws Exception {
        Path noDictionary = export(request -> {
            request.with("parquet_options").put("dictionary", false);
            return request;
        });
        assertEquals(List.of("0"), DuckDb.rows("SELECT count(*) FROM parquet_metadata('" + noDictionary.resolve("*.parquet")
                + "') WHERE dictionary_page_offset IS NOT NULL"));

        Path tuned = export(request -> {
            ObjectNode options = request.with("parquet_options");
            options.putArray("dictionary").add("shipmode");
            options.putArray("bloom_filter_columns").add("orderkey");
            options.put("page_size_bytes", 16384).put("writer_version", "v2");
            options.with("key_value_metadata").put("owner", "team <x>").put("purpose", "audit");
            return request;
        });
        String metadata = "parquet_metadata('" + tuned.resolve("*.parquet") + "')";
        // The listed column has none; low-cardinality columns keep theirs (parquet-java drops the ones that do not pay).
        assertTrue(DuckDb.rows("SELECT DISTINCT path_in_schema FROM " + metadata + " WHERE dictionary_page_offset IS NULL").contains("shipmode"));
        assertEquals(List.of("linestatus", "returnflag", "shipinstruct"), DuckDb.rows("SELECT DISTINCT path_in_schema FROM " + metadata
                + " WHERE dictionary_page_offset IS NOT NULL AND path_in_schema IN ('linestatus', 'returnflag', 'shipinstruct', 'shipmode') ORDER BY 1"));
        assertEquals(List.of("orderkey"), DuckDb.rows("SELECT DISTINCT path_in_schema FROM " + metadata + " WHERE bloom_filter_offset IS NOT NULL"));
        assertEquals(List.of("owner=team <x>", "purpose=audit"), DuckDb.rows("SELECT DISTINCT decode(key) || '=' || decode(value) FROM parquet_kv_metadata('"
                + tuned.resolve("*.parquet") + "') WHERE decode(key) IN ('owner', 'purpose') ORDER BY 1"));
        // Pages of 16 KB: many more of them than row groups.
        assertTrue(Long.parseLong(DuckDb.rows("SELECT count(*) FROM " + metadata).get(0)) > 0);
    }

    @Test
    void columnsAndFilterSelectWhatIsWritten() throws Exception {
        String predicate = "quantity > 25 AND shipmode IN ('AIR', 'MAIL') AND NOT (comment LIKE '%final%')";
        Path everything = export(request -> request);
        Path selected = export(request -> {
            request.putArray("columns").add("shipmode").add("ORDERKEY").add("quantity");
            return request.put("filter", predicate);
        });

        assertEquals(List.of("shipmode", "orderkey", "quantity"),
                DuckDb.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('" + selected.resolve("*.parquet") + "'))"));
        String expected = DuckDb.rows("SELECT count(*) FROM read_parquet('" + everything.resolve("*.parquet") + "') WHERE " + predicate).get(0);
        assertEquals(expected, DuckDb.rows("SELECT count(*) FROM read_parquet('" + selected.resolve("*.parquet") + "')").get(0));
        assertTrue(Long.parseLong(expected) > 1000, expected);
    }

    static Stream<Arguments> jsonCodecs() {
        return Stream.of(arguments("gzip", ".jsonl.gz"), arguments("zstd", ".jsonl.zst"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonCodecs")
    void jsonLinesCompressedAsWholeFilesHoldTheTarget(String codec, String extension) throws Exception {
        long target = 150_000;
        Path destination = server.newLocalDestination("jsonl-" + codec);
        JsonNode response = server.post(server.localRequest(destination).put("format", "Jsonl").put("compression", codec)
                .put("target_file_size_bytes", target).put("include_file_stats", true).toString()).json();
        WrittenOutput output = WrittenOutput.local(destination);
        output.assertMatches(response);

        Map<Integer, List<String>> byTask = new TreeMap<>();
        response.at("/data/export_result/file_stats").forEach(stat ->
                byTask.computeIfAbsent(stat.get("input_partition").asInt(), k -> new ArrayList<>()).add(stat.get("file").asText()));
        int checked = 0;
        for (List<String> files : byTask.values()) {
            for (int i = 0; i < files.size() - 1; i++, checked++) {
                assertTrue(files.get(i).endsWith(extension), files.get(i));
                long size = output.sizeOf(files.get(i));
                assertTrue(Math.abs(size - target) <= target / 10, files.get(i) + " is " + size + " bytes, not within 10% of " + target);
            }
        }
        assertTrue(checked >= 2, "files rolled over: " + byTask);
        assertEquals(response.at("/data/export_result/total_row_count").asText(),
                DuckDb.rows("SELECT count(*) FROM read_json_auto('" + destination.resolve("*" + extension) + "')").get(0));
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                arguments("{\"filter\": \"reflect('java.lang.Runtime', 'getRuntime')\"}", "filter"),
                arguments("{\"filter\": \"java_method('java.lang.System', 'exit', 1) = 0\"}", "filter"),
                arguments("{\"filter\": \"orderkey IN (SELECT 1)\"}", "filter"),
                arguments("{\"filter\": \"EXISTS (SELECT * FROM orders)\"}", "filter"),
                arguments("{\"filter\": \"orderkey = (SELECT max(o_orderkey) FROM orders)\"}", "filter"),
                arguments("{\"filter\": \"length(read_files('/etc/passwd')) > 0\"}", "filter"),
                arguments("{\"filter\": \"comment RLIKE '(a+)+$'\"}", "filter"),
                arguments("{\"filter\": \"nope > 1\"}", "filter"),
                arguments("{\"filter\": \"orderkey + 1\"}", "filter"),
                arguments("{\"filter\": \"count(*) > 1\"}", "filter"),
                arguments("{\"filter\": \"orderkey > 1; DROP TABLE x\"}", "filter"),
                arguments("{\"filter\": \"" + "(".repeat(500) + "true" + ")".repeat(500) + "\"}", "filter"),
                arguments("{\"filter\": \"orderkey > ?\"}", "filter"),
                arguments("{\"columns\": [\"nope\"]}", "columns[0]"),
                arguments("{\"columns\": [\"orderkey\"], \"parquet_options\": {\"bloom_filter_columns\": [\"comment\"]}}",
                        "parquet_options.bloom_filter_columns[0]"),
                arguments("{\"parquet_options\": {\"dictionary\": [\"orderkey.x\"]}}", "parquet_options.dictionary[0]"),
                arguments("{\"compression\": \"brotli\"}", "compression"),
                arguments("{\"format\": \"Jsonl\", \"compression\": \"lz4_raw\"}", "compression"));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("badRequests")
    void badOptionsAreRefusedNamingTheField(String fields, String field) throws Exception {
        Path destination = server.newLocalDestination("refused");
        ObjectNode request = server.localRequest(destination);
        request.setAll((ObjectNode) TestServer.JSON.readTree(fields));
        TestServer.Response response = server.post(request.toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith(field + ":"), response.body());
        assertFalse(response.body().contains("at org."), "no stack trace: " + response.body());
        assertFalse(destination.toFile().exists(), "nothing written");
    }

    // --- helpers

    private Path export(java.util.function.UnaryOperator<ObjectNode> options) throws Exception {
        Path destination = server.newLocalDestination("options");
        JsonNode response = server.post(options.apply(server.localRequest(destination)).toString()).json();
        WrittenOutput.local(destination).assertMatches(response);
        return destination;
    }

    private static long bytes(Path destination) throws Exception {
        return Long.parseLong(DuckDb.rows("SELECT sum(total_compressed_size) FROM parquet_metadata('" + destination.resolve("*.parquet") + "')").get(0));
    }
}
