package org.dataexport.launcher.bench;

import org.apache.spark.sql.SparkSession;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.data.DatasetDefinition;
import org.dataexport.job.data.TpchData;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.launcher.EmbeddedS3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code bin/bench [scale_factor] [layouts|default|launcher|all]}: generates TPC-H lineitem once as
 * Parquet, exports it with each layout, and prints per case the wall time, rows/s, peak resident
 * memory, files, row groups and the worst deviation from each target (read back from the footers with
 * DuckDB), then DuckDB's {@code COPY ... TO} doing the same in the same process, and the ratios; the
 * API's default export also to the embedded S3 server (S3 / local) and as a plain Spark
 * {@code df.write.parquet}. Every time is the best of {@value #RUNS} runs in a warm JVM. Each case's
 * figures are appended to {@code -Dbench.results} for {@link BenchSummary}, which bin/bench runs
 * after one JVM per scale factor. Then {@link ShapeBenchmark} and {@link LauncherBenchmark} (unless
 * {@code -Dbench.extras=false}).
 */
public final class Benchmark {
    private static final int RUNS = 3;
    private static final long ROW_GROUP = 2_000_000;
    private static final long TARGET = 6_000_000;
    private static final long DEFAULT_ROW_GROUP = ExportRequest.DEFAULT_ROW_GROUP_SIZE;
    private static final String S3_BUCKET = "bench";
    private static final String S3_KEY = "bench-access";
    private static final String S3_SECRET = "bench-secret-key";

    /**
     * One case: our request's layout, the options of DuckDB's COPY that does the same ({@code %s} is
     * where it writes), and the targets its files are judged against (0: none).
     */
    record Spec(String name, String layout, String duckCopy, long rowGroup, long target, boolean jsonl, String dataset) {
        Spec(String name, String layout, String duckCopy, long rowGroup, long target, boolean jsonl) {
            this(name, layout, duckCopy, rowGroup, target, jsonl, "lineitem");
        }
    }

    // lineitem as the default export writes it (40 MB row groups): exported again at 40 MB, its groups are copied as bytes.
    private static final String IN_40_MB = "lineitem_40mb";

    private static final List<Spec> SPECS = List.of(
            new Spec("default (multi_file, 40 MB)", "", "TO '%s' (FORMAT parquet, PER_THREAD_OUTPUT true, ROW_GROUP_SIZE 100000000, "
                    + "ROW_GROUP_SIZE_BYTES " + DEFAULT_ROW_GROUP + ")", DEFAULT_ROW_GROUP, 0, false),
            new Spec("multi_file R 2 MB", "\"row_group_size\": " + ROW_GROUP, "TO '%s' (FORMAT parquet, PER_THREAD_OUTPUT true, "
                    + "ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ")", ROW_GROUP, 0, false),
            new Spec("max_row_groups_per_file=2", "\"row_group_size\": " + ROW_GROUP + ", \"max_row_groups_per_file\": 2",
                    "TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ", ROW_GROUPS_PER_FILE 2)",
                    ROW_GROUP, 0, false),
            new Spec("target_file_size_bytes", "\"row_group_size\": " + ROW_GROUP + ", \"target_file_size_bytes\": " + TARGET,
                    "TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ", FILE_SIZE_BYTES " + TARGET + ")",
                    ROW_GROUP, TARGET, false),
            new Spec("single_file", "\"row_group_size\": " + ROW_GROUP + ", \"mode\": \"single_file\"",
                    "TO '%s.parquet' (FORMAT parquet, ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ")", ROW_GROUP, 0, false),
            new Spec("Jsonl target_file_size_bytes", "\"format\": \"Jsonl\", \"target_file_size_bytes\": " + TARGET,
                    "TO '%s' (FORMAT json, FILE_SIZE_BYTES " + TARGET + ")", 0, TARGET, true),
            new Spec("zstd R 2 MB", "\"row_group_size\": " + ROW_GROUP + ", \"compression\": \"zstd\"", "TO '%s' (FORMAT parquet, "
                    + "COMPRESSION zstd, PER_THREAD_OUTPUT true, ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ")",
                    ROW_GROUP, 0, false),
            new Spec("partition_by shipmode R 2 MB", "\"row_group_size\": " + ROW_GROUP + ", \"partition_by\": [\"shipmode\"]",
                    "TO '%s' (FORMAT parquet, PARTITION_BY (shipmode), ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ")",
                    ROW_GROUP, 0, false),
            new Spec("copy: source in 40 MB groups", "\"dataset\": \"" + IN_40_MB + "\"", "TO '%s' (FORMAT parquet, PER_THREAD_OUTPUT true, "
                    + "ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + DEFAULT_ROW_GROUP + ")", DEFAULT_ROW_GROUP, 0, false, IN_40_MB));

    /** Where a case writes: local disk, or the embedded S3 server over plain HTTP or over HTTPS. */
    enum Target { LOCAL, S3_HTTP, S3_HTTPS }

    private final SparkSession spark;
    private final Path work;
    private final Path source;
    private final ExportJob job;
    private final EmbeddedS3.Tls tls;
    private int runCounter;

    private Benchmark(SparkSession spark, Path work, Path source, EmbeddedS3.Tls tls) {
        this.spark = spark;
        this.work = work;
        this.source = source;
        this.tls = tls;
        DatasetCatalog datasets = new DatasetCatalog("lineitem",
                Map.of("lineitem", new DatasetDefinition("lineitem", "parquet", Map.of("path", source.toUri().toString())),
                        IN_40_MB, new DatasetDefinition(IN_40_MB, "parquet", Map.of("path", in40Mb(source).toUri().toString()))));
        this.job = new ExportJob(spark, datasets, org.dataexport.job.request.ExportLimits.DEFAULTS, java.util.Optional.empty(),
                org.dataexport.job.commit.LeaseSettings.forThisProcess("benchmark"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--summary")) {
            BenchSummary.print(Path.of(args[1]));
            return;
        }
        double scaleFactor = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        String sections = args.length > 1 ? args[1] : "all";
        boolean extras = !"false".equals(System.getProperty("bench.extras"));
        Path work = Path.of("target/bench").toAbsolutePath();
        discard(work.resolve("out")); // what an interrupted run left
        EmbeddedS3.Tls tls = BenchTls.trusted(work);
        SparkSession spark = SparkSession.builder().master("local[*]").appName("data-export-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            // The data grows as a lake's does, in more files of one shape: two files a core per unit of scale
            // factor (SF 1: 4 files of one 52 MB row group each, SF 3: 12). Spark's Parquet reader holds a
            // whole source row group while a task reads it, so sources whose row groups grew with the data
            // (4 files at every SF: 128 MB groups at SF 3) would measure the source's shape, not our growth.
            int sourceFiles = spark.sparkContext().defaultParallelism() * 2 * (int) Math.max(1, Math.ceil(scaleFactor));
            Path source = work.resolve("lineitem-sf" + scaleFactor + "-" + sourceFiles + "files");
            if (!Files.exists(source.resolve("_SUCCESS"))) {
                System.out.printf("Generating TPC-H lineitem at scale factor %s into %s%n", scaleFactor, source);
                TpchData.table(spark, "lineitem", scaleFactor, sourceFiles).write().mode("overwrite").parquet(source.toString());
            }
            Benchmark benchmark = new Benchmark(spark, work, source, tls);
            if (!Files.exists(in40Mb(source).resolve("part-00000.parquet"))) {
                discard(in40Mb(source));
                benchmark.job.run(ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"" + in40Mb(source) + "\"]}}"));
            }
            if (sections.equals("generate")) {
                // bin/bench makes the sources in a JVM of their own: TPC-H's generator keeps a text pool of some
                // 300 MB for good once it has run, which the peak live heap of every case would count.
                return;
            }
            List<Spec> named = SPECS.stream().filter(spec -> spec.name().startsWith(sections)).toList();
            if (sections.equals("default")) {
                benchmark.run(scaleFactor, SPECS.subList(0, 1));
            } else if (!named.isEmpty()) {
                benchmark.run(scaleFactor, named);
            } else if (!sections.equals("launcher")) {
                benchmark.run(scaleFactor, SPECS);
                if (extras) {
                    ShapeBenchmark.run(spark, work);
                }
            }
            if (sections.equals("launcher") || (sections.equals("all") && extras)) {
                LauncherBenchmark.run(spark, work);
            }
        } finally {
            spark.stop();
        }
    }

    private static Path in40Mb(Path source) {
        return source.resolveSibling(source.getFileName() + "-40mb");
    }

    private void run(double scaleFactor, List<Spec> specs) throws Exception {
        long rows = spark.read().parquet(source.toString()).count();
        System.out.printf("%nTPC-H lineitem SF %s: %,d rows, %d cores; R = row_group_size, T = target_file_size_bytes%n%n",
                scaleFactor, rows, Runtime.getRuntime().availableProcessors());
        export("warm-up", "", Target.LOCAL); // JIT and session warm-up, not reported

        // Ours first, then DuckDB's (in this process too): its native memory would count in our cases' peaks.
        Map<Spec, Case> ours = new LinkedHashMap<>();
        for (Spec spec : specs) {
            Runs runs = export(spec.name(), spec.layout(), Target.LOCAL);
            ours.put(spec, runs.measured(spec));
            discard(runs.out());
        }
        boolean withDefault = specs.get(0).equals(SPECS.get(0));
        Runs toS3 = withDefault ? export("default to S3", "", Target.S3_HTTPS) : null;
        Runs toS3Http = withDefault ? export("default to S3 over HTTP", "", Target.S3_HTTP) : null;
        spark.sparkContext().hadoopConfiguration().setLong("parquet.block.size", DEFAULT_ROW_GROUP);
        double spark40 = withDefault ? best(out -> spark.read().parquet(source.toString()).write().parquet(out.toString())) : Double.NaN;
        Map<Spec, Double> duck = new LinkedHashMap<>();
        for (Spec spec : specs) {
            duck.put(spec, best(out -> duck("COPY (SELECT * FROM read_parquet('" + (spec.dataset().equals(IN_40_MB) ? in40Mb(source) : source) + "/*.parquet')) "
                    + String.format(spec.duckCopy(), out))));
        }

        System.out.printf("%-30s %8s %12s %9s %9s %6s %7s %8s %9s %9s %8s%n", "case", "seconds", "rows/s", "peak RSS", "peak live", "files", "groups",
                "worst RG", "worst file", "DuckDB s", "ours/DuckDB");
        for (Spec spec : specs) {
            Case c = ours.get(spec);
            System.out.printf("%-30s %8.2f %,12.0f %6d MB %6d MB %6d %7d %7.1f%% %8.1f%% %9.2f %8.2f%n", spec.name(), c.seconds, rows / c.seconds,
                    c.peaks.residentBytes() >> 20, c.peaks.liveHeapBytes() >> 20, c.files, c.rowGroups, c.worstRowGroupDeviation * 100, c.worstFileDeviation * 100,
                    duck.get(spec), c.seconds / duck.get(spec));
            BenchSummary.append(scaleFactor, spec.name(), rows, c.seconds, c.peaks, duck.get(spec));
        }
        if (!withDefault) {
            return;
        }
        double local = ours.get(specs.get(0)).seconds;
        System.out.printf("%nThe default export (multi_file, 40 MB row groups, snappy):%n");
        System.out.printf("  ours / DuckDB (goal <= 1.5):                    %.2f%n", local / duck.get(specs.get(0)));
        System.out.printf("  to the embedded S3 server over HTTPS / to local disk (goal <= 1.2): %.2f, each run against a local run just "
                + "before it (best times: %.2f; %.2f s; the S3 server, in this JVM on the same cores, used %.2f s of CPU a run)%n",
                toS3.overLocal(), toS3.seconds() / local, toS3.seconds(), toS3.serverCpuSeconds());
        System.out.printf("  the same over plain HTTP (allow_http: every payload byte signed and checked): %.2f (best times: %.2f; %.2f s; "
                + "server CPU %.2f s a run)%n", toS3Http.overLocal(), toS3Http.seconds() / local, toS3Http.seconds(), toS3Http.serverCpuSeconds());
        System.out.printf("  ours / Spark df.write.parquet at 40 MB blocks:  %.2f (%.2f s)%n", local / spark40, spark40);
        Map<String, Double> byName = new LinkedHashMap<>();
        ours.forEach((spec, c) -> byName.put(spec.name(), c.seconds));
        if (byName.containsKey("single_file") && byName.containsKey("multi_file R 2 MB")) {
            System.out.printf("  single_file / multi_file R 2 MB (goal <= 1.3):  %.2f%n", byName.get("single_file") / byName.get("multi_file R 2 MB"));
        }
    }

    /** Our time, peak memory and layout for one case; {@code seconds} the best of the runs. */
    record Case(double seconds, PeakMemory.Peaks peaks, int files, long rowGroups, double worstRowGroupDeviation, double worstFileDeviation,
                int maxRowGroupsPerFile) {
    }

    /**
     * @param serverCpuSeconds the embedded S3 server's CPU time a run (its Jetty threads), 0 for local disk
     * @param overLocal        to S3: the median over the runs of each run's time over that of a run to local disk just before it
     */
    private record Runs(double seconds, PeakMemory.Peaks peaks, Path out, ExportResult result, double serverCpuSeconds, double overLocal) {
        Case measured(Spec spec) throws SQLException, IOException {
            return measure(out, result, spec.jsonl(), spec.rowGroup(), spec.target(), seconds, peaks);
        }
    }

    /**
     * The case's timed runs, then (to local disk) one more, untimed, for the live heap
     * ({@link PeakMemory#liveHeap}); the last run's files are kept, to be measured.
     */
    private Runs export(String name, String layout, Target target) throws Exception {
        boolean toS3 = target != Target.LOCAL;
        double bestSeconds = Double.MAX_VALUE;
        Path out = null;
        ExportResult[] result = {null};
        PeakMemory.reset();
        long serverCpu = 0;
        List<Double> overLocal = new ArrayList<>();
        long resident = 0;
        long live = 0;
        Path s3Store = work.resolve("s3");
        if (toS3) {
            discard(s3Store); // what an earlier run left
        }
        try (EmbeddedS3 s3 = toS3 ? EmbeddedS3.startOnDisk(s3Store, "127.0.0.1", 0, java.util.Optional.of(tls), S3_KEY, S3_SECRET, S3_BUCKET)
                : null) {
            Map<Long, Long> serverCpuBefore = serverThreadsCpu();
            for (int run = 0; run <= RUNS && (run < RUNS || s3 == null); run++) {
                // Only the last run's files are kept: at SF 10 a case writes gigabytes.
                if (out != null) {
                    discard(out);
                }
                out = fresh(name.replaceAll("[^a-zA-Z0-9]+", "-"));
                String destination = s3 == null ? "\"paths\": [\"" + out + "\"]" : "\"paths\": [\"/exports/" + out.getFileName()
                        + "\"], \"storage_config\": {\"storage_type\": \"S3\", \"bucket\": \"" + S3_BUCKET + "\", \"credentials\": "
                        + "{\"access_key\": \"" + S3_KEY + "\", \"secret_key\": \"" + S3_SECRET + "\"}, \"options\": {\"endpoint\": \""
                        + (target == Target.S3_HTTPS ? s3.secureEndpoint() : s3.endpoint()) + "\", \"allow_http\": true, \"virtual_hosted_style\": false}}";
                ExportRequest request = request(destination, layout);
                if (run == RUNS) {
                    resident = PeakMemory.residentPeak();
                    live = PeakMemory.liveHeap(() -> result[0] = job.run(request));
                    continue;
                }
                // To S3, each run follows a run of the same export to local disk: their ratio, taken a moment
                // apart, is what the VM's drift over minutes does not move.
                double localSeconds = s3 == null ? 0 : timedLocal(name, layout);
                long start = System.nanoTime();
                result[0] = job.run(request);
                double seconds = (System.nanoTime() - start) / 1e9;
                bestSeconds = Math.min(bestSeconds, seconds);
                if (s3 != null) {
                    overLocal.add(seconds / localSeconds);
                    // The store's objects are its files (jclouds' filesystem store cannot clear a container under an absolute directory).
                    discard(s3Store.resolve(S3_BUCKET).resolve("exports"));
                }
            }
            for (Map.Entry<Long, Long> thread : serverThreadsCpu().entrySet()) {
                serverCpu += thread.getValue() - serverCpuBefore.getOrDefault(thread.getKey(), 0L);
            }
        }
        overLocal.sort(null);
        double medianOverLocal = overLocal.isEmpty() ? Double.NaN : overLocal.get(overLocal.size() / 2);
        return new Runs(bestSeconds, new PeakMemory.Peaks(resident, live), out, result[0], serverCpu / 1e9 / RUNS, medianOverLocal);
    }

    /** The export of the source to {@code destination} (the fields of export_paths) with the case's layout fields. */
    private static ExportRequest request(String destination, String layout) {
        return ExportRequest.fromJson("{\"export_paths\": {" + destination + "}, \"include_file_stats\": true"
                + (layout.isBlank() ? "" : ", " + layout) + "}");
    }

    /** One run of the export to local disk, its files removed after: the seconds it took. */
    private double timedLocal(String name, String layout) throws Exception {
        Path out = fresh(name.replaceAll("[^a-zA-Z0-9]+", "-") + "-local");
        ExportRequest request = request("\"paths\": [\"" + out + "\"]", layout);
        long start = System.nanoTime();
        job.run(request);
        double seconds = (System.nanoTime() - start) / 1e9;
        discard(out);
        return seconds;
    }

    /** CPU nanoseconds so far of each of the embedded S3 server's threads (its Jetty's), by thread id. */
    private static Map<Long, Long> serverThreadsCpu() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new LinkedHashMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("S3Proxy-Jetty")) {
                cpu.put(info.getThreadId(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())));
            }
        }
        return cpu;
    }

    /** Worst deviations, read from the files: row groups but each file's last vs R, files but each task's last vs T (0: none). */
    static Case measure(Path out, ExportResult result, boolean jsonl, long rowGroup, long target, double seconds, PeakMemory.Peaks peaks)
            throws SQLException, IOException {
        double worstGroup = 0;
        double worstFile = 0;
        int maxGroups = 0;
        long groups = 0;
        Map<String, List<Long>> fileSizesByTask = new LinkedHashMap<>();
        for (ExportResult.FileStats stats : result.fileStats()) {
            String directory = stats.file().contains("/") ? stats.file().substring(0, stats.file().lastIndexOf('/')) : "";
            fileSizesByTask.computeIfAbsent(directory + "#" + stats.inputPartition(), k -> new ArrayList<>()).add(Files.size(out.resolve(stats.file())));
            if (jsonl) {
                continue;
            }
            List<Long> groupSizes = compressedRowGroupSizes(out.resolve(stats.file()));
            groups += groupSizes.size();
            maxGroups = Math.max(maxGroups, groupSizes.size());
            for (int i = 0; i < groupSizes.size() - 1; i++) {
                worstGroup = Math.max(worstGroup, Math.abs(groupSizes.get(i) - rowGroup) / (double) rowGroup);
            }
        }
        if (target > 0) {
            for (List<Long> sizes : fileSizesByTask.values()) {
                for (int i = 0; i < sizes.size() - 1; i++) {
                    worstFile = Math.max(worstFile, Math.abs(sizes.get(i) - target) / (double) target);
                }
            }
        }
        return new Case(seconds, peaks, result.files().size(), groups, worstGroup, worstFile, maxGroups);
    }

    private static List<Long> compressedRowGroupSizes(Path file) throws SQLException {
        List<Long> sizes = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery("SELECT sum(total_compressed_size) FROM parquet_metadata('" + file
                     + "') GROUP BY row_group_id ORDER BY row_group_id")) {
            while (rows.next()) {
                sizes.add(rows.getLong(1));
            }
        }
        return sizes;
    }

    private interface Run {
        void run(Path out) throws Exception;
    }

    /** The best time of the runs, each writing to a fresh path that is removed after it (not timed). */
    private double best(Run run) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            Path out = fresh("other");
            long start = System.nanoTime();
            run.run(out);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
            discard(out);
        }
        return best;
    }

    private static void duck(String copy) throws SQLException {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            statement.execute("SET preserve_insertion_order = false");
            statement.execute(copy);
        }
    }

    private Path fresh(String name) throws IOException {
        Path dir = work.resolve("out").resolve(name + "-" + (runCounter++));
        discard(dir);
        Files.createDirectories(dir.getParent());
        return dir;
    }

    /** Removes a case's output: a directory, or the one file DuckDB writes beside it. */
    static void discard(Path out) throws IOException {
        for (Path path : List.of(out, out.resolveSibling(out.getFileName() + ".parquet"))) {
            if (Files.exists(path)) {
                try (Stream<Path> paths = Files.walk(path)) {
                    for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(each);
                    }
                }
            }
        }
    }
}
