package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.dataexport.job.request.InvalidRequestException;
import org.dataexport.job.request.ParquetTuning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.dataexport.job.data.ColumnarScan;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.dataexport.job.write.RollingParquetWriterTest.rowGroupSizes;
import static org.dataexport.job.write.RollingParquetWriterTest.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * partition_by's writers below the export: a task's rows, their directories interleaved row by row,
 * written by one writer a directory whether every directory's writer stays open or most rows wait in
 * Spark's sorter for their turn; read back by DuckDB.
 */
class DirectoryWritersTest {
    private static final int KEYS = 7;
    private static final FileLayout LAYOUT = new FileLayout(128 << 10, 0, 0);

    @TempDir
    java.nio.file.Path dir;

    /** Rows of one task whose directory ({@code k = id % 7}, 6 as null) changes with every row. */
    private static Dataset<Row> interleaved(long rows) {
        return TestSpark.get().range(0, rows, 1, 1).selectExpr("id", "repeat(cast(id * 7919 % 100003 as string), 3) AS payload",
                "CASE WHEN id % " + KEYS + " = " + (KEYS - 1) + " THEN NULL ELSE cast(id % " + KEYS + " AS string) END AS __partition_0");
    }

    static Stream<Arguments> writersAndFeeds() {
        return Stream.of(arguments(64, false), arguments(2, false), arguments(1, false), arguments(64, true), arguments(2, true), arguments(1, true));
    }

