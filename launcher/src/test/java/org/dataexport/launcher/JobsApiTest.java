package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.dataexport.launcher.TestServer.inState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job API over real HTTP against the suite's launcher and its SQLite job store. */
class JobsApiTest {
    private static final Map<String, String> ASYNC = Map.of("Prefer", "respond-async");

    private final TestServer server = TestServer.get();

    private String submitAsync(ObjectNode request, Map<String, String> headers) {
        TestServer.Response accepted = server.postWith(server.baseUrl(), request.toString(), headers);
        assertEquals(202, accepted.status(), accepted.body());
        return accepted.json().at("/data/export_id").asText();
    }

    @Test
    void asyncSubmitAnswersAtOnceAndItsResultMatchesTheFiles() throws Exception {
        Path destination = server.newLocalDestination("async");
        TestServer.Response accepted = server.postWith(server.baseUrl(), server.localRequest(destination)
                .put("include_file_stats", true).toString(), ASYNC);

        assertEquals(202, accepted.status(), accepted.body());
        JsonNode data = accepted.json().get("data");
        String id = data.get("export_id").asText();
        assertEquals("/v2/data/export/" + id, accepted.headers().get("location").get(0));
        assertEquals("/v2/data/export/" + id, data.get("status_url").asText());
        assertTrue(List.of("queued", "running").contains(data.get("state").asText()), data.toString());

        JsonNode job = server.awaitJob(server.baseUrl(), id, inState("succeeded"), 60_000);
        WrittenOutput.local(destination).assertMatches(job);
        JsonNode jobData = job.get("data");
        assertEquals(destination.toString(), jobData.get("output_prefix").asText());
        assertEquals("Parquet", jobData.get("format").asText());
        assertEquals("multi_file", jobData.get("mode").asText());
        assertTrue(jobData.get("finished_at").asText().compareTo(jobData.get("started_at").asText()) >= 0);
        JsonNode progress = jobData.get("progress");
        JsonNode result = jobData.get("export_result");
        assertEquals(result.get("total_row_count").asLong(), progress.get("rows_written").asLong());
        assertEquals(result.get("files").size(), progress.get("files_written").asLong());
        long bytes = 0;
        for (JsonNode file : result.get("file_stats")) {
            bytes += Files.size(destination.resolve(file.get("file").asText()));
        }
        assertEquals(bytes, progress.get("bytes_written").asLong(), "bytes_written equals the files' sizes");
        assertEquals(progress.get("tasks_total").asLong(), progress.get("tasks_done").asLong());
    }

    @Test
    void asyncSubmitToADestinationInUseGets409AtOnce() throws Exception {
        Path destination = server.newLocalDestination("async-taken");
        Files.createDirectories(destination);
        Files.writeString(destination.resolve("keep.txt"), "precious");
        TestServer.Response refused = server.postWith(server.baseUrl(), server.localRequest(destination).toString(), ASYNC);
        assertEquals(409, refused.status(), refused.body());
        assertEquals("precious", Files.readString(destination.resolve("keep.txt")));

        String prefix = "jobs/held-" + System.nanoTime();
        String key = prefix + "/_temporary/_claim";
        var store = server.s3.blobStore();
        store.putBlob(TestServer.BUCKET, store.blobBuilder(key).payload(("{\"export_id\":\"holder-1\",\"owner\":\"another launcher\","
                + "\"heartbeat_at\":\"" + java.time.Instant.now() + "\",\"lease_ms\":600000}").getBytes()).build());
        TestServer.Response held = server.postWith(server.baseUrl(), server.s3Request("/" + prefix).toString(), ASYNC);
        assertEquals(409, held.status(), held.body());
        assertTrue(held.json().at("/exception/message").asText().contains("holder-1"), held.body());
    }

    @Test
    void synchronousAnswerNamesItsJob() {
        Path destination = server.workDir.resolve("sync-job-" + System.nanoTime());
        TestServer.Response response = server.post(server.localRequest(destination).toString());

        assertEquals(200, response.status(), response.body());
        String id = response.json().at("/data/export_id").asText();
        assertEquals("/v2/data/export/" + id, response.headers().get("location").get(0));
        JsonNode job = server.call("GET", "/v2/data/export/" + id).json();
        assertEquals("succeeded", job.at("/data/state").asText());
        // The job keeps the per-file figures too; the caller, who did not ask for them, got the rest.
        assertFalse(response.json().at("/data/export_result").has("file_stats"), response.body());
        assertEquals(2, job.at("/data/export_result/file_stats").size(), job.toString());
        com.fasterxml.jackson.databind.node.ObjectNode recorded = job.at("/data/export_result").deepCopy();
        recorded.remove("file_stats");
        assertEquals(response.json().at("/data/export_result"), recorded, "the job holds the synchronous answer");
    }

