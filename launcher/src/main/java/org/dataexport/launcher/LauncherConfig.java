package org.dataexport.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.storage.EndpointPolicy;

/**
 * The launcher's settings, from {@code conf/launcher.properties}; bearer tokens may also come from the
 * environment variable {@code EXPORT_API_TOKENS} (comma-separated), which keeps them out of files.
 */
public record LauncherConfig(
        String host,
        int port,
        long maxBodyBytes,
        List<String> tokens,
        int maxRunningExports,
        int maxQueuedExports,
        List<String> allowedLocalRoots,
        EndpointPolicy allowedEndpoints,
        ExportLimits limits,
        long exportTimeoutSeconds,
        long bodyTimeoutMillis,
        int maxHeaderBytes,
        Path datasetsFile,
        Path sparkDefaultsFile,
        EmbeddedS3Settings embeddedS3,
        ClusterSettings cluster,
        JobStoreSettings jobStore,
        String launcherId,
        int retentionDays,
        long shutdownGraceSeconds,
        long leaseSeconds) {

    public static final String TOKENS_ENV = "EXPORT_API_TOKENS";
    public static final String JOB_STORE_PASSWORD_ENV = "EXPORT_JOBS_DB_PASSWORD";

    /**
     * Where job records live: a JDBC URL (a SQLite file by default), and for a server database its user
     * and password (the password preferably from {@code EXPORT_JOBS_DB_PASSWORD}).
     */
    public record JobStoreSettings(String url, java.util.Optional<String> user, java.util.Optional<String> password) {
        public JobStoreSettings {
            if (!url.startsWith("jdbc:")) {
                throw new IllegalArgumentException("jobs.jdbc_url must be a JDBC URL (jdbc:...)");
            }
        }

        @Override
        public String toString() {
            // A URL may carry a password as a parameter: only its kind is shown.
            return "JobStoreSettings[" + url.substring(0, url.indexOf(':', 5) < 0 ? url.length() : url.indexOf(':', 5)) + ", password="
                    + (password.isPresent() ? "<redacted>" : "none") + "]";
        }
    }

    /** The in-process S3 server; null in {@link LauncherConfig#embeddedS3()} when it is off. */
    public record EmbeddedS3Settings(String host, int port, String accessKey, String secretKey, String bucket) {
        @Override
        public String toString() {
            return "EmbeddedS3Settings[host=" + host + ", port=" + port + ", bucket=" + bucket + ", credentials=<redacted>]";
        }
    }

    /**
     * The cluster submitter; null in {@link LauncherConfig#cluster()} for local mode.
     *
     * @param exchangeDir where request and result records pass between the launcher and the job: a
     *                    local path or Hadoop URI that the driver can reach too
     * @param sparkConf   extra --conf settings for every submission
     */
    public record ClusterSettings(Path sparkHome, String master, String deployMode, Path jobJar, String exchangeDir,
                                  long timeoutSeconds, Map<String, String> sparkConf) {
        public ClusterSettings {
            if (!deployMode.equals("client") && !deployMode.equals("cluster")) {
                throw new IllegalArgumentException("cluster.deploy_mode must be client or cluster (got " + deployMode + ")");
            }
            sparkConf = Map.copyOf(sparkConf);
        }
    }

    public LauncherConfig {
        tokens = List.copyOf(tokens);
        allowedLocalRoots = allowedLocalRoots.stream().map(root -> root.replaceAll("/+$", "")).toList();
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("no API tokens: set auth.tokens in conf/launcher.properties or "
                    + TOKENS_ENV + " in the environment (comma-separated)");
        }
        if (maxRunningExports < 1 || maxQueuedExports < 0) {
            throw new IllegalArgumentException("exports.max_running must be at least 1, exports.max_queued at least 0");
        }
        if (retentionDays < 1 || shutdownGraceSeconds < 0 || leaseSeconds < 1) {
            throw new IllegalArgumentException("jobs.retention_days and exports.lease_seconds must be at least 1, "
                    + "exports.shutdown_grace_seconds at least 0");
        }
        if (exportTimeoutSeconds < 1 || bodyTimeoutMillis < 1 || maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("exports.timeout_seconds and server.body_timeout_seconds must be positive, "
                    + "server.max_header_bytes at least 1024");
        }
    }

    public static LauncherConfig load(Path file, Map<String, String> environment, boolean forceEmbeddedS3) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Path confDir = file.toAbsolutePath().getParent();
        String tokenList = environment.getOrDefault(TOKENS_ENV, properties.getProperty("auth.tokens", ""));
        List<String> tokens = Arrays.stream(tokenList.split(",")).map(String::trim).filter(token -> !token.isEmpty()).toList();
        EmbeddedS3Settings embedded = null;
        if (forceEmbeddedS3 || Boolean.parseBoolean(properties.getProperty("embedded_s3.enabled", "false"))) {
            embedded = new EmbeddedS3Settings(
                    properties.getProperty("embedded_s3.host", "127.0.0.1"),
                    Integer.parseInt(properties.getProperty("embedded_s3.port", "8080")),
                    properties.getProperty("embedded_s3.access_key", "accesskey"),
                    properties.getProperty("embedded_s3.secret_key", "secretkey"),
                    properties.getProperty("embedded_s3.bucket", "my_bucket"));
        }
        ClusterSettings cluster = null;
        String submitter = properties.getProperty("submitter", "local");
        if (submitter.equals("cluster")) {
            Map<String, String> sparkConf = new java.util.TreeMap<>();
            for (String key : properties.stringPropertyNames()) {
                if (key.startsWith("cluster.conf.")) {
                    sparkConf.put(key.substring("cluster.conf.".length()), properties.getProperty(key));
                }
            }
            cluster = new ClusterSettings(
                    confDir.resolve(required(properties, "cluster.spark_home")),
                    required(properties, "cluster.master"),
                    properties.getProperty("cluster.deploy_mode", "client"),
                    confDir.resolve(properties.getProperty("cluster.job_jar", "../job/target/data-export-job-0.1.0-SNAPSHOT-spark.jar")),
                    properties.getProperty("cluster.exchange_dir", confDir.resolve("../target/exchange").normalize().toString()),
                    Long.parseLong(properties.getProperty("cluster.timeout_seconds", properties.getProperty("exports.timeout_seconds", "21600"))),
                    sparkConf);
        } else if (!submitter.equals("local")) {
            throw new IllegalArgumentException("submitter must be local or cluster (got " + submitter + ")");
        }
        return new LauncherConfig(
                properties.getProperty("server.host", "127.0.0.1"),
                Integer.parseInt(properties.getProperty("server.port", "7070")),
                Long.parseLong(properties.getProperty("server.max_body_bytes", "1048576")),
                tokens,
                Integer.parseInt(properties.getProperty("exports.max_running", "2")),
                Integer.parseInt(properties.getProperty("exports.max_queued", "100")),
                Arrays.stream(properties.getProperty("exports.allowed_local_roots", "").split(","))
                        .map(String::trim).filter(root -> !root.isEmpty())
                        .map(root -> root.startsWith("/") || root.contains(":") ? root : confDir.resolve(root).normalize().toString())
                        .toList(),
                EndpointPolicy.parse(properties.getProperty(EndpointPolicy.SETTING, EndpointPolicy.DEFAULT)),
                new ExportLimits(
                        Long.parseLong(properties.getProperty("exports.min_row_group_size_bytes", "" + ExportLimits.DEFAULTS.minRowGroupSize())),
                        Long.parseLong(properties.getProperty("exports.max_row_group_size_bytes", "" + ExportLimits.DEFAULTS.maxRowGroupSize())),
                        Long.parseLong(properties.getProperty("exports.min_target_file_size_bytes", "" + ExportLimits.DEFAULTS.minTargetFileSize())),
                        Long.parseLong(properties.getProperty("exports.max_files", "" + ExportLimits.DEFAULTS.maxFiles()))),
                Long.parseLong(properties.getProperty("exports.timeout_seconds", "21600")),
                (long) (Double.parseDouble(properties.getProperty("server.body_timeout_seconds", "10")) * 1000),
                Integer.parseInt(properties.getProperty("server.max_header_bytes", "8192")),
                confDir.resolve(properties.getProperty("datasets.file", "datasets.properties")),
                confDir.resolve(properties.getProperty("spark.defaults_file", "spark-defaults.conf")),
                embedded,
                cluster,
                jobStore(properties, environment, confDir),
                properties.getProperty("jobs.launcher_id", defaultLauncherId(properties, file)),
                Integer.parseInt(properties.getProperty("jobs.retention_days", "30")),
                Long.parseLong(properties.getProperty("exports.shutdown_grace_seconds", "60")),
                Long.parseLong(properties.getProperty("exports.lease_seconds", "60")));
    }

    /** jobs.jdbc_url, or a SQLite file jobs.db in jobs.store_dir (default ../var, relative to the conf directory). */
    private static JobStoreSettings jobStore(Properties properties, Map<String, String> environment, Path confDir) throws IOException {
        String url = properties.getProperty("jobs.jdbc_url", "").trim();
        if (url.isEmpty()) {
            Path dir = confDir.resolve(properties.getProperty("jobs.store_dir", "../var")).normalize();
            Files.createDirectories(dir);
            url = "jdbc:sqlite:" + dir.resolve("jobs.db");
        }
        String user = properties.getProperty("jobs.jdbc_user", "").trim();
        String password = environment.getOrDefault(JOB_STORE_PASSWORD_ENV, properties.getProperty("jobs.jdbc_password", ""));
        return new JobStoreSettings(url, user.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(user),
                password.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(password));
    }

    /**
     * Stable across restarts, distinct among launchers sharing a store: host and port, or host and
     * configuration file when the port is chosen at start (0).
     */
    private static String defaultLauncherId(Properties properties, Path file) {
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            // keep the environment's name
        }
        String port = properties.getProperty("server.port", "7070").trim();
        return host + ":" + (port.equals("0") ? file.toAbsolutePath().normalize().toString() : port);
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key, "").trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException(key + " is required with submitter=cluster");
        }
        return value;
    }

    @Override
    public String toString() {
        return "LauncherConfig[host=" + host + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes + ", tokens=" + tokens.size()
                + ", maxRunningExports=" + maxRunningExports + ", maxQueuedExports=" + maxQueuedExports + ", allowedLocalRoots=" + allowedLocalRoots
                + ", " + allowedEndpoints + ", limits=" + limits + ", exportTimeoutSeconds=" + exportTimeoutSeconds
                + ", datasetsFile=" + datasetsFile
                + ", sparkDefaultsFile=" + sparkDefaultsFile + ", embeddedS3=" + embeddedS3 + ", cluster=" + cluster + ", jobStore=" + jobStore + ", launcherId=" + launcherId
                + ", retentionDays=" + retentionDays + "]";
    }
}
