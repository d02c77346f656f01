package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.SerializableConfiguration;
import org.dataexport.job.request.ParquetTuning;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The rolling writer below HTTP, as Iceberg tests its rolling writers: each data shape written by
 * Spark tasks through {@link RollingParquetWriter}, and the footers read back by DuckDB. Every row
 * group but a file's last within 10% of the row-group size; every file but a task's last within 10%
 * of the size target; every row there.
 */
class RollingParquetWriterTest {
    @TempDir
    java.nio.file.Path dir;

    static Stream<Arguments> shapes() {
        return Stream.of(
                arguments(DataShapes.NESTED, 400_000L), arguments(DataShapes.NESTED, 1_000_000L),
                arguments(DataShapes.WIDE, 400_000L), arguments(DataShapes.WIDE, 1_000_000L),
                arguments(DataShapes.LARGE_VALUES, 2_000_000L),
                arguments(DataShapes.COMPRESSIBLE, 100_000L), arguments(DataShapes.SKEWED, 200_000L));
    }

    @ParameterizedTest(name = "{0}, row groups of {1}")
    @MethodSource("shapes")
    void rowGroupsAndFilesHoldTheirSizes(DataShapes shape, long rowGroupSize) throws Exception {
        long target = 4 * rowGroupSize;
        Dataset<Row> data = shape.generate(TestSpark.get());
        List<WrittenFile> files = write(data, new FileLayout(rowGroupSize, 0, target));

        int groupsChecked = 0;
        for (int i = 0; i < files.size(); i++) {
            WrittenFile file = files.get(i);
            List<Long> groups = rowGroupSizes(file.path());
            assertEquals(file.rowGroups(), groups.size());
            for (int g = 0; g < groups.size() - 1; g++, groupsChecked++) {
                assertWithin(groups.get(g), rowGroupSize, "row group " + g + " of " + file);
            }
            boolean tasksLast = i == files.size() - 1 || files.get(i + 1).partition() != file.partition();
            if (!tasksLast) {
                assertWithin(file.fileBytes(), target, "size of " + file);
            }
        }
        assertTrue(groupsChecked >= 4, "enough full row groups to judge: " + groupsChecked);
        assertEquals(data.count(), files.stream().mapToLong(WrittenFile::rows).sum());
        assertEquals(data.count(), countRows());
    }

    @org.junit.jupiter.api.Test
    void parquetOptionsReachTheFooter() throws Exception {
        Dataset<Row> data = DataShapes.NESTED.generate(TestSpark.get());
        ParquetTuning tuning = new ParquetTuning(true, List.of("info"), List.of("id", "items"), 8192, ParquetTuning.WriterVersion.V2,
                java.util.Map.of("owner", "team-x"));
        write(data, new FileLayout(1_000_000, 0, 0), tuning);

        String metadata = "parquet_metadata('" + dir.resolve("*.parquet") + "')";
        assertEquals(List.of("id", "items, list, element"), rows("SELECT DISTINCT path_in_schema FROM " + metadata
                + " WHERE bloom_filter_offset IS NOT NULL ORDER BY 1"));
        assertEquals(List.of(), rows("SELECT DISTINCT path_in_schema FROM " + metadata
                + " WHERE dictionary_page_offset IS NOT NULL AND path_in_schema LIKE 'info%'"));
        assertEquals(List.of("team-x"), rows("SELECT DISTINCT decode(value) FROM parquet_kv_metadata('" + dir.resolve("*.parquet")
                + "') WHERE decode(key) = 'owner'"));
    }

    static Stream<Arguments> singleFileShapes() {
        return Stream.of(arguments(DataShapes.NESTED, 400_000L), arguments(DataShapes.WIDE, 400_000L), arguments(DataShapes.SKEWED, 200_000L));
    }

