package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every test of this module shares, started once per test JVM: one SparkSession, one S3 server
 * (S3Proxy over HTTP) and one launcher serving the REST API over HTTP.
 */
public final class TestServer {
    public static final String TOKEN = "test-token-6f1c2a";
    public static final String OTHER_TOKEN = "other-token-3e9d71";
    public static final String ACCESS_KEY = "AKIATESTACCESSKEY01";
    public static final String SECRET_KEY = "test-secret-key-9b8e7d6c5a";
    public static final String BUCKET = "my_bucket";
    public static final String OTHER_BUCKET = "exports";
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final int CLOSED_PORT = closedPort();
    public static final int SECOND_S3_PORT = closedPort();
    public static final int REDIRECT_PORT = closedPort();
    public static final int FAULT_PROXY_PORT = closedPort();
    public static final int LEASE_SECONDS = 5;
    public static final int MAX_FILES = 100;

    private static TestServer instance;

    public final SparkSession spark;
    public final Launcher launcher;
    public final EmbeddedS3 s3;
    public final Path workDir;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestServer(SparkSession spark, Launcher launcher, Path workDir) {
        this.spark = spark;
        this.launcher = launcher;
        this.s3 = launcher.embeddedS3();
        this.workDir = workDir;
    }

    public static synchronized TestServer get() {
        if (instance == null) {
            try {
                instance = start();
            } catch (Exception e) {
                throw new IllegalStateException("test server did not start", e);
            }
        }
        return instance;
    }

