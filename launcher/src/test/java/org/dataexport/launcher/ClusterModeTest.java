package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job on a real Spark standalone cluster: submitted by the launcher's cluster submitter through
 * the REST API, and by hand with spark-submit as the README shows. Same files and figures as local mode.
 */
class ClusterModeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path JOB_JAR = ROOT.resolve("job/target/data-export-job-0.1.0-SNAPSHOT-spark.jar");

    private static StandaloneCluster cluster;
    private static Launcher clusterLauncher;
    private static Path workDir;
    private final TestServer server = TestServer.get();

    @BeforeAll
    static void startCluster() throws Exception {
        TestServer server = TestServer.get();
        workDir = Files.createTempDirectory(server.workDir, "cluster-");
        cluster = StandaloneCluster.start(ROOT, workDir);
        Path conf = workDir.resolve("conf");
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("datasets.properties"), String.join("\n",
                "default=lineitem", "lineitem.type=tpch", "lineitem.table=lineitem", "lineitem.scale_factor=0.01",
                "lineitem.partitions=2", ""));
        clusterLauncher = clusterLauncher(conf, 300);
    }

    /** A launcher that submits to the test cluster in cluster deploy mode. */
    private static Launcher clusterLauncher(Path conf, long timeoutSeconds) throws Exception {
        Path properties = conf.resolve("launcher-" + timeoutSeconds + ".properties");
        Files.writeString(properties, String.join("\n",
                "server.port=0", "auth.tokens=" + TestServer.TOKEN, "exports.max_running=2",
                "exports.allowed_local_roots=" + TestServer.get().workDir,
                "storage.allowed_endpoints=127.0.0.1/32:" + TestServer.get().s3.port(),
                "datasets.file=datasets.properties",
                "submitter=cluster",
                "cluster.spark_home=" + cluster.sparkHome(),
                "cluster.master=" + cluster.masterUrl(),
                "cluster.deploy_mode=cluster",
                "cluster.job_jar=" + JOB_JAR,
                "cluster.exchange_dir=" + workDir.resolve("exchange"),
                "cluster.timeout_seconds=" + timeoutSeconds,
                "cluster.conf.spark.driver.memory=1g",
                "cluster.conf.spark.executor.memory=1g",
                "cluster.conf.spark.driver.host=127.0.0.1",
                "cluster.conf.spark.hadoop.fs.s3a.retry.limit=1",
                "cluster.conf.spark.hadoop.fs.s3a.attempts.maximum=1", ""));
        return Launcher.start(LauncherConfig.load(properties, Map.of(), false), null);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            assertNoSecretInClusterFiles();
        } finally {
            if (clusterLauncher != null) {
                clusterLauncher.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /** Driver and executor logs and work directories, the master's and worker's logs: no secret. */
    private static void assertNoSecretInClusterFiles() throws Exception {
        try (java.util.stream.Stream<Path> files = Files.walk(workDir)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".jar"))
                    .filter(f -> !f.startsWith(workDir.resolve("conf"))).toList()) { // conf/ is the test's own settings
                String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String secret : List.of(TestServer.SECRET_KEY, TestServer.ACCESS_KEY, "cluster-wrong-secret", TestServer.TOKEN)) {
                    assertFalse(text.contains(secret), file + " contains a secret");
                }
            }
        }
    }

    @Test
    void s3ExportOnTheClusterEqualsLocalMode() throws Exception {
        JsonNode local = server.post(server.s3Request("/cluster-compare/local").toString()).json();
        JsonNode onCluster = postToCluster(server.s3Request("/cluster-compare/cluster").put("include_metrics", true).toString());

        WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "cluster-compare/cluster", server.workDir).assertMatches(onCluster);
        assertSameResult(local, onCluster);
        assertTrue(onCluster.at("/data/metrics/rss_peak_bytes").asLong() > 100_000_000L, "driver or executor peak RSS: " + onCluster);
        assertTrue(onCluster.at("/data/metrics/elapsed_time").asDouble() > 0);
    }

    @Test
    void localDirectoryExportOnTheClusterEqualsLocalMode() throws Exception {
        Path localDestination = server.newLocalDestination("local-mode");
        Path clusterDestination = server.newLocalDestination("cluster-mode");
        JsonNode local = server.post(server.localRequest(localDestination).put("row_group_size", 300_000).toString()).json();
        JsonNode onCluster = postToCluster(server.localRequest(clusterDestination).put("row_group_size", 300_000).toString());

        WrittenOutput.local(clusterDestination).assertMatches(onCluster);
        assertSameResult(local, onCluster);
    }

    @Test
    void failedClusterJobAnswersWithTheJobsOwnError() {
        ObjectNode request = server.s3Request("/cluster-failure");
        ((ObjectNode) request.at("/export_paths/storage_config/credentials")).put("secret_key", "cluster-wrong-secret");

        JsonNode response = postToCluster(request.toString());

        assertEquals(502, response.get("code").asInt(), response.toString());
        assertEquals("StorageError", response.at("/exception/type").asText());
        assertFalse(response.toString().contains("cluster-wrong-secret"));
        assertTrue(Files.notExists(workDir.resolve("exchange")) || workDir.resolve("exchange").toFile().list().length == 0,
                "the request file with its credentials is removed");
    }

    @Test
    void exportPastTheTimeoutIsCancelledAndLeavesNothing() throws Exception {
        Path destination = server.newLocalDestination("timed-out");
        try (Launcher impatient = clusterLauncher(workDir.resolve("conf"), 6)) {
            JsonNode response = postToCluster(impatient, server.localRequest(destination).toString());

            assertEquals(504, response.get("code").asInt(), response.toString());
            assertEquals("ClusterTimeout", response.at("/exception/type").asText());
        }
        Thread.sleep(5_000); // a driver that ignored the cancellation would commit about now
        assertEquals(new java.util.TreeSet<String>(), WrittenOutput.local(destination).entries(), "nothing at the destination");
    }

    @Test
    void sparkSubmitByHandAsTheReadmeShows() throws Exception {
        Path destination = server.newLocalDestination("spark-submit");
        Path requestFile = workDir.resolve("by-hand-request.json");
        Path resultFile = workDir.resolve("by-hand-result.json");
        Files.writeString(requestFile, server.localRequest(destination).toString());

        ProcessBuilder submit = new ProcessBuilder(cluster.sparkHome().resolve("bin/spark-submit").toString(),
                "--master", cluster.masterUrl(), "--deploy-mode", "client",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=1g",
                "--class", "org.dataexport.job.Main", JOB_JAR.toString(),
                "--request", requestFile.toString(), "--result", resultFile.toString())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("by-hand.log").toFile());
        submit.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process process = submit.start();
        assertTrue(process.waitFor(240, TimeUnit.SECONDS), "spark-submit did not finish");

        assertEquals(0, process.exitValue(), Files.readString(workDir.resolve("by-hand.log")));
        JsonNode result = TestServer.JSON.readTree(Files.readString(resultFile));
        WrittenOutput.local(destination).assertMatches(result);
        assertEquals(60_175, result.at("/data/export_result/total_row_count").asLong());
    }

    private static void assertSameResult(JsonNode local, JsonNode onCluster) {
        assertEquals(200, local.get("code").asInt(), local.toString());
        for (String field : List.of("files", "mode", "num_row_groups", "total_row_count", "total_uncompressed_byte_size",
                "average_uncompressed_row_group_size")) {
            assertEquals(local.at("/data/export_result/" + field), onCluster.at("/data/export_result/" + field), field);
        }
    }

    private static JsonNode postToCluster(String body) {
        return postToCluster(clusterLauncher, body);
    }

    private static JsonNode postToCluster(Launcher launcher, String body) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + launcher.port() + "/v2/data/export"))
                            .header("Authorization", "Bearer " + TestServer.TOKEN).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json = TestServer.JSON.readTree(response.body());
            assertEquals(response.statusCode(), json.get("code").asInt());
            return json;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
