package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local mode runs exports side by side without mixing settings or credentials, up to its limit. */
class ConcurrencyTest {
    private final TestServer server = TestServer.get();

    @Test
    void concurrentExportsKeepTheirOwnCredentialsAndLayouts() throws Exception {
        try (EmbeddedS3 other = EmbeddedS3.start("127.0.0.1", TestServer.SECOND_S3_PORT, "OTHERACCESSKEY", "other-secret-5d4c3b", "other-bucket")) {
            ObjectNode first = server.s3Request("/concurrent/first").put("row_group_size", 300_000);
            ObjectNode second = server.s3Request("/concurrent/second").put("format", "Jsonl").put("row_group_size", 0);
            ObjectNode secondStorage = (ObjectNode) second.at("/export_paths/storage_config");
            secondStorage.put("bucket", "other-bucket");
            secondStorage.with("credentials").put("access_key", "OTHERACCESSKEY").put("secret_key", "other-secret-5d4c3b");
            secondStorage.with("options").put("endpoint", other.endpoint());
            // The first server's keys against the second server: must fail, whatever runs beside it.
            ObjectNode crossed = server.s3Request("/concurrent/crossed");
            ((ObjectNode) crossed.at("/export_paths/storage_config")).put("bucket", "other-bucket");
            ((ObjectNode) crossed.at("/export_paths/storage_config/options")).put("endpoint", other.endpoint());
            Path local = server.newLocalDestination("concurrent-local");
            ObjectNode third = server.localRequest(local).put("mode", "single_file");

            List<CompletableFuture<TestServer.Response>> responses = List.of(first, second, crossed, third).stream()
                    .map(request -> CompletableFuture.supplyAsync(() -> server.post(request.toString())))
                    .toList();
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();

            JsonNode firstResult = responses.get(0).join().json();
            WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "concurrent/first", server.workDir).assertMatches(firstResult);
            assertTrue(firstResult.at("/data/export_result/num_row_groups").asLong() > 4, "its own row_group_size: " + firstResult);
            JsonNode secondResult = responses.get(1).join().json();
            WrittenOutput.s3(other.blobStore(), "other-bucket", "concurrent/second", server.workDir).assertMatches(secondResult);
            assertTrue(secondResult.at("/data/export_result/files/0").asText().endsWith(".jsonl"), "its own format");
            assertEquals(502, responses.get(2).join().status(), "no credentials borrowed from a neighbour");
            JsonNode thirdResult = responses.get(3).join().json();
            WrittenOutput.local(local).assertMatches(thirdResult);
            assertEquals(1, thirdResult.at("/data/export_result/files").size());
        }
    }

    @Test
    void smallExportDoesNotQueueBehindALargeOne() {
        CompletableFuture<TestServer.Response> large = CompletableFuture.supplyAsync(() ->
                server.post(server.localRequest(server.workDir.resolve("fair-large-" + System.nanoTime())).put("dataset", "slow").toString()));
        sleep(300);
        long start = System.nanoTime();
        TestServer.Response small = server.post(server.localRequest(server.workDir.resolve("fair-small-" + System.nanoTime()))
                .put("dataset", "orders").toString());
        double smallSeconds = (System.nanoTime() - start) / 1e9;

        assertEquals(200, small.status(), small.body());
        assertTrue(!large.isDone(), "the small export finished while the large one still ran");
        assertTrue(smallSeconds < 3.0, "queued behind the large export's eight 1-second tasks: " + smallSeconds + " s");
        assertEquals(200, large.join().status());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void exportsBeyondTheLimitGet429() throws Exception {
        Path conf = Files.createTempDirectory(server.workDir, "limited-");
        Files.copy(server.workDir.resolve("conf/datasets.properties"), conf.resolve("datasets.properties"));
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n",
                "server.port=0", "auth.tokens=" + TestServer.TOKEN, "exports.max_running=1", "exports.max_queued=0",
                "exports.allowed_local_roots=" + server.workDir, ""));
        try (Launcher limited = Launcher.start(LauncherConfig.load(conf.resolve("launcher.properties"), Map.of(), false), server.spark)) {
            String url = "http://127.0.0.1:" + limited.port();
            CompletableFuture<TestServer.Response> slow = CompletableFuture.supplyAsync(() ->
                    server.post(url, server.localRequest(server.workDir.resolve("limit-slow")).put("dataset", "slow").toString()));
            Thread.sleep(700);

            TestServer.Response refused = server.post(url, server.localRequest(server.workDir.resolve("limit-refused")).toString());

            assertEquals(429, refused.status(), refused.body());
            assertEquals("TooManyExports", refused.json().at("/exception/type").asText());
            assertEquals(200, slow.join().status());
            assertEquals(200, server.post(url, server.localRequest(server.workDir.resolve("limit-after")).toString()).status(),
                    "the slot is free again");
        }
    }
}