    private static TestServer start() throws Exception {
        Path workDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-work-");
        Path conf = workDir.resolve("conf");
        Files.createDirectories(conf);
        Path emptyCsv = workDir.resolve("empty.csv");
        Files.writeString(emptyCsv, "id,name\n");
        Path brokenCsv = workDir.resolve("broken.csv");
        Files.writeString(brokenCsv, "id,amount\n1,10\n2,not-a-number\n");
        // lineitem as Parquet files: what the columnar write path takes (the other shapes are computed views, written from rows).
        Path lineitemParquet = workDir.resolve("lineitem-parquet");
        Files.writeString(conf.resolve("datasets.properties"), String.join("\n",
                "default=lineitem",
                "lineitemparquet.type=parquet", "lineitemparquet.path=" + lineitemParquet.toUri(),
                "lineitem.type=tpch", "lineitem.table=lineitem", "lineitem.scale_factor=0.01", "lineitem.partitions=2",
                "orders.type=tpch", "orders.table=orders", "orders.scale_factor=0.01", "orders.partitions=3",
                "empty.type=csv", "empty.path=" + emptyCsv.toUri(), "empty.option.header=true",
                "broken.type=csv", "broken.path=" + brokenCsv.toUri(), "broken.option.header=true",
                "broken.option.mode=FAILFAST", "broken.schema=id INT, amount INT",
                "numbers.type=table", "numbers.table=numbers",
                "ordered.type=table", "ordered.table=ordered",
                "skewed.type=table", "skewed.table=skewed",
                "slow.type=table", "slow.table=slow",
                "slowrows.type=table", "slowrows.table=slowrows",
                "largevalues.type=table", "largevalues.table=largevalues",
                "partitioned.type=table", "partitioned.table=partitioned",
                "nested.type=table", "nested.table=nested", ""));
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n",
                "server.host=127.0.0.1", "server.port=0", "server.max_body_bytes=65536",
                "auth.tokens=" + TOKEN + "," + OTHER_TOKEN, "exports.max_running=4", "exports.allowed_local_roots=" + workDir,
                // A loopback port where nothing listens: allowed, so that an unreachable store can be tested.
                // and the ports of a second S3 server and of a server that answers with redirects.
                "storage.allowed_endpoints=127.0.0.1/32:" + CLOSED_PORT + ",127.0.0.1/32:" + SECOND_S3_PORT
                        + ",127.0.0.1/32:" + REDIRECT_PORT + ",127.0.0.1/32:" + FAULT_PROXY_PORT,
                "exports.lease_seconds=" + LEASE_SECONDS,
                "exports.min_target_file_size_bytes=100000", "exports.max_files=" + MAX_FILES,
                "server.body_timeout_seconds=3",
                "embedded_s3.enabled=true", "embedded_s3.port=0",
                "embedded_s3.access_key=" + ACCESS_KEY, "embedded_s3.secret_key=" + SECRET_KEY,
                "embedded_s3.bucket=" + BUCKET, ""));
        LauncherConfig config = LauncherConfig.load(conf.resolve("launcher.properties"), Map.of(), false);
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("data-export-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.scheduler.mode", "FAIR")
                .config("spark.executor.heartbeatInterval", "1s")
                .config("spark.hadoop.fs.s3a.retry.limit", "1")
                .config("spark.hadoop.fs.s3a.retry.interval", "100ms")
                .config("spark.hadoop.fs.s3a.attempts.maximum", "1")
                .getOrCreate();
        registerShapes(spark);
        org.dataexport.job.data.TpchData.table(spark, "lineitem", 0.01, 2).write().parquet(lineitemParquet.toString());
        Launcher launcher = Launcher.start(config, spark);
        launcher.embeddedS3().createBucket(OTHER_BUCKET);
        TestServer server = new TestServer(spark, launcher, workDir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            launcher.close();
            spark.stop();
        }));
        return server;
    }

    private static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The data shapes of the layout tests, as temporary views the "table" datasets read: narrow
     * numeric rows that barely compress; the same in one partition (order must be kept); and a skewed
     * input whose first partition holds 95% of the rows.
     */
    private static void registerShapes(SparkSession spark) {
        String[] numericColumns = {"id", "xxhash64(id) AS hash", "CAST(id % 1000 AS INT) AS bucket", "rand(7) AS score"};
        spark.range(0, 400_000, 1, 4).selectExpr(numericColumns).createOrReplaceTempView("numbers");
        spark.range(0, 200_000, 1, 1).selectExpr(numericColumns).createOrReplaceTempView("ordered");
        spark.range(0, 380_000, 1, 1)
                .union(spark.range(380_000, 400_000, 1, 3))
                .selectExpr("id", "concat('customer-', id % 5000) AS name", "xxhash64(id) AS hash")
                .createOrReplaceTempView("skewed");
        // Eight partitions of one row, each pausing 1 s: an export of eight 1-second tasks.
        spark.range(0, 8, 1, 8).selectExpr("id", "java_method('java.lang.Thread', 'sleep', 1000L) AS pause")
                .createOrReplaceTempView("slow");
        // Rows of about 5.8 KB of random hex that no codec shrinks: a row group holds a few dozen of them.
        spark.range(0, 3000, 1, 2).selectExpr("id", "concat_ws('', transform(sequence(1, 160), x -> uuid())) AS payload")
                .createOrReplaceTempView("largevalues");
        nestedRows(spark, 300_000, 2).createOrReplaceTempView("nested");
        // Values a directory name must escape (/ = : % # ' and non-ASCII), NULL and the empty string,
        // beside a two-valued column over rows that barely compress (for layout inside each directory).
        spark.range(0, 400_000, 1, 4).selectExpr("id", "id % 2 AS half", "xxhash64(id) AS hash", "rand(5) AS score",
                        "element_at(array('plain', 'a/b', 'x=y', 'c:d', '50%', 'it''s', '#hash', 'ümlaut', '', NULL), CAST(id % 10 AS INT) + 1) AS category",
                        "id % 3 = 0 AS flag", "named_struct('n', id) AS nested")
                .createOrReplaceTempView("partitioned");
        // Two partitions of 40,000 rows pausing 0.5 s every 5,000 rows: tasks that write for 4 s each.
        spark.range(0, 80_000, 1, 2)
                .selectExpr("id", "java_method('java.lang.Thread', 'sleep', CAST(IF(id % 5000 = 0, 500, 0) AS BIGINT)) AS pause")
                .createOrReplaceTempView("slowrows");
    }

    /** Rows with structs, arrays, maps, 30% nulls, decimals, dates and timestamps (the layout tests', the benchmark's). */
    public static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> nestedRows(SparkSession spark, long rows, int partitions) {
        return spark.range(0, rows, 1, partitions).selectExpr("id",
                "IF(id % 10 < 3, NULL, named_struct('code', CAST(id % 977 AS INT), 'label', concat('label-', id % 131), "
                        + "'tags', array(id % 7, id % 11, id % 13))) AS info",
                "IF(id % 10 < 3, NULL, transform(sequence(0, CAST(id % 5 AS INT)), x -> concat('item-', x, '-', id % 1000))) AS items",
                "IF(id % 10 < 3, NULL, map('a', CAST(id % 100 AS INT), 'b', CAST(xxhash64(id) % 1000 AS INT))) AS attributes",
                "IF(id % 10 < 3, NULL, CAST(xxhash64(id, 1) % 100000000 AS DECIMAL(18, 4)) / 100) AS amount",
                "IF(id % 10 < 3, NULL, date_add(DATE'2020-01-01', CAST(id % 2000 AS INT))) AS day",
                "IF(id % 10 < 3, NULL, timestamp_micros(1600000000000000 + xxhash64(id, 2) % 100000000000)) AS at");
    }

    public org.dataexport.job.data.DatasetCatalog datasets() {
        try {
            return org.dataexport.job.data.DatasetCatalog.load(workDir.resolve("conf/datasets.properties"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + launcher.port();
    }

    public Response post(String body) {
        return post(body, Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json"));
    }

    /** Posts an export request with the suite's token to another launcher. */
    public Response post(String launcherUrl, String body) {
        return post(launcherUrl, body, Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json"));
    }

    public Response post(String body, Map<String, String> headers) {
        return post(baseUrl(), body, headers);
    }

    private Response post(String launcherUrl, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(launcherUrl + "/v2/data/export"))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        return send(request.build(), body);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build(), null);
    }

    /** A call of the job API with a token: GET or DELETE on this suite's launcher or another one. */
    public Response call(String method, String launcherUrl, String path, String token) {
        return send(HttpRequest.newBuilder(URI.create(launcherUrl + path)).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token).build(), null);
    }

    public Response call(String method, String path) {
        return call(method, baseUrl(), path, TOKEN);
    }

    /** Posts with the suite's token and extra headers (Prefer, Idempotency-Key) to a launcher. */
    public Response postWith(String launcherUrl, String body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new java.util.HashMap<>(extraHeaders);
        headers.putIfAbsent("Authorization", "Bearer " + TOKEN);
        headers.putIfAbsent("Content-Type", "application/json");
        return post(launcherUrl, body, headers);
    }

    /** Polls a job until it satisfies the condition, or fails after the timeout with its last state. */
    public JsonNode awaitJob(String launcherUrl, String exportId, java.util.function.Predicate<JsonNode> condition, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        JsonNode job = null;
        while (System.currentTimeMillis() < deadline) {
            Response response = call("GET", launcherUrl, "/v2/data/export/" + exportId, TOKEN);
            job = response.json();
            if (response.status() == 200 && condition.test(job)) {
                return job;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("export " + exportId + " did not get there in " + timeoutMillis + " ms: " + job);
    }

    public static java.util.function.Predicate<JsonNode> inState(String... states) {
        return job -> java.util.Arrays.asList(states).contains(job.at("/data/state").asText());
    }

    /**
     * Sends a request to a launcher, and holds the answer to the OpenAPI document: an answer it does
     * not describe fails the test that got it (OpenApiContract).
     */
    private Response send(HttpRequest request, String body) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            List<String> problems = OpenApiContract.check(request.method(), request.uri().getRawPath(), body, response.statusCode(),
                    response.headers().firstValue("content-type"), response.body());
            if (!problems.isEmpty()) {
                throw new AssertionError("the answer differs from the OpenAPI document: " + problems + "; body: " + response.body());
            }
            return new Response(response.statusCode(), response.body(), response.headers().map());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The example request of the API page, aimed at this suite's S3 server and the given prefix. */
    public ObjectNode s3Request(String prefix) {
        try {
            ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(Path.of("../conf/example-request.json")));
            ((com.fasterxml.jackson.databind.node.ArrayNode) request.with("export_paths").withArray("paths")).removeAll().add(prefix);
            ObjectNode storage = request.with("export_paths").with("storage_config");
            storage.with("credentials").put("access_key", ACCESS_KEY).put("secret_key", SECRET_KEY);
            storage.with("options").put("endpoint", s3.endpoint());
            return request;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A request to a local directory with the contract's defaults. */
    public ObjectNode localRequest(Path directory) {
        ObjectNode request = JSON.createObjectNode();
        request.with("export_paths").putArray("paths").add(directory.toString());
        return request;
    }

    public Path newLocalDestination(String name) throws IOException {
        Path parent = Files.createTempDirectory(workDir, "out-");
        return parent.resolve(name);
    }

    /** Every line the suite has logged so far. */
    public String log() throws IOException {
        Path log = Path.of("target/test-logs/all.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public record Response(int status, String body, Map<String, List<String>> headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }
}
