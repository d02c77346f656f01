package org.dataexport.job.write;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.dataexport.job.data.ColumnarScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link JsonLineEncoder} against Spark's own {@code to_json}: the same bytes for every row, from rows
 * and from a Parquet scan's batches, on every type with its awkward values (NaN and infinities, -0.0,
 * decimals that Java writes in exponent form, control characters, quotes, non-ASCII and invalid UTF-8
 * text, dates before 1970, timestamps in a zone that is not UTC, nested values holding nulls), with
 * null fields left out and written.
 */
class JsonLineEncoderTest {
    private static final String VALUES = "SELECT id,"
            + " IF(id % 5 = 0, NULL, id % 3 = 0) AS flag,"
            + " CAST(id % 256 - 128 AS TINYINT) AS tiny, CAST(id * 31 % 65536 - 32768 AS SMALLINT) AS small,"
            + " CASE id % 4 WHEN 0 THEN NULL WHEN 1 THEN -2147483648 WHEN 2 THEN 2147483647 ELSE CAST(id * 7 AS INT) END AS n,"
            + " CASE id % 5 WHEN 0 THEN bigint('-9223372036854775808') WHEN 1 THEN bigint('9223372036854775807') WHEN 2 THEN 0"
            + "   WHEN 3 THEN NULL ELSE -id * 1000003 END AS big,"
            + " CASE id % 7 WHEN 0 THEN NULL WHEN 1 THEN CAST('NaN' AS FLOAT) WHEN 2 THEN CAST('Infinity' AS FLOAT)"
            + "   WHEN 3 THEN CAST('-Infinity' AS FLOAT) WHEN 4 THEN CAST('-0.0' AS FLOAT) ELSE CAST(id AS FLOAT) / 7 END AS f,"
            + " CASE id % 7 WHEN 0 THEN NULL WHEN 1 THEN CAST('NaN' AS DOUBLE) WHEN 2 THEN 1.0E-300D WHEN 3 THEN CAST('-Infinity' AS DOUBLE)"
            + "   WHEN 4 THEN CAST(id AS DOUBLE) * 1.1E15 ELSE CAST(id AS DOUBLE) / 3 END AS d,"
            + " CAST(id AS DECIMAL(9, 2)) / -4 AS price,"
            + " IF(id % 6 = 0, CAST(0 AS DECIMAL(18, 10)), CAST(CAST(id AS DECIMAL(18, 10)) / 1000000000 AS DECIMAL(18, 10))) AS tiny_dec,"
            + " CAST(id % 3 - 1 AS DECIMAL(5, 0)) AS whole,"
            + " IF(id % 9 = 0, NULL, CAST(id AS DECIMAL(38, 18)) * 12345678901234567 / 7) AS wide,"
            + " CASE id % 9 WHEN 0 THEN NULL WHEN 1 THEN concat('q\"b\\\\s', chr(0), chr(1), chr(8), chr(9), chr(10), chr(12), chr(13),"
            + "   chr(31), chr(127), '/') WHEN 2 THEN 'ünïcødé ✓ 😀 \u2028' WHEN 3 THEN CAST(X'61FF62C3' AS STRING) WHEN 4 THEN ''"
            + "   ELSE concat('id-', id) END AS text,"
            + " concat(repeat('a', CAST(id % 19 AS INT)), CASE id % 5 WHEN 0 THEN '\"' WHEN 1 THEN chr(5) WHEN 2 THEN 'é' WHEN 3 THEN '\\\\'"
            + "   ELSE '' END, repeat('z', CAST(id % 11 AS INT))) AS padded,"
            + " CAST(id % 50 AS DOUBLE) / 100 AS rate, IF(id % 13 = 0, CAST('NaN' AS FLOAT), CAST(id % 13 AS FLOAT) / 3) AS third,"
            + " date_add(DATE'1970-01-01', CAST(id * 97 - 100000 AS INT)) AS day,"
            + " IF(id % 8 = 0, NULL, timestamp_micros(id * 123456789011 - 40000000000000000)) AS at,"
            + " CAST(timestamp_micros(id * 987654321) AS TIMESTAMP_NTZ) AS local_at,"
            + " IF(id % 10 = 0, NULL, CAST(concat('b', id) AS BINARY)) AS bytes,"
            + " IF(id % 11 = 0, NULL, array(CAST(id AS INT), NULL, 3)) AS numbers,"
            + " named_struct('a', IF(id % 2 = 0, NULL, id), 'b', concat('x', chr(10), id)) AS pair,"
            + " map('k', IF(id % 3 = 0, NULL, CAST(id AS INT))) AS lookup,"
            + " concat('n', id) AS `quote\"d name`, id % 2 AS `ü`"
            + " FROM range(0, 4000, 1, 2)";

