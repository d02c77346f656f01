package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.execution.datasources.parquet.ParquetDictionary;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataTypes;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.util.SerializableConfiguration;
import org.dataexport.job.data.ColumnarScan;
import org.dataexport.job.request.ParquetTuning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The columnar path below HTTP: a Parquet source's batches written through {@link BatchColumns} must
 * give the files the row path gives (every value, the schema, the row-group bounds), read back by
 * DuckDB; plans that are more than a scan, and types it does not copy, take the row path.
 */
class BatchColumnsTest {
    private static final String TYPES = "SELECT id, IF(id % 7 = 0, NULL, id % 3 = 0) AS flag, CAST(id % 100 AS TINYINT) AS tiny,"
            + " CAST(id % 30000 AS SMALLINT) AS small, IF(id % 5 = 0, NULL, CAST(id * 7 AS INT)) AS n,"
            + " CAST(id % 1000 AS FLOAT) / 8 AS f, IF(id % 9 = 0, NULL, rand(1)) AS d,"
            + " CAST(id % 100000 AS DECIMAL(9, 2)) / 4 AS price, IF(id % 11 = 0, NULL, CAST(xxhash64(id) % 1000000000000 AS DECIMAL(18, 3))) AS amount,"
            + " date_add(DATE'1970-01-01', CAST(id % 20000 AS INT)) AS day, CAST(timestamp_micros(id * 1000003) AS TIMESTAMP_NTZ) AS local_at,"
            + " IF(id % 4 = 0, NULL, concat('mode-', id % 7)) AS mode, concat('comment ', id, ' ', repeat('x', CAST(id % 40 AS INT))) AS comment,"
            + " IF(id % 13 = 0, NULL, CAST(concat('b', id % 17) AS BINARY)) AS bytes, '' AS empty"
            + " FROM range(0, 200000, 1, 2)";

    @TempDir
    java.nio.file.Path dir;

    @Test
    void batchesWriteWhatRowsWrite() throws Exception {
        SparkSession spark = TestSpark.get();
        // Small source row groups: each written group meets several source dictionaries holding the same values.
        spark.sql(TYPES).write().option("parquet.block.size", 100_000).parquet(dir.resolve("source").toString());
        Dataset<Row> source = spark.read().parquet(dir.resolve("source").toString());
        FileLayout layout = new FileLayout(400_000, 0, 1_600_000);
        Configuration conf = RollingParquetWriterTest.writeConf(source, layout);
        assertTrue(BatchColumns.supports(source.schema(), conf));

        List<WrittenFile> batches = writeBatches(source, layout, conf, "batches");
        List<WrittenFile> rows = RollingParquetWriterTest.writeRows(source, layout, conf, dir.resolve("rows").toUri().toString());

        assertEquals(List.of(), RollingParquetWriterTest.rows("SELECT * FROM read_parquet('" + dir.resolve("batches/*.parquet") + "') EXCEPT ALL"
                + " SELECT * FROM read_parquet('" + dir.resolve("source/*.parquet") + "')"));
        assertEquals(List.of(), RollingParquetWriterTest.rows("SELECT * FROM read_parquet('" + dir.resolve("source/*.parquet") + "') EXCEPT ALL"
                + " SELECT * FROM read_parquet('" + dir.resolve("batches/*.parquet") + "')"));
        // The same Parquet schema (physical and logical types, repetition) and key-value metadata as the row path.
        String schema = "SELECT name, type, type_length, repetition_type, converted_type, logical_type FROM parquet_schema('%s') ORDER BY ALL";
        assertEquals(RollingParquetWriterTest.rows(String.format(schema, rows.get(0).path().replace("file:", ""))),
                RollingParquetWriterTest.rows(String.format(schema, batches.get(0).path().replace("file:", ""))));
        assertEquals(200_000, batches.stream().mapToLong(WrittenFile::rows).sum());
        for (WrittenFile file : batches) {
            List<Long> groups = RollingParquetWriterTest.rowGroupSizes(file.path());
            for (int g = 0; g < groups.size() - 1; g++) {
                RollingParquetWriterTest.assertWithin(groups.get(g), 400_000, "row group " + g + " of " + file);
            }
        }
        assertTrue(batches.stream().mapToInt(WrittenFile::rowGroups).sum() >= 4, "enough row groups to judge: " + batches);
        assertTrue(Long.parseLong(RollingParquetWriterTest.rows("SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata('"
                + dir.resolve("source/*.parquet") + "')").get(0)) >= 10, "the source has many row groups");
    }

