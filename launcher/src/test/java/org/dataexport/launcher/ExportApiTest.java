package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exports through the REST API, each checked against the written files by an independent reader. */
class ExportApiTest {
    private static final long LINEITEM_ROWS = 60_175; // TPC-H lineitem at scale factor 0.01
    private static final long ORDERS_ROWS = 15_000;

    private final TestServer server = TestServer.get();

    @Test
    void exampleRequestWritesParquetToS3() throws Exception {
        JsonNode response = server.post(server.s3Request("/export/dir").toString()).json();

        WrittenOutput output = WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "export/dir", server.workDir);
        output.assertMatches(response);
        JsonNode result = response.at("/data/export_result");
        assertEquals(LINEITEM_ROWS, result.get("total_row_count").asLong());
        assertEquals("/export/dir", result.get("output_prefix").asText());
        assertEquals("multi_file", result.get("mode").asText());
        assertEquals(2, result.get("files").size(), "one file per input partition");
        assertTrue(response.get("success").asBoolean());
        assertTrue(response.get("exception").isNull());
        assertTrue(response.get("data").get("metrics") == null, "metrics only on request");
    }

    @Test
    void parquetToLocalDirectoryWithSmallRowGroups() throws Exception {
        Path destination = server.newLocalDestination("parquet");
        ObjectNode request = server.localRequest(destination).put("row_group_size", 300_000);

        JsonNode response = server.post(request.toString()).json();

        WrittenOutput.local(destination).assertMatches(response);
        assertTrue(response.at("/data/export_result/num_row_groups").asLong() > 4, response.toString());
    }

    @Test
    void jsonLinesToLocalDirectory() throws Exception {
        Path destination = server.newLocalDestination("jsonl");
        JsonNode response = server.post(server.localRequest(destination).put("format", "Jsonl").toString()).json();

        WrittenOutput.local(destination).assertMatches(response);
        assertEquals(LINEITEM_ROWS, response.at("/data/export_result/total_row_count").asLong());
        assertEquals(0, response.at("/data/export_result/num_row_groups").asLong());
        assertEquals(0, response.at("/data/export_result/average_uncompressed_row_group_size").asLong());
    }

    @Test
    void singleFileParquetToS3IsOneFile() throws Exception {
        ObjectNode request = server.s3Request("/single/parquet").put("mode", "single_file").put("row_group_size", 1_000_000);
        JsonNode response = server.post(request.toString()).json();

        WrittenOutput output = WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "single/parquet", server.workDir);
        output.assertMatches(response);
        assertEquals(List.of("part-00000.parquet"), List.of(response.at("/data/export_result/files/0").asText()));
        assertEquals(1, response.at("/data/export_result/files").size());
        assertEquals("single_file", response.at("/data/export_result/mode").asText());
        assertEquals(LINEITEM_ROWS, response.at("/data/export_result/total_row_count").asLong());
        assertTrue(response.at("/data/export_result/num_row_groups").asLong() >= 2, "the parts' row groups are kept");
    }

    @Test
    void singleFileJsonLinesIsOneFile() throws Exception {
        Path destination = server.newLocalDestination("single-jsonl");
        ObjectNode request = server.localRequest(destination).put("format", "Jsonl").put("mode", "single_file");
        JsonNode response = server.post(request.toString()).json();

        WrittenOutput.local(destination).assertMatches(response);
        assertEquals(1, response.at("/data/export_result/files").size());
        assertEquals(LINEITEM_ROWS, response.at("/data/export_result/total_row_count").asLong());
    }

    @Test
    void metricsOnRequest() {
        Path destination = server.workDir.resolve("metrics");
        JsonNode response = server.post(server.localRequest(destination).put("include_metrics", true).toString()).json();

        JsonNode metrics = response.at("/data/metrics");
        assertTrue(metrics.get("elapsed_time").asDouble() > 0, response.toString());
        assertTrue(metrics.get("rss_peak_bytes").asLong() > 50_000_000L, "a JVM running Spark holds well over 50 MB: " + response);
    }

    @Test
    void namedDatasetIsExported() throws Exception {
        Path destination = server.newLocalDestination("orders");
        JsonNode response = server.post(server.localRequest(destination).put("dataset", "orders").toString()).json();

        WrittenOutput.local(destination).assertMatches(response);
        assertEquals(ORDERS_ROWS, response.at("/data/export_result/total_row_count").asLong());
        assertEquals(3, response.at("/data/export_result/files").size(), "one file per input partition");
    }

    @Test
    void filesOnS3AfterATaskThatWroteNothingAreRenumbered() throws Exception {
        // The first of orders' three input partitions ends below orderkey 20000: filtered, it writes no file, so
        // the files the other two wrote straight to part-00001 and part-00002 are published one number down.
        ObjectNode request = server.s3Request("/shifted/orders").put("dataset", "orders").put("filter", "orderkey > 20000")
                .put("include_file_stats", true);
        JsonNode response = server.post(request.toString()).json();

        WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "shifted/orders", server.workDir).assertMatches(response);
        assertEquals(List.of("part-00000.parquet", "part-00001.parquet"),
                TestServer.JSON.convertValue(response.at("/data/export_result/files"), List.class), response.toString());
        assertEquals(ORDERS_ROWS * 2 / 3, response.at("/data/export_result/total_row_count").asLong());
    }

    @Test
    void emptyDatasetGivesOneFileWithTheSchema() throws Exception {
        Path destination = server.newLocalDestination("empty");
        JsonNode response = server.post(server.localRequest(destination).put("dataset", "empty").toString()).json();

        WrittenOutput output = WrittenOutput.local(destination);
        output.assertMatches(response);
        assertEquals(1, response.at("/data/export_result/files").size());
        assertEquals(0, response.at("/data/export_result/total_row_count").asLong());
        assertTrue(output.sizeOf("part-00000.parquet") > 0, "the file holds the schema");
    }

    @Test
    void fileStatsOnRequestEqualTheFooters() throws Exception {
        Path destination = server.newLocalDestination("file-stats");
        ObjectNode request = server.localRequest(destination).put("row_group_size", 500_000).put("include_file_stats", true);
        JsonNode response = server.post(request.toString()).json();

        WrittenOutput output = WrittenOutput.local(destination);
        output.assertMatches(response);
        JsonNode stats = response.at("/data/export_result/file_stats");
        List<String> files = TestServer.JSON.convertValue(response.at("/data/export_result/files"), List.class);
        List<WrittenOutput.ParquetFile> footers = output.parquetFiles(files);
        assertEquals(footers.size(), stats.size());
        for (int i = 0; i < footers.size(); i++) {
            WrittenOutput.ParquetFile footer = footers.get(i);
            assertEquals(footer.name(), stats.get(i).get("file").asText());
            assertEquals(footer.rows(), stats.get(i).get("row_count").asLong());
            assertEquals(footer.rowGroups().size(), stats.get(i).get("num_row_groups").asInt());
            assertEquals(footer.fileBytes(), stats.get(i).get("file_size_bytes").asLong());
            assertEquals(footer.uncompressedBytes(), stats.get(i).get("uncompressed_byte_size").asLong());
        }
        assertFalse(server.post(server.localRequest(server.newLocalDestination("no-stats")).toString()).json()
                .at("/data/export_result").has("file_stats"));
    }
}
