package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.dataexport.launcher.TestServer.inState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers in different processes: two launcher JVMs on one destination, a launcher killed with
 * SIGKILL mid-export and its destination reclaimed after the lease, and a spark-submit run racing a
 * launcher; on a local directory and on S3 (the suite's S3 server, reached by every process).
 */
class CrossProcessClaimTest {
    private static final int LEASE_SECONDS = 3;
    private static final TestServer server = TestServer.get();
    private static Process first;
    private static Process second;
    private static String firstUrl;
    private static String secondUrl;
    private static Path firstConfig;

    @BeforeAll
    static void startLaunchers() throws Exception {
        int firstPort = ChildProcesses.freePort();
        int secondPort = ChildProcesses.freePort();
        firstUrl = "http://127.0.0.1:" + firstPort;
        secondUrl = "http://127.0.0.1:" + secondPort;
        firstConfig = config("first", firstPort);
        first = ChildProcesses.launcher(server, firstConfig, firstUrl,
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2-json.properties").toAbsolutePath());
        second = ChildProcesses.launcher(server, config("second", secondPort), secondUrl);
    }

    @AfterAll
    static void stopLaunchers() {
        for (Process process : new Process[] {first, second}) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }

    private static Path config(String name, int port) throws Exception {
        Path conf = Files.createTempDirectory(server.workDir, "process-" + name + "-").resolve("conf");
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("datasets.properties"), datasets());
        Files.writeString(conf.resolve("spark-defaults.conf"), "spark.master local[2]\nspark.ui.enabled false\n"
                + "spark.driver.host 127.0.0.1\nspark.driver.bindAddress 127.0.0.1\nspark.executor.heartbeatInterval 1s\n");
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n", "server.port=" + port,
                "auth.tokens=" + TestServer.TOKEN, "exports.allowed_local_roots=" + server.workDir,
                "storage.allowed_endpoints=127.0.0.1/32:" + server.s3.port(), "exports.lease_seconds=" + LEASE_SECONDS,
                "jobs.launcher_id=" + name, ""));
        return conf.resolve("launcher.properties");
    }

    private static String datasets() {
        return "default=medium\nmedium.type=tpch\nmedium.table=lineitem\nmedium.scale_factor=0.1\nmedium.partitions=4\n"
                + "big.type=tpch\nbig.table=lineitem\nbig.scale_factor=1\nbig.partitions=48\n";
    }

    @Test
    void jsonLogLinesNameTheirExportAndNoSecret() throws Exception {
        TestServer.Response done = server.post(firstUrl, server.s3Request("/json-logs/" + System.nanoTime()).toString());
        assertEquals(200, done.status(), done.body());
        String exportId = done.json().at("/data/export_id").asText();
        ObjectNode refused = server.s3Request("/json-logs/refused-" + System.nanoTime());
        ((ObjectNode) refused.at("/export_paths/storage_config/credentials")).put("secret_key", "wrong-" + TestServer.SECRET_KEY);
        assertEquals(502, server.post(firstUrl, refused.toString()).status());

        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(firstConfig.resolveSibling("launcher.log"))) {
            assertTrue(!line.contains(TestServer.SECRET_KEY) && !line.contains(TestServer.TOKEN), "a secret in the log: " + line);
            if (line.startsWith("{")) {
                lines.add(TestServer.JSON.readTree(line));
            }
        }
        List<JsonNode> aboutIt = lines.stream().filter(line -> line.path("message").asText().contains(exportId)).toList();
        assertTrue(!aboutIt.isEmpty(), "lines about the export");
        for (JsonNode line : aboutIt) {
            assertEquals(exportId, line.path("export_id").asText(), line.toString());
            assertTrue(line.has("time") && line.has("level") && line.has("logger"), line.toString());
        }
        assertTrue(lines.stream().filter(line -> line.path("export_id").asText().equals(exportId)).count() > aboutIt.size() - 1,
                "lines of its run carry it too");
    }

    @Test
    void twoLauncherProcessesOnOneDestinationOneWritesTheOtherGets409() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path local = server.workDir.resolve("two-processes-" + round + "-" + System.nanoTime());
            assertOneWins(server.localRequest(local), () -> WrittenOutput.local(local));
            String prefix = "two-processes/" + round + "-" + System.nanoTime();
            assertOneWins(server.s3Request("/" + prefix), () -> WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir));
        }
    }

    private interface Output {
        WrittenOutput read() throws Exception;
    }

    private void assertOneWins(ObjectNode request, Output output) throws Exception {
        CompletableFuture<TestServer.Response> viaFirst = CompletableFuture.supplyAsync(() -> server.post(firstUrl, request.toString()));
        CompletableFuture<TestServer.Response> viaSecond = CompletableFuture.supplyAsync(() -> server.post(secondUrl, request.toString()));
        List<TestServer.Response> answers = List.of(viaFirst.join(), viaSecond.join());
        List<Integer> statuses = answers.stream().map(TestServer.Response::status).sorted().toList();
        assertEquals(List.of(200, 409), statuses, answers.toString());
        TestServer.Response winner = answers.stream().filter(answer -> answer.status() == 200).findFirst().orElseThrow();
        output.read().assertMatches(winner.json());
    }

    /** Starts a launcher, has it export {@code request}, and kills it with SIGKILL once the export writes. */
    private void killMidExport(ObjectNode request) throws Exception {
        int port = ChildProcesses.freePort();
        String url = "http://127.0.0.1:" + port;
        Process doomed = ChildProcesses.launcher(server, config("doomed", port), url);
        try {
            TestServer.Response accepted = server.postWith(url, request.put("dataset", "big").toString(), Map.of("Prefer", "respond-async"));
            assertEquals(202, accepted.status(), accepted.body());
            JsonNode job = server.awaitJob(url, accepted.json().at("/data/export_id").asText(),
                    writing -> writing.at("/data/progress/rows_written").asLong() > 0, 120_000);
            assertEquals("running", job.at("/data/state").asText(), job.toString());
        } finally {
            doomed.destroyForcibly();
            doomed.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aKilledLaunchersDestinationIsReclaimedAfterTheLease() throws Exception {
        Path local = server.workDir.resolve("killed-holder-" + System.nanoTime());
        String prefix = "killed-holder/" + System.nanoTime();
        killMidExport(server.localRequest(local));
        killMidExport(server.s3Request("/" + prefix));
        assertTrue(Files.exists(local.resolve("_temporary/_claim")), "the killed launcher left its claim");

        TestServer.Response localAgain = retryUntilNot409(secondUrl, server.localRequest(local).toString());
        assertEquals(200, localAgain.status(), localAgain.body());
        WrittenOutput.local(local).assertMatches(localAgain.json());
        TestServer.Response s3Again = retryUntilNot409(secondUrl, server.s3Request("/" + prefix).toString());
        assertEquals(200, s3Again.status(), s3Again.body());
        WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir).assertMatches(s3Again.json());
    }

    @Test
    void aSparkSubmitRunAndALauncherNeverShareADestination() throws Exception {
        Path local = server.workDir.resolve("spark-submit-race-" + System.nanoTime());
        Path work = Files.createTempDirectory(server.workDir, "spark-submit-");
        Files.writeString(work.resolve("request.json"), server.localRequest(local).put("dataset", "big").toString());
        Files.writeString(work.resolve("datasets.properties"), datasets());
        Process run = ChildProcesses.sparkSubmit(work.resolve("run.log"), "--request", work.resolve("request.json").toString(),
                "--datasets", work.resolve("datasets.properties").toString(), "--result", work.resolve("result.json").toString(),
                "--lease-seconds", Integer.toString(LEASE_SECONDS));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(local.resolve("_temporary/_claim")) && run.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            TestServer.Response refused = server.post(firstUrl, server.localRequest(local).toString());

            assertEquals(409, refused.status(), refused.body());
            assertTrue(refused.json().at("/exception/message").asText().contains("spark-submit"), refused.body());
            assertTrue(run.waitFor(180, TimeUnit.SECONDS), "the spark-submit run ended");
            assertEquals(0, run.exitValue(), Files.readString(work.resolve("run.log")));
            WrittenOutput.local(local).assertMatches(TestServer.JSON.readTree(work.resolve("result.json").toFile()));
        } finally {
            run.destroyForcibly();
        }
    }

    private TestServer.Response retryUntilNot409(String url, String body) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LEASE_SECONDS + 30);
        TestServer.Response response;
        do {
            response = server.post(url, body);
            if (response.status() != 409) {
                break;
            }
            assertTrue(response.json().at("/exception/message").asText().contains("lease expires at"), response.body());
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return response;
    }
}
