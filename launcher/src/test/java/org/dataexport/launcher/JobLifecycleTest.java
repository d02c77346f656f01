package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import org.dataexport.launcher.jobs.JobRecord;
import org.dataexport.launcher.jobs.JobStore;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.dataexport.launcher.TestServer.inState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs across their launcher's life: the queue and its limit, a graceful stop, a killed launcher and
 * its restart, and two launchers sharing one PostgreSQL store.
 */
class JobLifecycleTest {
    private static final Map<String, String> ASYNC = Map.of("Prefer", "respond-async");

    private final TestServer server = TestServer.get();

    private Path confDir(String name, String... settings) throws Exception {
        Path conf = Files.createTempDirectory(server.workDir, name + "-").resolve("conf");
        Files.createDirectories(conf);
        Files.copy(server.workDir.resolve("conf/datasets.properties"), conf.resolve("datasets.properties"));
        List<String> lines = new ArrayList<>(List.of("auth.tokens=" + TestServer.TOKEN, "exports.allowed_local_roots=" + server.workDir));
        lines.addAll(List.of(settings));
        lines.add("");
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n", lines));
        return conf.resolve("launcher.properties");
    }

    private static Launcher start(Path config, TestServer server) throws Exception {
        return Launcher.start(LauncherConfig.load(config, Map.of(), false), server.spark);
    }

    private String submitAsync(String url, String destination, String dataset) {
        TestServer.Response accepted = server.postWith(url, server.localRequest(server.workDir.resolve(destination + "-" + System.nanoTime()))
                .put("dataset", dataset).toString(), ASYNC);
        assertEquals(202, accepted.status(), accepted.body());
        return accepted.json().at("/data/export_id").asText();
    }

    @Test
    void exportsQueueBeyondTheRunningLimitAndBeyondTheQueueGet429() throws Exception {
        try (Launcher launcher = start(confDir("queue", "server.port=0", "exports.max_running=1", "exports.max_queued=1"), server)) {
            String url = "http://127.0.0.1:" + launcher.port();
            String running = submitAsync(url, "queue-running", "slow");
            server.awaitJob(url, running, inState("running"), 30_000);
            String queued = submitAsync(url, "queue-waiting", "orders");

            assertEquals("queued", server.call("GET", url, "/v2/data/export/" + queued, TestServer.TOKEN).json().at("/data/state").asText());
            TestServer.Response refused = server.postWith(url, server.localRequest(server.workDir.resolve("queue-refused")).toString(), ASYNC);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("TooManyExports", refused.json().at("/exception/type").asText());

            // A queued export cancels at once; a synchronous call then waits in the queue for its answer.
            assertEquals(202, server.call("DELETE", url, "/v2/data/export/" + queued, TestServer.TOKEN).status());
            assertEquals("cancelled", server.call("GET", url, "/v2/data/export/" + queued, TestServer.TOKEN).json().at("/data/state").asText());
            TestServer.Response waited = server.post(url, server.localRequest(server.workDir.resolve("queue-sync-" + System.nanoTime())).toString());
            assertEquals(200, waited.status(), waited.body());
            assertEquals("succeeded", server.call("GET", url, "/v2/data/export/" + running, TestServer.TOKEN).json().at("/data/state").asText(),
                    "the synchronous call ran after the running one");
        }
    }

    @Test
    void aGracefulStopInterruptsRunningExportsAndLeavesNothing() throws Exception {
        Path config = confDir("graceful", "server.port=0", "exports.max_running=1");
        Path destination = server.workDir.resolve("graceful-" + System.nanoTime());
        String id;
        try (Launcher launcher = start(config, server)) {
            String url = "http://127.0.0.1:" + launcher.port();
            TestServer.Response accepted = server.postWith(url, server.localRequest(destination).put("dataset", "slow").toString(), ASYNC);
            id = accepted.json().at("/data/export_id").asText();
            server.awaitJob(url, id, job -> job.at("/data/progress/tasks_done").asLong() > 0, 30_000);
        }
        try (Launcher restarted = start(config, server)) {
            JsonNode job = server.awaitJob("http://127.0.0.1:" + restarted.port(), id, inState("interrupted"), 5_000);
            assertEquals("Interrupted", job.at("/exception/type").asText(), job.toString());
            assertFalse(Files.exists(destination) && Files.list(destination).findAny().isPresent(), "nothing at the destination");
        }
    }

    @Test
    void aStoppedOrKilledLauncherProcessItsJobReadsInterrupted() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = confDir("killed", "server.port=" + port, "exports.max_running=1");
        Files.writeString(config.resolveSibling("datasets.properties"), "default=big\nbig.type=tpch\nbig.table=lineitem\n"
                + "big.scale_factor=0.3\nbig.partitions=24\n");
        Files.writeString(config.resolveSibling("spark-defaults.conf"), "spark.master local[2]\nspark.ui.enabled false\n"
                + "spark.driver.host 127.0.0.1\nspark.driver.bindAddress 127.0.0.1\nspark.executor.heartbeatInterval 1s\n");
        String url = "http://127.0.0.1:" + port;

        // SIGTERM: the launcher cancels the export, leaves nothing and records it interrupted itself.
        Path stoppedDestination = server.workDir.resolve("sigterm-" + System.nanoTime());
        Process stopped = startProcess(config, url);
        String stoppedId = submitRunning(url, stoppedDestination, stopped);
        stopped.destroy();
        assertTrue(stopped.waitFor(90, TimeUnit.SECONDS), "the launcher stopped on SIGTERM");