    @ParameterizedTest(name = "at most {0} writers open, from batches: {1}")
    @MethodSource("writersAndFeeds")
    void everyDirectoryGetsItsRowsFromOneWriterWithExactRowGroups(int maxOpen, boolean batches) throws Exception {
        long count = 200_000;
        Dataset<Row> data = interleaved(count);
        String out = dir.resolve("out").toUri().toString();
        List<WrittenFile> files;
        if (batches) {
            // From a Parquet source, as a scan's batches: payload dictionary-encoded in its first pages, plain after.
            String source = dir.resolve("source").toString();
            data.write().parquet(source);
            files = writeBatches(TestSpark.get().read().parquet(source), maxOpen, out);
        } else {
            files = write(data, maxOpen, out);
        }
        java.nio.file.Path outDir = dir.resolve("out");

        for (int k = 0; k < KEYS; k++) {
            String directory = k == KEYS - 1 ? "k=__HIVE_DEFAULT_PARTITION__" : "k=" + k;
            String glob = outDir.resolve(directory).resolve("*.parquet").toString();
            long expected = count / KEYS + (k < count % KEYS ? 1 : 0);
            assertEquals(List.of(expected + "|0"), rows("SELECT count(*), count(*) FILTER (WHERE id % " + KEYS + " <> " + k
                    + ") FROM read_parquet('" + glob + "')"), directory);
            // One writer: its files numbered from 0 with no gap, every row group but each file's last within 10% of R.
            List<String> names;
            try (Stream<java.nio.file.Path> listed = Files.list(outDir.resolve(directory))) {
                names = listed.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".parquet")).sorted().toList();
            }
            for (int i = 0; i < names.size(); i++) {
                assertEquals(String.format("00000-%05d.parquet", i), names.get(i), directory);
                List<Long> groups = rowGroupSizes(outDir.resolve(directory).resolve(names.get(i)).toString());
                for (int g = 0; g < groups.size() - 1; g++) {
                    RollingParquetWriterTest.assertWithin(groups.get(g), LAYOUT.rowGroupSizeBytes(), directory + " " + names.get(i));
                }
            }
            assertTrue(rowGroupSizes(outDir.resolve(directory).resolve(names.get(0)).toString()).size() > 2, "too few row groups to judge");
        }
        assertEquals(count, files.stream().mapToLong(WrittenFile::rows).sum());
        assertEquals(files.size(), files.stream().map(WrittenFile::path).distinct().count());
        assertTrue(files.stream().allMatch(file -> file.directory().startsWith("k=") && file.path().contains("/" + file.directory() + "/")),
                "files carry their directory");
    }

    @Test
    void aValueTooLongForADirectoryNameIsTheCallersError() {
        Dataset<Row> data = TestSpark.get().range(0, 10, 1, 1).selectExpr("id", "'x' AS payload",
                "CASE WHEN id = 5 THEN repeat('v', 300) ELSE 'short' END AS __partition_0");
        Exception failure = assertThrows(Exception.class, () -> write(data, 1, dir.toUri().toString()));
        Throwable cause = failure;
        while (cause != null && !(cause instanceof InvalidRequestException)) {
            cause = cause.getCause();
        }
        assertTrue(cause != null && cause.getMessage().contains("255 bytes"), String.valueOf(failure));
    }

    /** The scan's batches through {@link DirectoryWriters#writeBatches} into Parquet under {@code out}, as {@link #write}. */
    private static List<WrittenFile> writeBatches(Dataset<Row> data, int maxOpen, String out) throws Exception {
        SerializableConfiguration shared = new SerializableConfiguration(writeConf(data));
        StructType rowSchema = data.schema();
        RDD<ColumnarBatch> batches = ColumnarScan.of(data, rowSchema).orElseThrow();
        Function2<Integer, Iterator<ColumnarBatch>, Iterator<WrittenFile>> task = (partition, feed) -> {
            BatchColumns columns = BatchColumns.of(written(rowSchema), shared.value());
            return writers(shared.value(), rowSchema, maxOpen, out, partition, columns).writeBatches(feed, columns).iterator();
        };
        return new ArrayList<>(batches.toJavaRDD().mapPartitionsWithIndex(task, false).collect());
    }

    /** Each task's rows through {@link DirectoryWriters} into Parquet under {@code out}, one directory a value of {@code k}. */
    private static List<WrittenFile> write(Dataset<Row> data, int maxOpen, String out) throws Exception {
        SerializableConfiguration shared = new SerializableConfiguration(writeConf(data));
        StructType rowSchema = data.schema();
        Function2<Integer, Iterator<InternalRow>, Iterator<WrittenFile>> task = (partition, rows) -> writers(shared.value(), rowSchema,
                maxOpen, out, partition, BatchColumns.of(written(rowSchema), shared.value())).write(rows).iterator();
        return new ArrayList<>(((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution()
                .toRdd().toJavaRDD().mapPartitionsWithIndex(task, false).collect());
    }

    /** The written columns (id, payload) of rows whose third column names the directory. */
    private static StructType written(StructType rowSchema) {
        return new StructType(java.util.Arrays.copyOf(rowSchema.fields(), 2));
    }

    private static Configuration writeConf(Dataset<Row> data) throws Exception {
        return RollingParquetWriterTest.writeConf(data.select("id", "payload"), LAYOUT);
    }

    /** A task's writers, a Parquet writer a directory of {@code k} under {@code out}, taking rows and runs of batches. */
    private static DirectoryWriters writers(Configuration conf, StructType rowSchema, int maxOpen, String out, int partition,
                                            BatchColumns columns) throws java.io.IOException {
        FileSystem fs = new Path(out).getFileSystem(conf);
        UnsafeProjection projection = UnsafeProjection.create(written(rowSchema));
        return new DirectoryWriters(List.of("k"), rowSchema, 2, maxOpen, directory -> {
            RollingParquetWriter writer = new RollingParquetWriter(conf, fs, LAYOUT, ParquetTuning.DEFAULT, partition,
                    sequence -> new Path(new Path(out, directory), String.format("%05d-%05d.parquet", partition, sequence)));
            return new DirectoryWriters.Writer(writer, row -> writer.write(projection.apply(row)),
                    (batch, from, to) -> writer.write(batch, from, to, columns));
        });
    }
}