    @Test
    void copiedBatchesKeepTheSourceDictionary() throws Exception {
        DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter entries = new DictionaryValuesWriter.PlainDoubleDictionaryValuesWriter(
                1 << 20, Encoding.PLAIN_DICTIONARY, Encoding.PLAIN_DICTIONARY, new HeapByteBufferAllocator());
        for (double value : new double[] {1.5, -2.0, 7.25}) {
            entries.writeDouble(value);
        }
        entries.getBytes();
        DictionaryPage page = entries.toDictPageAndClose();
        ColumnDescriptor descriptor = new ColumnDescriptor(new String[] {"d"}, Types.optional(PrimitiveTypeName.DOUBLE).named("d"), 0, 1);
        OnHeapColumnVector source = new OnHeapColumnVector(5, DataTypes.DoubleType);
        WritableColumnVector ids = source.reserveDictionaryIds(5);
        int[] sourceIds = {2, 0, -1, 1, 2};
        for (int r = 0; r < sourceIds.length; r++) {
            if (sourceIds[r] < 0) {
                source.putNull(r);
            } else {
                ids.putInt(r, sourceIds[r]);
            }
        }
        source.setDictionary(new ParquetDictionary(page.getEncoding().initDictionary(descriptor, page), false));
        Dataset<Row> shape = TestSpark.get().sql("SELECT CAST(NULL AS DOUBLE) AS d");
        BatchColumns columns = BatchColumns.of(shape.schema(), RollingParquetWriterTest.writeConf(shape, new FileLayout(400_000, 0, 0)));

        ColumnarBatch copy = columns.copy(new ColumnarBatch(new ColumnVector[] {source}, 5), 1, 5);

        // Indices into the same dictionary, which the copied rows' writes then announce to the dictionary writer.
        WritableColumnVector copied = (WritableColumnVector) copy.column(0);
        assertTrue(copied.hasDictionary());
        assertEquals(List.of(0, 1, 2), List.of(copied.getDictionaryIds().getInt(0), copied.getDictionaryIds().getInt(2),
                copied.getDictionaryIds().getInt(3)));
        assertEquals(4, copy.numRows());
        assertEquals(1.5, copied.getDouble(0));
        assertTrue(copied.isNullAt(1));
        assertEquals(-2.0, copied.getDouble(2));
        assertEquals(7.25, copied.getDouble(3));
    }

    @Test
    void onlyPlainScansOfCopiedTypesGoColumnar() throws Exception {
        SparkSession spark = TestSpark.get();
        spark.sql(TYPES).write().parquet(dir.resolve("source").toString());
        Dataset<Row> source = spark.read().parquet(dir.resolve("source").toString());
        assertTrue(ColumnarScan.of(source.select("mode", "id"), source.select("mode", "id").schema()).isPresent());
        assertFalse(ColumnarScan.of(source.where("id > 5"), source.schema()).isPresent());
        assertFalse(ColumnarScan.of(source.selectExpr("id + 1 AS id"), source.selectExpr("id + 1 AS id").schema()).isPresent());
        assertFalse(ColumnarScan.of(spark.range(10).toDF(), spark.range(10).toDF().schema()).isPresent());

        Configuration conf = RollingParquetWriterTest.writeConf(source, new FileLayout(400_000, 0, 0));
        assertFalse(BatchColumns.supports(DataShapes.NESTED.generate(spark).schema(), conf), "nested columns take the row path");
        // Spark writes timestamps as INT96 unless told otherwise: not copied as they are.
        assertFalse(BatchColumns.supports(spark.sql("SELECT current_timestamp() AS at").schema(), conf));
        assertFalse(BatchColumns.supports(spark.sql("SELECT CAST(1 AS DECIMAL(30, 2)) AS big").schema(), conf));
    }

    private List<WrittenFile> writeBatches(Dataset<Row> data, FileLayout layout, Configuration conf, String name) throws Exception {
        SerializableConfiguration shared = new SerializableConfiguration(conf);
        String out = dir.resolve(name).toUri().toString();
        org.apache.spark.sql.types.StructType schema = data.schema();
        Function2<Integer, Iterator<ColumnarBatch>, Iterator<WrittenFile>> task = (partition, batches) -> {
            Configuration taskConf = shared.value();
            FileSystem fs = new Path(out).getFileSystem(taskConf);
            BatchColumns columns = BatchColumns.of(schema, taskConf);
            try (RollingParquetWriter writer = new RollingParquetWriter(taskConf, fs, layout, ParquetTuning.DEFAULT, partition,
                    sequence -> new Path(out, String.format("%05d-%05d.parquet", partition, sequence)))) {
                while (batches.hasNext()) {
                    writer.write(batches.next(), columns);
                }
                return writer.finish().iterator();
            }
        };
        List<WrittenFile> files = new ArrayList<>(ColumnarScan.of(data, data.schema()).orElseThrow().toJavaRDD()
                .mapPartitionsWithIndex(task, false).collect());
        files.sort(WrittenFile.DATA_ORDER);
        return files;
    }
}
