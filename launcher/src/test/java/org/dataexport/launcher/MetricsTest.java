package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} scraped and read by Prometheus' own text parser (Debian's
 * python3-prometheus-client, run as /usr/bin/python3): after a few exports the counters moved by
 * exactly what the exports wrote, and no label carries a path, bucket or token.
 */
class MetricsTest {
    private static final String PARSER = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    print(json.dumps({"name": sample.name, "labels": sample.labels, "value": sample.value}))
            """;

    private final TestServer server = TestServer.get();

    @Test
    void exportsRequestsAndTheJvmAreCountedWithoutCallerValuesInLabels() throws Exception {
        List<JsonNode> before = scrape();
        long rows = 0;
        long files = 0;
        long bytes = 0;
        for (int i = 0; i < 2; i++) {
            Path destination = server.newLocalDestination("metrics");
            JsonNode response = server.post(server.localRequest(destination).toString()).json();
            assertEquals(200, response.get("code").asInt(), response.toString());
            rows += response.at("/data/export_result/total_row_count").asLong();
            files += response.at("/data/export_result/files").size();
            try (Stream<Path> written = Files.list(destination)) {
                bytes += written.filter(path -> path.getFileName().toString().endsWith(".parquet")).mapToLong(path -> path.toFile().length()).sum();
            }
        }
        assertEquals(400, server.post("{\"export_paths\": {}}").status());
        assertEquals(500, server.post(server.localRequest(server.newLocalDestination("broken")).put("dataset", "broken").toString()).status());
        assertEquals(404, server.call("GET", "/v2/data/export/" + java.util.UUID.randomUUID()).status());
        List<JsonNode> after = scrape();

        Map<String, String> succeeded = Map.of("state", "succeeded", "format", "Parquet");
        assertEquals(2, delta(before, after, "dataexport_exports_total", succeeded));
        assertEquals(1, delta(before, after, "dataexport_exports_total", Map.of("state", "failed", "format", "Parquet")));
        assertEquals(2, delta(before, after, "dataexport_export_duration_seconds_count", Map.of("state", "succeeded")));
        assertEquals(2, delta(before, after, "dataexport_export_duration_seconds_bucket", Map.of("state", "succeeded", "le", "+Inf")));
        assertEquals(rows, delta(before, after, "dataexport_rows_written_total", Map.of()));
        assertEquals(files, delta(before, after, "dataexport_files_written_total", Map.of()));
        assertEquals(bytes, delta(before, after, "dataexport_bytes_written_bytes_total", Map.of()));
        assertEquals(2, delta(before, after, "dataexport_http_requests_total", Map.of("method", "POST", "route", "/v2/data/export", "status", "200")));
        assertEquals(1, delta(before, after, "dataexport_http_requests_total", Map.of("method", "POST", "route", "/v2/data/export", "status", "400")));
        assertEquals(1, delta(before, after, "dataexport_http_requests_total",
                Map.of("method", "GET", "route", "/v2/data/export/{export_id}", "status", "404")));
        assertEquals(0, value(after, "dataexport_exports_running", Map.of()));
        assertEquals(0, value(after, "dataexport_exports_queued", Map.of()));
        assertTrue(value(after, "jvm_memory_used_bytes", Map.of("area", "heap", "id", "G1 Eden Space")) >= 0);
        assertTrue(after.stream().anyMatch(sample -> sample.get("name").asText().startsWith("jvm_gc_")), "JVM GC meters");

        for (JsonNode sample : after) {
            for (JsonNode label : sample.get("labels")) {
                String value = label.asText();
                assertFalse(value.contains(server.workDir.toString()) || value.contains(TestServer.BUCKET) || value.contains(TestServer.TOKEN)
                        || value.matches(".*[0-9a-f]{8}-[0-9a-f]{4}-.*"), "a label with a caller value: " + sample);
            }
        }
    }

    private List<JsonNode> scrape() throws Exception {
        TestServer.Response response = server.get("/metrics");
        assertEquals(200, response.status());
        assertTrue(response.headers().get("content-type").get(0).startsWith("text/plain"), response.headers().toString());
        Process parser = new ProcessBuilder("/usr/bin/python3", "-c", PARSER).start();
        try (OutputStream in = parser.getOutputStream()) {
            in.write(response.body().getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parser.getInputStream().transferTo(out);
        String errors = new String(parser.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(parser.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, parser.exitValue(), "the Prometheus parser read the scrape: " + errors);
        List<JsonNode> samples = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                samples.add(TestServer.JSON.readTree(line));
            }
        }
        assertTrue(samples.size() > 20, "samples: " + samples.size());
        return samples;
    }

    private static double value(List<JsonNode> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(sample -> sample.get("name").asText().equals(name))
                .filter(sample -> labels.entrySet().stream().allMatch(label -> label.getValue().equals(sample.at("/labels/" + label.getKey()).asText())))
                .mapToDouble(sample -> sample.get("value").asDouble()).sum();
    }

    private static long delta(List<JsonNode> before, List<JsonNode> after, String name, Map<String, String> labels) {
        return Math.round(value(after, name, labels) - value(before, name, labels));
    }
}