    @Test
    void progressMovesWhileTheExportRuns() {
        String id = submitAsync(server.localRequest(server.workDir.resolve("progress-" + System.nanoTime())).put("dataset", "slow"), ASYNC);
        List<JsonNode> seen = new ArrayList<>();
        server.awaitJob(server.baseUrl(), id, job -> {
            seen.add(job.at("/data/progress"));
            return inState("succeeded", "failed").test(job);
        }, 60_000);

        assertTrue(seen.stream().anyMatch(progress -> progress.get("tasks_done").asLong() > 0 && progress.get("tasks_done").asLong() < 8),
                "progress seen between start and end: " + seen);
        JsonNode last = seen.get(seen.size() - 1);
        assertEquals(8, last.get("tasks_total").asLong(), last.toString());
        assertEquals(8, last.get("rows_written").asLong(), last.toString());
    }

    @Test
    void rowsWrittenMoveBeforeAnyTaskEnds() {
        String id = submitAsync(server.localRequest(server.workDir.resolve("mid-task-" + System.nanoTime())).put("dataset", "slowrows"), ASYNC);
        List<JsonNode> seen = new ArrayList<>();
        server.awaitJob(server.baseUrl(), id, job -> {
            seen.add(job.at("/data/progress"));
            return inState("succeeded", "failed").test(job);
        }, 60_000);

        assertTrue(seen.stream().anyMatch(progress -> progress.get("tasks_done").asLong() == 0 && progress.get("rows_written").asLong() > 0),
                "rows written reported by running tasks: " + seen);
        assertEquals(80_000, seen.get(seen.size() - 1).get("rows_written").asLong());
    }

    @Test
    void cancellingARunningExportLeavesNothing() throws Exception {
        Path destination = server.newLocalDestination("cancelled");
        String id = submitAsync(server.localRequest(destination).put("dataset", "slow"), ASYNC);
        server.awaitJob(server.baseUrl(), id, job -> job.at("/data/progress/tasks_done").asLong() > 0, 30_000);

        TestServer.Response cancel = server.call("DELETE", "/v2/data/export/" + id);

        assertEquals(202, cancel.status(), cancel.body());
        JsonNode job = server.awaitJob(server.baseUrl(), id, inState("cancelled"), 30_000);
        assertEquals("Cancelled", job.at("/exception/type").asText(), job.toString());
        assertFalse(Files.exists(destination) && Files.list(destination).findAny().isPresent(), "nothing at the destination");
        TestServer.Response again = server.call("DELETE", "/v2/data/export/" + id);
        assertEquals(409, again.status(), again.body());
        assertTrue(again.json().at("/exception/message").asText().contains("cancelled"), again.body());
    }

    @Test
    void anotherTokenNeitherSeesNorCancels() {
        String id = submitAsync(server.localRequest(server.workDir.resolve("owned-" + System.nanoTime())), ASYNC);

        assertEquals(404, server.call("GET", server.baseUrl(), "/v2/data/export/" + id, TestServer.OTHER_TOKEN).status());
        assertEquals(404, server.call("DELETE", server.baseUrl(), "/v2/data/export/" + id, TestServer.OTHER_TOKEN).status());
        JsonNode others = server.call("GET", server.baseUrl(), "/v2/data/exports?limit=1000", TestServer.OTHER_TOKEN).json();
        others.at("/data/exports").forEach(job -> assertNotEquals(id, job.get("export_id").asText()));
        assertEquals(401, server.call("GET", server.baseUrl(), "/v2/data/export/" + id, "wrong-token").status());
        server.awaitJob(server.baseUrl(), id, inState("succeeded"), 60_000);
    }

    @Test
    void unknownAndMalformedIdsAre404() {
        assertEquals(404, server.call("GET", "/v2/data/export/5b1f0c8e-1111-4222-8333-944445555666").status());
        TestServer.Response malformed = server.call("GET", "/v2/data/export/not-an-id%3Cscript%3E");
        assertEquals(404, malformed.status());
        assertEquals("NotFound", malformed.json().at("/exception/type").asText());
    }