    @ParameterizedTest(name = "{0}, row groups of {1}")
    @MethodSource("singleFileShapes")
    void singleFileReencodesOnlyTheTails(DataShapes shape, long rowGroupSize) throws Exception {
        Dataset<Row> data = shape.generate(TestSpark.get());
        FileLayout layout = new FileLayout(rowGroupSize, 0, 0);
        List<WrittenFile> parts = write(data, layout, ParquetTuning.DEFAULT, true);
        assertTrue(parts.stream().anyMatch(WrittenFile::isTail), "the tasks left short tails: " + parts);

        Configuration conf = writeConf(data, layout);
        Path target = new Path(dir.toUri().toString(), "single.parquet");
        WrittenFile merged = SingleFileMerge.parquet(new Path(dir.toUri()).getFileSystem(conf), parts, target, conf, layout, ParquetTuning.DEFAULT);

        List<Long> groups = rowGroupSizes(merged.path());
        assertEquals(merged.rowGroups(), groups.size());
        for (int g = 0; g < groups.size() - 1; g++) {
            assertWithin(groups.get(g), rowGroupSize, "row group " + g + " of the single file");
        }
        // Every id once, and each task's ids in their order (its full groups, then its tail after every task's full groups).
        java.util.TreeMap<Long, Integer> taskByFirstId = new java.util.TreeMap<>();
        long firstId = 0;
        for (int task = 0; task <= parts.stream().mapToInt(WrittenFile::partition).max().orElse(0); task++) {
            int current = task;
            taskByFirstId.put(firstId, task);
            firstId += parts.stream().filter(part -> part.partition() == current).mapToLong(WrittenFile::rows).sum();
        }
        java.util.BitSet seen = new java.util.BitSet();
        Map<Integer, Long> lastByTask = new java.util.HashMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            statement.execute("SET threads = 1");
            try (ResultSet ids = statement.executeQuery("SELECT id FROM read_parquet('" + dir.resolve("single.parquet") + "')")) {
                while (ids.next()) {
                    long id = ids.getLong(1);
                    assertFalse(seen.get((int) id), "id " + id + " twice");
                    seen.set((int) id);
                    int task = taskByFirstId.floorEntry(id).getValue();
                    Long last = lastByTask.put(task, id);
                    assertTrue(last == null || last < id, "task " + task + " out of order: " + id + " after " + last);
                }
            }
        }
        assertEquals(data.count(), seen.cardinality());
    }

    /** Each row of a DuckDB answer as text, its columns joined by {@code |}. */
    static List<String> rows(String query) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i == 1 ? "" : "|").append(rows.getString(i));
                }
                values.add(row.toString());
            }
        }
        return values;
    }

    private List<WrittenFile> write(Dataset<Row> data, FileLayout layout) throws Exception {
        return write(data, layout, ParquetTuning.DEFAULT);
    }

    private List<WrittenFile> write(Dataset<Row> data, FileLayout layout, ParquetTuning tuning) throws Exception {
        return write(data, layout, tuning, false);
    }

    /** Spark's write settings for the data, as the driver prepares them, with the layout's row-group size. */
    static Configuration writeConf(Dataset<Row> data, FileLayout layout) throws Exception {
        SparkSession spark = data.sparkSession();
        return ParquetWriteConf.prepare(spark, spark.sparkContext().hadoopConfiguration(), data.schema(),
                layout.rowGroupSizeBytes(), org.dataexport.job.request.Compression.defaultFor(org.dataexport.job.request.Format.PARQUET));
    }

    private List<WrittenFile> write(Dataset<Row> data, FileLayout layout, ParquetTuning tuning, boolean tailApart) throws Exception {
        return writeRows(data, layout, writeConf(data, layout), tuning, tailApart, dir.toUri().toString());
    }

    /** The row path: each task's rows through a rolling writer into {@code out}; the files in data order. */
    static List<WrittenFile> writeRows(Dataset<Row> data, FileLayout layout, Configuration conf, String out) throws Exception {
        return writeRows(data, layout, conf, ParquetTuning.DEFAULT, false, out);
    }

    private static List<WrittenFile> writeRows(Dataset<Row> data, FileLayout layout, Configuration conf, ParquetTuning tuning, boolean tailApart,
                                               String out) throws Exception {
        SerializableConfiguration shared = new SerializableConfiguration(conf);
        Function2<Integer, Iterator<InternalRow>, Iterator<WrittenFile>> task = (partition, rows) -> {
            Configuration taskConf = shared.value();
            FileSystem fs = new Path(out).getFileSystem(taskConf);
            try (RollingParquetWriter writer = new RollingParquetWriter(taskConf, fs, layout, tuning, partition,
                    sequence -> new Path(out, String.format("%05d-%05d.parquet", partition, sequence)))) {
                while (rows.hasNext()) {
                    writer.write(rows.next());
                }
                return (tailApart ? writer.finishWithTail(new Path(out, String.format("%05d-tail.parquet", partition)))
                        : writer.finish()).iterator();
            }
        };
        List<WrittenFile> files = new ArrayList<>(((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution()
                .toRdd().toJavaRDD().mapPartitionsWithIndex(task, false).collect());
        files.sort(WrittenFile.DATA_ORDER);
        return files;
    }

    static List<Long> rowGroupSizes(String file) throws Exception {
        List<Long> sizes = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet groups = statement.executeQuery("SELECT sum(total_compressed_size) FROM parquet_metadata('"
                     + new Path(file).toUri().getPath() + "') GROUP BY row_group_id ORDER BY row_group_id")) {
            while (groups.next()) {
                sizes.add(groups.getLong(1));
            }
        }
        return sizes;
    }

    private long countRows() throws Exception {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet count = statement.executeQuery("SELECT count(*) FROM read_parquet('" + dir.resolve("*.parquet") + "')")) {
            count.next();
            return count.getLong(1);
        }
    }

    static void assertWithin(long actual, long target, String what) {
        assertTrue(Math.abs(actual - target) <= target / 10, what + ": " + actual + " is not within 10% of " + target);
    }
}