        // SIGKILL: nothing is recorded; the next start of that launcher marks the job interrupted.
        Process killed = startProcess(config, url);
        String killedId = submitRunning(url, server.workDir.resolve("sigkill-" + System.nanoTime()), killed);
        killed.destroyForcibly();
        killed.waitFor(30, TimeUnit.SECONDS);

        try (Launcher restarted = start(config, server)) {
            JsonNode graceful = server.awaitJob("http://127.0.0.1:" + restarted.port(), stoppedId, inState("interrupted"), 5_000);
            assertTrue(graceful.at("/data/message").asText().contains("nothing was written"), graceful.toString());
            assertFalse(Files.exists(stoppedDestination) && Files.list(stoppedDestination).findAny().isPresent(), "nothing at the destination");
            JsonNode job = server.awaitJob("http://127.0.0.1:" + restarted.port(), killedId, inState("interrupted"), 5_000);
            assertTrue(job.at("/data/message").asText().contains("stopped before it ended"), job.toString());
            assertEquals("Interrupted", job.at("/exception/type").asText(), job.toString());
            assertTrue(job.at("/data/finished_at").isTextual(), job.toString());
        }
    }

    private Process startProcess(Path config, String url) throws Exception {
        return ChildProcesses.launcher(server, config, url);
    }

    private String submitRunning(String url, Path destination, Process child) {
        try {
            TestServer.Response accepted = server.postWith(url, server.localRequest(destination).toString(), ASYNC);
            assertEquals(202, accepted.status(), accepted.body());
            String id = accepted.json().at("/data/export_id").asText();
            server.awaitJob(url, id, inState("running"), 60_000);
            return id;
        } catch (AssertionError | RuntimeException e) {
            child.destroyForcibly();
            throw e;
        }
    }

    @Test
    void launchersSharingAPostgresStoreSeeEachOthersJobsAndARestartInterruptsOnlyItsOwn() throws Exception {
        try (TestPostgres postgres = TestPostgres.start();
             Launcher first = start(confDir("pg-a", "server.port=0", "jobs.launcher_id=launcher-a", "jobs.jdbc_url=" + postgres.jdbcUrl()), server)) {
            String firstUrl = "http://127.0.0.1:" + first.port();
            String running = submitAsync(firstUrl, "shared-running", "slow");
            server.awaitJob(firstUrl, running, inState("running"), 30_000);
            // launcher-b died with a job running: its record says running.
            String orphan = java.util.UUID.randomUUID().toString();
            try (JobStore store = JobStore.open(postgres.jdbcUrl(), Optional.empty(), Optional.empty())) {
                String owner = org.dataexport.launcher.jobs.Digests.of(TestServer.TOKEN);
                store.insert(JobRecord.queued(orphan, owner, "launcher-b", Instant.now(),
                        new JobRecord.Target("/orphan", Optional.empty(), "Parquet", "multi_file")), Optional.empty(), Optional.empty());
                assertTrue(store.start(orphan, Instant.now()));
            }

            try (Launcher second = start(confDir("pg-b", "server.port=0", "jobs.launcher_id=launcher-b", "jobs.jdbc_url=" + postgres.jdbcUrl()), server)) {
                String secondUrl = "http://127.0.0.1:" + second.port();
                assertEquals("interrupted", server.call("GET", secondUrl, "/v2/data/export/" + orphan, TestServer.TOKEN).json().at("/data/state").asText());
                assertEquals("running", server.call("GET", secondUrl, "/v2/data/export/" + running, TestServer.TOKEN).json().at("/data/state").asText(),
                        "the other launcher's job is not touched");
                List<String> listed = new ArrayList<>();
                server.call("GET", secondUrl, "/v2/data/exports", TestServer.TOKEN).json().at("/data/exports")
                        .forEach(job -> listed.add(job.get("export_id").asText()));
                assertTrue(listed.containsAll(List.of(running, orphan)), listed.toString());

                // Cancelled through the other launcher: the store carries the request to the one running it.
                assertEquals(202, server.call("DELETE", secondUrl, "/v2/data/export/" + running, TestServer.TOKEN).status());
                server.awaitJob(firstUrl, running, inState("cancelled"), 30_000);

                // A synchronous idempotent retry on either launcher gets the same job.
                Map<String, String> key = Map.of("Idempotency-Key", "shared-" + System.nanoTime());
                String body = server.localRequest(server.workDir.resolve("shared-sync-" + System.nanoTime())).toString();
                CompletableFuture<TestServer.Response> viaFirst = CompletableFuture.supplyAsync(() -> server.postWith(firstUrl, body, key));
                TestServer.Response viaSecond = server.postWith(secondUrl, body, key);
                assertEquals(200, viaSecond.status(), viaSecond.body());
                assertEquals(viaSecond.json().at("/data/export_id"), viaFirst.join().json().at("/data/export_id"));

                // Ready while the store answers, not ready once it is gone; alive either way.
                assertEquals(200, server.call("GET", secondUrl, "/readyz", TestServer.TOKEN).status());
                postgres.close();
                TestServer.Response notReady = server.call("GET", secondUrl, "/readyz", TestServer.TOKEN);
                assertEquals(503, notReady.status(), notReady.body());
                assertEquals("down", notReady.json().at("/checks/job_store").asText());
                assertEquals(200, server.call("GET", secondUrl, "/healthz", TestServer.TOKEN).status());
            }
        }
    }
}