    @Test
    void sameIdempotencyKeyGivesOneExportAndAnotherBodyGets422() {
        Path destination = server.workDir.resolve("idempotent-" + System.nanoTime());
        ObjectNode request = server.localRequest(destination);
        String key = "key-" + System.nanoTime();
        Map<String, String> headers = Map.of("Prefer", "respond-async", "Idempotency-Key", key);

        String first = submitAsync(request, headers);
        String second = submitAsync(request, headers);
        // A synchronous retry with the same key waits for the same job.
        TestServer.Response sync = server.postWith(server.baseUrl(), request.toPrettyString(), Map.of("Idempotency-Key", key));
        TestServer.Response other = server.postWith(server.baseUrl(), request.put("mode", "single_file").toString(), headers);

        assertEquals(first, second);
        assertEquals(200, sync.status(), sync.body());
        assertEquals(first, sync.json().at("/data/export_id").asText());
        assertEquals(422, other.status(), other.body());
        assertEquals("IdempotencyKeyReused", other.json().at("/exception/type").asText());
        assertTrue(other.json().at("/exception/message").asText().contains("Idempotency-Key"));
        long jobsToThatDestination = Stream.of(server.call("GET", "/v2/data/exports?limit=1000").json().at("/data/exports"))
                .flatMap(exports -> { List<JsonNode> all = new ArrayList<>(); exports.forEach(all::add); return all.stream(); })
                .filter(job -> job.get("output_prefix").asText().equals(destination.toString())).count();
        assertEquals(1, jobsToThatDestination, "one export for one key");
        TestServer.Response tooLong = server.postWith(server.baseUrl(), request.toString(), Map.of("Idempotency-Key", "k".repeat(256)));
        assertEquals(400, tooLong.status(), tooLong.body());
        assertTrue(tooLong.json().at("/exception/message").asText().contains("Idempotency-Key"));
    }

    @Test
    void listIsNewestFirstFilteredAndBounded() {
        String older = submitAsync(server.localRequest(server.workDir.resolve("list-a-" + System.nanoTime())), ASYNC);
        String newer = submitAsync(server.localRequest(server.workDir.resolve("list-b-" + System.nanoTime())), ASYNC);
        server.awaitJob(server.baseUrl(), older, inState("succeeded"), 60_000);
        server.awaitJob(server.baseUrl(), newer, inState("succeeded"), 60_000);

        JsonNode list = server.call("GET", "/v2/data/exports?state=succeeded&limit=1000").json();
        List<String> ids = new ArrayList<>();
        list.at("/data/exports").forEach(job -> {
            assertEquals("succeeded", job.get("state").asText());
            ids.add(job.get("export_id").asText());
        });
        assertTrue(ids.indexOf(newer) >= 0 && ids.indexOf(newer) < ids.indexOf(older), "newest first: " + ids);
        assertEquals(1, server.call("GET", "/v2/data/exports?limit=1").json().at("/data/exports").size());
        for (String bad : new String[] {"limit=0", "limit=1001", "limit=abc", "state=done"}) {
            TestServer.Response refused = server.call("GET", "/v2/data/exports?" + bad);
            assertEquals(400, refused.status(), bad + ": " + refused.body());
            assertTrue(refused.json().at("/exception/message").asText().startsWith(bad.split("=")[0]), refused.body());
        }
    }

    @Test
    void theStoreHoldsNoSecret() throws Exception {
        ObjectNode request = server.s3Request("/jobs/secret-scan");
        TestServer.Response response = server.postWith(server.baseUrl(), request.toString(), Map.of("Idempotency-Key", "scan-" + System.nanoTime()));
        assertEquals(200, response.status(), response.body());
        // And a refused one (its failure message recorded).
        request.with("export_paths").with("storage_config").with("credentials").put("secret_key", "wrong-" + TestServer.SECRET_KEY);
        server.post(request.toString());

        try (Stream<Path> files = Files.list(server.workDir.resolve("var"))) {
            for (Path file : files.toList()) {
                String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String secret : List.of(TestServer.ACCESS_KEY, TestServer.SECRET_KEY, TestServer.TOKEN, TestServer.OTHER_TOKEN)) {
                    assertFalse(content.contains(secret), file.getFileName() + " holds " + secret);
                }
            }
        }
    }
}