    @TempDir
    java.nio.file.Path dir;

    @Test
    void rowsEncodeAsToJsonDoes() {
        SparkSession spark = TestSpark.get();
        String zone = spark.conf().get("spark.sql.session.timeZone");
        try {
            spark.conf().set("spark.sql.session.timeZone", "America/Los_Angeles");
            for (boolean ignoreNulls : new boolean[] {true, false}) {
                spark.conf().set("spark.sql.jsonGenerator.ignoreNullFields", String.valueOf(ignoreNulls));
                Dataset<Row> data = spark.sql(VALUES);
                assertEquals(toJson(data), encoded(((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().toRdd().toJavaRDD(),
                        data.schema(), JsonStyle.of(spark)), "ignoreNullFields " + ignoreNulls);
            }
        } finally {
            spark.conf().set("spark.sql.session.timeZone", zone);
            spark.conf().unset("spark.sql.jsonGenerator.ignoreNullFields");
        }
    }

    @Test
    void batchesEncodeAsToJsonDoes() {
        SparkSession spark = TestSpark.get();
        // Dictionary-encoded strings come as a dictionary and indices; plain ones are read from the vector's own array.
        for (boolean dictionary : new boolean[] {true, false}) {
            String source = dir.resolve("source-" + dictionary).toString();
            spark.sql(VALUES).write().option("parquet.enable.dictionary", String.valueOf(dictionary)).parquet(source);
            Dataset<Row> data = spark.read().parquet(source);
            List<String> lines = batchLines(data);
            assertEquals(!dictionary, lines.remove("# text read from the vector's array"), "dictionary " + dictionary);
            assertEquals(toJson(data), lines, "dictionary " + dictionary);
        }
    }

    private static List<String> batchLines(Dataset<Row> data) {
        Optional<org.apache.spark.rdd.RDD<ColumnarBatch>> batches = ColumnarScan.of(data, data.schema());
        assertTrue(batches.isPresent(), "a Parquet scan goes columnar");
        StructType schema = data.schema();
        JsonStyle style = JsonStyle.of(data.sparkSession());
        int text = schema.fieldIndex("text");
        List<String> lines = new ArrayList<>(batches.get().toJavaRDD().mapPartitions((Iterator<ColumnarBatch> it) -> {
            JsonLineEncoder encoder = new JsonLineEncoder(schema, style);
            List<String> out = new ArrayList<>();
            boolean fromArray = false;
            while (it.hasNext()) {
                ColumnarBatch batch = it.next();
                encoder.startBatch(batch);
                fromArray |= ValueCopies.heapBytes(batch.column(text)) != null;
                for (int r = 0; r < batch.numRows(); r++) {
                    encoder.encode(batch, r);
                    out.add(new String(encoder.bytes(), 0, encoder.length(), StandardCharsets.UTF_8));
                }
            }
            if (fromArray) {
                out.add("# text read from the vector's array");
            }
            return out.iterator();
        }).collect());
        // One marker however many partitions read strings from their vectors' arrays.
        boolean fromArray = lines.removeIf(line -> line.equals("# text read from the vector's array"));
        lines.sort(null);
        if (fromArray) {
            lines.add("# text read from the vector's array");
        }
        return lines;
    }

    @Test
    void numbersRepeatedOrNotReadAsJavaWritesThem() {
        JsonNumberTexts doubles = new JsonNumberTexts();
        JsonNumberTexts floats = new JsonNumberTexts();
        java.util.Random random = new java.util.Random(7);
        // Repeated values first (kept), then values that rarely repeat (the table is given up), then repeats again.
        for (int i = 0; i < 200_000; i++) {
            double d = i < 50_000 || i >= 150_000 ? (i % 97) / 8.0 - 3 : Double.longBitsToDouble(random.nextLong());
            float f = i % 11 == 0 ? Float.NaN : i < 50_000 ? (i % 89) / 3f : Float.intBitsToFloat(random.nextInt());
            assertEquals(Double.isFinite(d) ? Double.toString(d) : "\"" + d + "\"", new String(doubles.of(d), StandardCharsets.US_ASCII));
            assertEquals(Float.isFinite(f) ? Float.toString(f) : "\"" + f + "\"", new String(floats.of(f), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void decimalsOfFewPlacesReadAsJavaWritesThem() {
        java.util.Random random = new java.util.Random(11);
        double[] powers = {1, 10, 100, 1_000, 10_000};
        for (int i = 0; i < 2_000_000; i++) {
            int places = i % powers.length;
            long units = i < 1_000_000 ? i : (long) (random.nextDouble() * 1e7 * powers[places]);
            double value = (i % 3 == 0 ? -units : units) / powers[places];
            byte[] text = JsonNumberTexts.shortDecimal(value);
            if (Math.abs(value) >= 1e-3 && Math.abs(value) < 1e7) {
                assertEquals(Double.toString(value), text == null ? null : new String(text, StandardCharsets.US_ASCII), units + " / " + powers[places]);
            } else {
                assertEquals(null, text, "outside [0.001, 10^7): Java writes an exponent");
            }
            double any = Double.longBitsToDouble(random.nextLong()) % 1e7;
            byte[] other = JsonNumberTexts.shortDecimal(any);
            if (other != null) {
                assertEquals(Double.toString(any), new String(other, StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void textIsPlainOnlyWithoutControlsQuotesBackslashesOrNonAscii() {
        byte[] plain = "The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()_+-={}[]|:;'<>,.?/\u007F"
                .getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < 9; from++) {
            for (int to = from; to <= plain.length; to++) {
                assertTrue(JsonStrings.plainAscii(plain, org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET + from, to - from));
                for (int at = from; at < to; at++) {
                    for (byte bad : new byte[] {0, 0x1F, '"', '\\', (byte) 0x80, (byte) 0xC3, (byte) 0xFF}) {
                        byte[] text = plain.clone();
                        text[at] = bad;
                        assertEquals(false, JsonStrings.plainAscii(text, org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET + from, to - from),
                                "byte " + bad + " at " + at + " of " + from + ".." + to);
                    }
                }
            }
        }
    }

    @Test
    void namesAndTextAreEscapedAsJacksonDoes() {
        assertEquals("\"a\\\"b\\\\c\\u0000\\u001F\\b\\t\\n\\f\\r\u007Fü\"", JsonStrings.escaped("a\"b\\c\u0000\u001F\b\t\n\f\r\u007Fü"));
    }

    private static List<String> toJson(Dataset<Row> data) {
        Column[] columns = Arrays.stream(data.schema().fieldNames()).map(name -> data.col("`" + name.replace("`", "``") + "`"))
                .toArray(Column[]::new);
        List<String> lines = new ArrayList<>(data.select(functions.to_json(functions.struct(columns))).as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        lines.sort(null);
        return lines;
    }

    private static List<String> encoded(JavaRDD<InternalRow> rows, StructType schema, JsonStyle style) {
        List<String> lines = new ArrayList<>(rows.mapPartitions((Iterator<InternalRow> it) -> {
            JsonLineEncoder encoder = new JsonLineEncoder(schema, style);
            List<String> out = new ArrayList<>();
            while (it.hasNext()) {
                encoder.encode(it.next());
                out.add(new String(encoder.bytes(), 0, encoder.length(), StandardCharsets.UTF_8));
            }
            return out.iterator();
        }).collect());
        lines.sort(null);
        return lines;
    }
}
