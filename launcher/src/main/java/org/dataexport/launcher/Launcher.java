package org.dataexport.launcher;

import org.apache.spark.sql.SparkSession;
import org.dataexport.job.ExportJob;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.storage.EndpointPolicy;
import org.dataexport.launcher.jobs.ExportJobs;
import org.dataexport.launcher.metrics.ServiceMetrics;
import org.dataexport.launcher.jobs.JobSettings;
import org.dataexport.launcher.jobs.JobStore;
import org.dataexport.launcher.request.Admission;
import org.dataexport.launcher.request.AllowedRoots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The launcher process: the optional embedded S3 server, one warm SparkSession and the REST server.
 * {@code bin/launcher [--embedded-s3] [--config conf/launcher.properties]}.
 */
public final class Launcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    private final EmbeddedS3 embeddedS3;
    private final ExportJobs jobs;
    private final ExportServer server;
    private final long shutdownGraceSeconds;

    private Launcher(EmbeddedS3 embeddedS3, ExportJobs jobs, ExportServer server, long shutdownGraceSeconds) {
        this.embeddedS3 = embeddedS3;
        this.jobs = jobs;
        this.server = server;
        this.shutdownGraceSeconds = shutdownGraceSeconds;
    }

    public static void main(String[] args) throws Exception {
        Path configFile = Path.of("conf/launcher.properties");
        boolean embedded = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--embedded-s3" -> embedded = true;
                case "--config" -> configFile = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: launcher [--embedded-s3] [--config conf/launcher.properties]");
                    System.exit(2);
                }
            }
        }
        LauncherConfig config = LauncherConfig.load(configFile, System.getenv(), embedded);
        // Local mode keeps one session warm for every request; cluster mode needs none here.
        SparkSession spark = config.cluster() == null
                ? SparkSession.builder().config(sparkDefaults(config.sparkDefaultsFile())).getOrCreate()
                : null;
        Launcher launcher = start(config, spark);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            launcher.close();
            if (spark != null) {
                spark.stop();
            }
        }, "launcher-shutdown"));
    }

    /** Starts the embedded S3 server (when configured) and the REST server; the session is for local mode (null for cluster). */
    public static Launcher start(LauncherConfig config, SparkSession spark) throws Exception {
        EmbeddedS3 s3 = null;
        ExportJobs jobs = null;
        if (config.embeddedS3() != null) {
            LauncherConfig.EmbeddedS3Settings settings = config.embeddedS3();
            s3 = EmbeddedS3.start(settings.host(), settings.port(), settings.accessKey(), settings.secretKey(), settings.bucket());
            LOG.info("embedded S3 server at {} with bucket {}", s3.endpoint(), settings.bucket());
        }
        try {
            EndpointPolicy endpoints = config.allowedEndpoints();
            if (s3 != null) {
                // The embedded server's own endpoint, and only its port, is allowed besides the configured ones.
                endpoints = endpoints.plus(rangeOf(config.embeddedS3().host()) + ":" + s3.port());
            }
            // Local mode: a row group is buffered in this JVM's heap, shared by every task slot.
            ExportLimits limits = spark == null ? config.limits()
                    : config.limits().fittingMemory(Runtime.getRuntime().maxMemory() / Math.max(1, spark.sparkContext().defaultParallelism()));
            Admission admission = new Admission(AllowedRoots.of(config.allowedLocalRoots()), endpoints, limits);
            Exports exports = config.cluster() == null
                    ? new LocalExports(new ExportJob(spark, Files.exists(config.datasetsFile())
                            ? DatasetCatalog.load(config.datasetsFile()) : DatasetCatalog.BUILT_IN, limits, Optional.of(endpoints),
                            new LeaseSettings("launcher " + config.launcherId(), Duration.ofSeconds(config.leaseSeconds()))),
                            spark.sparkContext(), config.maxRunningExports())
                    : new ClusterExports(config.cluster(), Files.exists(config.datasetsFile()) ? Files.readString(config.datasetsFile()) : null,
                            endpoints, config.limits(), config.leaseSeconds());
            LauncherConfig.JobStoreSettings storeSettings = config.jobStore();
            JobStore store = JobStore.open(storeSettings.url(), storeSettings.user(), storeSettings.password());
            ServiceMetrics metrics = new ServiceMetrics();
            jobs = new ExportJobs(store, exports, new JobSettings(config.launcherId(), config.maxRunningExports(),
                    config.maxQueuedExports(), config.exportTimeoutSeconds(), config.retentionDays()), metrics);
            ExportServer server = new ExportServer(config, jobs, admission,
                    spark == null ? () -> true : () -> !spark.sparkContext().isStopped(), metrics);
            LOG.info("export API listening on http://{}:{} (launcher {}, job store {})", config.host(), server.port(),
                    config.launcherId(), storeSettings);
            return new Launcher(s3, jobs, server, config.shutdownGraceSeconds());
        } catch (Exception | Error e) {
            if (jobs != null) {
                jobs.close(0);
            }
            if (s3 != null) {
                s3.close();
            }
            throw e;
        }
    }

    /** The address a host name resolves to, as a one-address CIDR range. */
    private static String rangeOf(String host) throws java.net.UnknownHostException {
        InetAddress address = InetAddress.getByName(host);
        return address instanceof java.net.Inet6Address
                ? "[" + address.getHostAddress() + "]/128" : address.getHostAddress() + "/32";
    }

    /** spark-defaults.conf: "key value" lines, as Spark's own file; master defaults to local[*]. */
    static Map<String, Object> sparkDefaults(Path file) throws IOException {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spark.master", "local[*]");
        settings.put("spark.app.name", "data-export-launcher");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] parts = trimmed.split("\\s+", 2);
                settings.put(parts[0], parts.length > 1 ? parts[1].trim() : "");
            }
        }
        return settings;
    }

    public int port() {
        return server.port();
    }

    public EmbeddedS3 embeddedS3() {
        return embeddedS3;
    }

    /**
     * Stops gracefully: no new exports (503), running ones cancelled and recorded interrupted with
     * nothing left at their destinations, their synchronous callers answered, then the server stops.
     */
    @Override
    public void close() {
        jobs.close(shutdownGraceSeconds);
        server.close();
        if (embeddedS3 != null) {
            try {
                embeddedS3.close();
            } catch (Exception e) {
                LOG.warn("embedded S3 server did not stop cleanly: {}", e.getClass().getName());
            }
        }
    }
}
