package org.dataexport.launcher.bench;

import org.apache.spark.sql.SparkSession;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.data.DatasetDefinition;
import org.dataexport.job.data.TpchData;
import org.dataexport.job.request.ExportRequest;

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
 * {@code bin/bench [scale_factor]}: generates TPC-H lineitem once as Parquet, exports it with each
 * layout, and prints per case the wall time, rows/s, files, row groups and the worst deviation from
 * each target, read back from the footers with DuckDB. The same run times DuckDB's {@code COPY ... TO}
 * with the equivalent options and a plain Spark {@code df.write.parquet}, and prints the ratios.
 * Every time is the best of {@value #RUNS} runs in a warm JVM. Then {@link LauncherBenchmark} measures
 * the launcher's overhead and local mode against a standalone cluster.
 *
 * <p>{@code bin/bench [scale_factor] [layouts|launcher|all]}
 */
public final class Benchmark {
    private static final int RUNS = 3;
    private static final long ROW_GROUP = 2_000_000;
    private static final long TARGET = 6_000_000;
    private static final long DEFAULT_ROW_GROUP = ExportRequest.DEFAULT_ROW_GROUP_SIZE;

    private final SparkSession spark;
    private final Path work;
    private final Path source;
    private final ExportJob job;
    private int runCounter;

    private Benchmark(SparkSession spark, Path work, Path source) {
        this.spark = spark;
        this.work = work;
        this.source = source;
        DatasetCatalog datasets = new DatasetCatalog("lineitem",
                Map.of("lineitem", new DatasetDefinition("lineitem", "parquet", Map.of("path", source.toUri().toString()))));
        this.job = new ExportJob(spark, datasets, org.dataexport.job.request.ExportLimits.DEFAULTS, java.util.Optional.empty(),
                org.dataexport.job.commit.LeaseSettings.forThisProcess("benchmark"));
    }

    public static void main(String[] args) throws Exception {
        double scaleFactor = args.length > 0 ? Double.parseDouble(args[0]) : 0.1;
        String sections = args.length > 1 ? args[1] : "all";
        Path work = Path.of("target/bench").toAbsolutePath();
        SparkSession spark = SparkSession.builder().master("local[*]").appName("data-export-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            Path source = work.resolve("lineitem-sf" + scaleFactor);
            if (!Files.exists(source.resolve("_SUCCESS"))) {
                System.out.printf("Generating TPC-H lineitem at scale factor %s into %s%n", scaleFactor, source);
                TpchData.table(spark, "lineitem", scaleFactor, spark.sparkContext().defaultParallelism() * 2)
                        .write().mode("overwrite").parquet(source.toString());
            }
            if (sections.equals("default")) {
                new Benchmark(spark, work, source).runDefault();
            } else if (!sections.equals("launcher")) {
                new Benchmark(spark, work, source).run(scaleFactor);
            }
            if (sections.equals("launcher") || sections.equals("all")) {
                LauncherBenchmark.run(spark, work);
            }
        } finally {
            spark.stop();
        }
    }

    private void run(double scaleFactor) throws Exception {
        long rows = spark.read().parquet(source.toString()).count();
        System.out.printf("%nTPC-H lineitem SF %s: %,d rows, %d cores, row_group_size %,d, target_file_size_bytes %,d%n%n",
                scaleFactor, rows, Runtime.getRuntime().availableProcessors(), ROW_GROUP, TARGET);
        export("warm-up", "{}"); // JIT and session warm-up, not reported

        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("multi_file", export("multi_file", "{\"row_group_size\": " + ROW_GROUP + "}"));
        cases.put("max_row_groups_per_file=2", export("max-groups", "{\"row_group_size\": " + ROW_GROUP + ", \"max_row_groups_per_file\": 2}"));
        cases.put("target_file_size_bytes", export("target", "{\"row_group_size\": " + ROW_GROUP + ", \"target_file_size_bytes\": " + TARGET + "}"));
        cases.put("single_file", export("single", "{\"row_group_size\": " + ROW_GROUP + ", \"mode\": \"single_file\"}"));
        cases.put("Jsonl target_file_size_bytes", export("jsonl", "{\"format\": \"Jsonl\", \"target_file_size_bytes\": " + TARGET + "}"));
        cases.put("multi_file compression zstd", export("zstd", "{\"row_group_size\": " + ROW_GROUP + ", \"compression\": \"zstd\"}"));
        cases.put("multi_file partition_by shipmode", export("partitioned", "{\"row_group_size\": " + ROW_GROUP
                + ", \"partition_by\": [\"shipmode\"]}"));

        System.out.printf("%-30s %9s %12s %6s %8s %14s %14s %10s%n", "case", "seconds", "rows/s", "files", "groups",
                "worst RG dev", "worst file dev", "max RG/file");
        for (Map.Entry<String, Case> entry : cases.entrySet()) {
            Case c = entry.getValue();
            System.out.printf("%-30s %9.2f %,12.0f %6d %8d %13.1f%% %13.1f%% %10d%n", entry.getKey(), c.seconds, rows / c.seconds,
                    c.files, c.rowGroups, c.worstRowGroupDeviation * 100, c.worstFileDeviation * 100, c.maxRowGroupsPerFile);
        }

        double sparkSeconds = best(() -> {
            Path out = fresh("spark-write");
            spark.sparkContext().hadoopConfiguration().setLong("parquet.block.size", ROW_GROUP);
            spark.read().parquet(source.toString()).write().parquet(out.toString());
        });
        double duckMulti = best(() -> duck("COPY (SELECT * FROM read_parquet('" + source + "/*.parquet')) TO '" + fresh("duck-multi")
                + "' (FORMAT parquet, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ", FILE_SIZE_BYTES " + TARGET + ")"));
        double duckGroups = best(() -> duck("COPY (SELECT * FROM read_parquet('" + source + "/*.parquet')) TO '" + fresh("duck-groups")
                + "' (FORMAT parquet, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ", ROW_GROUPS_PER_FILE 2)"));
        double duckSingle = best(() -> duck("COPY (SELECT * FROM read_parquet('" + source + "/*.parquet')) TO '"
                + fresh("duck-single") + ".parquet' (FORMAT parquet, ROW_GROUP_SIZE_BYTES " + ROW_GROUP + ")"));

        System.out.printf("%nRatios (ours / theirs; below 1 is faster):%n");
        System.out.printf("  single_file / multi_file (goal <= 1.3):                 %.2f%n", cases.get("single_file").seconds / cases.get("multi_file").seconds);
        System.out.printf("  multi_file / Spark df.write.parquet (%.2f s):            %.2f%n", sparkSeconds, cases.get("multi_file").seconds / sparkSeconds);
        System.out.printf("  target_file_size_bytes / DuckDB FILE_SIZE_BYTES (%.2f s): %.2f%n", duckMulti, cases.get("target_file_size_bytes").seconds / duckMulti);
        System.out.printf("  max_row_groups_per_file / DuckDB ROW_GROUPS_PER_FILE (%.2f s): %.2f%n", duckGroups, cases.get("max_row_groups_per_file=2").seconds / duckGroups);
        System.out.printf("  single_file / DuckDB COPY to one file (%.2f s):          %.2f%n", duckSingle, cases.get("single_file").seconds / duckSingle);
        System.out.printf("  compression zstd / snappy:                              %.2f%n",
                cases.get("multi_file compression zstd").seconds / cases.get("multi_file").seconds);
        System.out.printf("  partition_by shipmode / none:                           %.2f%n",
                cases.get("multi_file partition_by shipmode").seconds / cases.get("multi_file").seconds);
        ShapeBenchmark.run(spark, work);
    }

    /** The API's default export (multi_file, 40 MB row groups, snappy) against DuckDB writing one file per thread. */
    private void runDefault() throws Exception {
        export("warm-up", "{}");
        Case ours = export("default", "{}");
        double duck = best(() -> duck("COPY (SELECT * FROM read_parquet('" + source + "/*.parquet')) TO '" + fresh("duck-default")
                + "' (FORMAT parquet, PER_THREAD_OUTPUT true, ROW_GROUP_SIZE 100000000, ROW_GROUP_SIZE_BYTES " + DEFAULT_ROW_GROUP + ")"));
        System.out.printf("default multi_file %.2f s, %d files, %d row groups, worst RG dev %.1f%%; DuckDB %.2f s; ours / DuckDB %.2f%n",
                ours.seconds, ours.files, ours.rowGroups, ours.worstRowGroupDeviation * 100, duck, ours.seconds / duck);
    }

    record Case(double seconds, int files, long rowGroups, double worstRowGroupDeviation, double worstFileDeviation, int maxRowGroupsPerFile) {
    }

    private Case export(String name, String layoutJson) throws Exception {
        double bestSeconds = Double.MAX_VALUE;
        Path out = null;
        ExportResult result = null;
        for (int run = 0; run < RUNS; run++) {
            out = fresh(name);
            String layout = layoutJson.substring(1, layoutJson.length() - 1);
            ExportRequest request = ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"" + out + "\"]}, \"include_file_stats\": true"
                    + (layout.isBlank() ? "" : ", " + layout) + "}");
            long start = System.nanoTime();
            result = job.run(request);
            bestSeconds = Math.min(bestSeconds, (System.nanoTime() - start) / 1e9);
        }
        return measure(out, result, layoutJson.contains("Jsonl"), layoutJson.contains("row_group_size") ? ROW_GROUP : DEFAULT_ROW_GROUP, layoutJson.contains("target_file_size_bytes") ? TARGET : 0, bestSeconds);
    }

    /** Worst deviations, read from the files: row groups but each file's last vs R, files but each task's last vs T (0: none). */
    static Case measure(Path out, ExportResult result, boolean jsonl, long rowGroup, long target, double seconds) throws SQLException, IOException {
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
        return new Case(seconds, result.files().size(), groups, worstGroup, worstFile, maxGroups);
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
        void run() throws Exception;
    }

    private static double best(Run run) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            run.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
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
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(dir.getParent());
        return dir;
    }
}
