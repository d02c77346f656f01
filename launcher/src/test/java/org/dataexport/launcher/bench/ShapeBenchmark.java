package org.dataexport.launcher.bench;

import org.apache.spark.sql.SparkSession;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.data.DatasetDefinition;
import org.dataexport.job.request.ExportRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The layout bounds on data shapes other than TPC-H: nested rows (structs, arrays, maps, 30% nulls,
 * decimals, dates, timestamps) and rows of 10 to 300 KB of incompressible text, each generated once as
 * Parquet and exported with R and T (multi_file) and as single_file; prints the worst row-group and
 * file deviations read back from the footers.
 */
final class ShapeBenchmark {
    private ShapeBenchmark() {
    }

    static void run(SparkSession spark, Path work) throws Exception {
        String largeValues = "SELECT id, concat_ws('', transform(sequence(1, 280 + CAST(abs(xxhash64(id)) % 8000 AS INT)), x -> uuid()))"
                + " AS payload FROM range(0, 1200, 1, 4)";
        long[][] layouts = {{1_000_000, 4_000_000}, {8_000_000, 32_000_000}};
        System.out.printf("%nOther data shapes (worst deviation of every row group but a file's last, every file but a task's last):%n");
        System.out.printf("%-14s %-12s %12s %9s %6s %8s %14s %14s%n", "shape", "case", "R", "seconds", "files", "groups", "worst RG dev", "worst file dev");
        int i = 0;
        for (String shape : new String[] {"nested", "large values"}) {
            Path source = work.resolve("shape-" + shape.replace(' ', '-'));
            if (!Files.exists(source.resolve("_SUCCESS"))) {
                (shape.equals("nested") ? org.dataexport.launcher.TestServer.nestedRows(spark, 2_000_000, 4) : spark.sql(largeValues))
                        .write().mode("overwrite").parquet(source.toString());
            }
            ExportJob job = new ExportJob(spark, new DatasetCatalog("shape", Map.of("shape", new DatasetDefinition("shape", "parquet",
                    Map.of("path", source.toUri().toString())))), org.dataexport.job.request.ExportLimits.DEFAULTS, java.util.Optional.empty(),
                    org.dataexport.job.commit.LeaseSettings.forThisProcess("benchmark"));
            long rowGroup = layouts[i][0];
            long target = layouts[i++][1];
            for (String mode : new String[] {"multi_file", "single_file"}) {
                Path out = work.resolve("out").resolve("shape-" + shape.replace(' ', '-') + "-" + mode + "-" + System.nanoTime());
                String layout = mode.equals("multi_file") ? ", \"target_file_size_bytes\": " + target : ", \"mode\": \"single_file\"";
                ExportRequest request = ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"" + out + "\"]}, \"include_file_stats\": true,"
                        + " \"row_group_size\": " + rowGroup + layout + "}");
                long start = System.nanoTime();
                ExportResult result = job.run(request);
                Benchmark.Case c = Benchmark.measure(out, result, false, rowGroup, mode.equals("multi_file") ? target : 0, (System.nanoTime() - start) / 1e9, PeakMemory.Peaks.NONE);
                System.out.printf("%-14s %-12s %,12d %9.2f %6d %8d %13.1f%% %13.1f%%%n", shape, mode, rowGroup, c.seconds(), c.files(), c.rowGroups(),
                        c.worstRowGroupDeviation() * 100, c.worstFileDeviation() * 100);
                Benchmark.discard(out);
            }
        }
    }
}
