package org.dataexport.launcher.bench;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.dataexport.launcher.Launcher;
import org.dataexport.launcher.LauncherConfig;
import org.dataexport.launcher.StandaloneCluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The launcher's side of the benchmark: the warm local-mode overhead of a request (sent to the REST API
 * until the export's first task starts, p50 and p95 over 20 small exports), and the end-to-end time of
 * one export in local mode and on a standalone cluster (master and worker started here, as in the tests).
 */
final class LauncherBenchmark {
    private static final String TOKEN = "bench-token";
    private static final int SMALL_EXPORTS = 20;

    private LauncherBenchmark() {
    }

    static void run(SparkSession spark, Path work) throws Exception {
        Path conf = Files.createTempDirectory(work, "launcher-conf-");
        Files.writeString(conf.resolve("datasets.properties"), String.join("\n", "default=lineitem",
                "lineitem.type=tpch", "lineitem.table=lineitem", "lineitem.scale_factor=0.01", "lineitem.partitions=2",
                "nation.type=tpch", "nation.table=nation", "nation.scale_factor=1", "nation.partitions=1", ""));
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n", "server.port=0", "auth.tokens=" + TOKEN,
                "exports.allowed_local_roots=" + work, ""));

        AtomicLong firstTaskLaunch = new AtomicLong();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                firstTaskLaunch.compareAndSet(0, taskStart.taskInfo().launchTime());
            }
        });
        List<Long> overheads = new ArrayList<>();
        double localSeconds;
        try (Launcher local = Launcher.start(LauncherConfig.load(conf.resolve("launcher.properties"), Map.of(), false), spark)) {
            for (int i = 0; i < SMALL_EXPORTS + 2; i++) {
                firstTaskLaunch.set(0);
                long sent = System.currentTimeMillis();
                post(local.port(), request(work, "overhead-" + System.nanoTime(), "nation"));
                if (i >= 2) { // the first two warm up the code paths
                    overheads.add(firstTaskLaunch.get() - sent);
                }
            }
            localSeconds = timed(local.port(), request(work, "e2e-local-" + System.nanoTime(), "lineitem"));
        }
        Collections.sort(overheads);
        System.out.printf("%nWarm local mode, %d small exports (TPC-H nation), request sent to first task started:%n", SMALL_EXPORTS);
        System.out.printf("  p50 %d ms, p95 %d ms (goal: p50 under 100 ms)%n", overheads.get(overheads.size() / 2),
                overheads.get((int) Math.ceil(overheads.size() * 0.95) - 1));

        Path clusterWork = Files.createTempDirectory(work, "cluster-");
        Path root = Path.of("").toAbsolutePath();
        try (StandaloneCluster cluster = StandaloneCluster.start(root, clusterWork)) {
            Files.writeString(conf.resolve("cluster.properties"), String.join("\n", "server.port=0", "auth.tokens=" + TOKEN,
                    "exports.allowed_local_roots=" + work,
                    "submitter=cluster", "cluster.spark_home=" + cluster.sparkHome(), "cluster.master=" + cluster.masterUrl(),
                    "cluster.deploy_mode=client", "cluster.job_jar=" + root.resolve("job/target/data-export-job-0.1.0-SNAPSHOT-spark.jar"),
                    "cluster.exchange_dir=" + clusterWork.resolve("exchange"), "cluster.conf.spark.driver.host=127.0.0.1",
                    "cluster.conf.spark.executor.memory=1g", ""));
            try (Launcher onCluster = Launcher.start(LauncherConfig.load(conf.resolve("cluster.properties"), Map.of(), false), null)) {
                double clusterSeconds = timed(onCluster.port(), request(work, "e2e-cluster-" + System.nanoTime(), "lineitem"));
                System.out.printf("%nOne export of TPC-H lineitem SF 0.01 (60,175 rows) through the REST API, end to end:%n");
                System.out.printf("  local mode (warm session): %.2f s%n", localSeconds);
                System.out.printf("  standalone cluster (client deploy mode, new driver and executor): %.2f s (%.1fx)%n",
                        clusterSeconds, clusterSeconds / localSeconds);
            }
        }
    }

    private static String request(Path work, String name, String dataset) {
        return "{\"export_paths\": {\"paths\": [\"" + work.resolve("out").resolve(name) + "\"]}, \"dataset\": \"" + dataset + "\"}";
    }

    private static double timed(int port, String body) throws Exception {
        long start = System.nanoTime();
        post(port, body);
        return (System.nanoTime() - start) / 1e9;
    }

    private static void post(int port, String body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v2/data/export"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("export failed: " + response.body());
        }
    }
}
