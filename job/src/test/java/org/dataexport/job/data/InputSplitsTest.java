package org.dataexport.job.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.dataexport.job.write.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Split sizes that give every core work to the end, on a real Parquet scan. */
class InputSplitsTest {
    @Test
    void wholeWavesWithinTheCap() {
        long mb = 1 << 20;
        assertEquals(300 * mb, InputSplits.splitBytes(600 * mb, 2, 1000 * mb), "one wave when the cap allows");
        assertEquals(100 * mb, InputSplits.splitBytes(600 * mb, 2, 128 * mb), "three waves of two, not five splits");
        assertEquals(5 * mb, InputSplits.splitBytes(10 * mb, 2, 128 * mb));
        assertEquals(1, InputSplits.splitBytes(0, 2, 128 * mb));
    }

    @Test
    void aScanCutIntoAnOddNumberOfSplitsGetsWholeWaves(@TempDir Path dir) throws Exception {
        SparkSession spark = TestSpark.get();
        String source = dir.resolve("source").toString();
        // One file of many small row groups: splits of any size carry rows.
        spark.range(0, 200_000, 1, 1).selectExpr("id", "uuid() AS text").write().option("parquet.block.size", 65_536).parquet(source);
        long bytes;
        try (var files = java.nio.file.Files.list(dir.resolve("source"))) {
            bytes = files.filter(file -> file.toString().endsWith(".parquet")).mapToLong(file -> file.toFile().length()).sum();
        }
        String cap = "spark.sql.files.maxPartitionBytes";
        String openCost = "spark.sql.files.openCostInBytes";
        // A cap that cuts the file into three splits for two cores: the third would run alone.
        spark.conf().set(cap, Long.toString(bytes * 2 / 5));
        spark.conf().set(openCost, "1");
        try {
            Dataset<Row> plain = spark.read().parquet(source);
            assertEquals(3, rdd(plain).getNumPartitions(), "Spark alone");
            Dataset<Row> data = spark.read().parquet(source);
            assertEquals(4, InputSplits.balanced(data, () -> rdd(data)).getNumPartitions(), "two whole waves");
            assertEquals(Long.toString(bytes * 2 / 5), spark.conf().get(cap), "the session's setting is put back");
            assertEquals(200_000, data.count());
        } finally {
            spark.conf().unset(cap);
            spark.conf().unset(openCost);
        }
    }

    private static org.apache.spark.rdd.RDD<?> rdd(Dataset<Row> data) {
        return ((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().toRdd();
    }
}
