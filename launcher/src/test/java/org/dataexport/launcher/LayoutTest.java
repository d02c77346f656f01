package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The layout options hold on the written files, for five data shapes (wide strings: TPC-H lineitem;
 * narrow numbers that barely compress; a skewed input; 5.8 KB incompressible rows; nested rows with
 * 30% nulls), to local directories and to S3, read back from the footers by DuckDB.
 */
class LayoutTest {
    private static final long ROW_GROUP_SIZE = 200_000;

    private final TestServer server = TestServer.get();

    static Stream<Arguments> shapesAndDestinations() {
        return Stream.of(
                arguments("lineitem", false), arguments("numbers", false), arguments("skewed", false), arguments("largevalues", false),
                arguments("nested", false), arguments("lineitemparquet", false),
                arguments("lineitem", true), arguments("numbers", true), arguments("skewed", true), arguments("largevalues", true),
                arguments("nested", true), arguments("lineitemparquet", true));
    }

    @ParameterizedTest(name = "{0}, s3={1}")
    @MethodSource("shapesAndDestinations")
    void maxRowGroupsPerFileAndRowGroupSizeHold(String dataset, boolean s3) throws Exception {
        int maxGroups = 3;
        Export export = export(dataset, s3, request -> request.put("row_group_size", ROW_GROUP_SIZE).put("max_row_groups_per_file", maxGroups));

        for (List<WrittenOutput.ParquetFile> taskFiles : export.filesByTask().values()) {
            for (int i = 0; i < taskFiles.size(); i++) {
                WrittenOutput.ParquetFile file = taskFiles.get(i);
                if (i < taskFiles.size() - 1) {
                    assertEquals(maxGroups, file.rowGroups().size(), "every file but a task's last has exactly N row groups: " + file);
                } else {
                    assertTrue(file.rowGroups().size() <= maxGroups, file.toString());
                }
                assertRowGroupsNear(file, ROW_GROUP_SIZE);
            }
        }
        assertTrue(export.files().size() > export.filesByTask().size(), "files rolled over: " + export.files().size());
    }

    @ParameterizedTest(name = "{0}, s3={1}")
    @MethodSource("shapesAndDestinations")
    void targetFileSizeHolds(String dataset, boolean s3) throws Exception {
        long target = 5 * ROW_GROUP_SIZE;
        Export export = export(dataset, s3, request -> request.put("row_group_size", ROW_GROUP_SIZE).put("target_file_size_bytes", target));

        for (List<WrittenOutput.ParquetFile> taskFiles : export.filesByTask().values()) {
            for (int i = 0; i < taskFiles.size(); i++) {
                WrittenOutput.ParquetFile file = taskFiles.get(i);
                if (i < taskFiles.size() - 1) {
                    assertWithin(file.fileBytes(), target, 0.10, "file size of " + file);
                }
                assertTrue(file.fileBytes() <= target + largestRowGroup(file), "no file exceeds T by more than a row group: " + file);
                assertRowGroupsNear(file, ROW_GROUP_SIZE);
            }
        }
        assertTrue(export.files().size() > export.filesByTask().size(), "files rolled over: " + export.files().size());
    }

    @ParameterizedTest(name = "{0}, s3={1}")
    @MethodSource("shapesAndDestinations")
    void singleFileRowGroupsHoldButTheLast(String dataset, boolean s3) throws Exception {
        Export export = export(dataset, s3, request -> request.put("row_group_size", ROW_GROUP_SIZE).put("mode", "single_file"));

        assertEquals(1, export.files().size());
        WrittenOutput.ParquetFile file = export.files().get(0);
        assertTrue(file.rowGroups().size() > 2, file.toString());
        assertRowGroupsNear(file, ROW_GROUP_SIZE);
    }

    @Test
    void targetBelowTwoRowGroupsStillBoundsFiles() throws Exception {
        long target = 300_000;
        Export export = export("lineitem", false, request -> request.put("row_group_size", 250_000).put("target_file_size_bytes", target));

        for (WrittenOutput.ParquetFile file : export.files()) {
            assertTrue(file.fileBytes() <= target + largestRowGroup(file), "no file exceeds T by more than a row group: " + file);
        }
    }

    @Test
    void maxRowGroupsTakesPrecedenceOverTargetSize() throws Exception {
        Export export = export("numbers", false, request -> request.put("row_group_size", ROW_GROUP_SIZE)
                .put("max_row_groups_per_file", 2).put("target_file_size_bytes", 10 * ROW_GROUP_SIZE));

        for (List<WrittenOutput.ParquetFile> taskFiles : export.filesByTask().values()) {
            for (int i = 0; i < taskFiles.size() - 1; i++) {
                assertEquals(2, taskFiles.get(i).rowGroups().size());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonShapes")
    void jsonLinesTargetFileSizeHolds(String dataset) throws Exception {
        long target = 1_000_000;
        Path destination = server.newLocalDestination("jsonl-" + dataset);
        JsonNode response = server.post(server.localRequest(destination).put("dataset", dataset).put("format", "Jsonl")
                .put("target_file_size_bytes", target).put("include_file_stats", true).toString()).json();
        WrittenOutput output = WrittenOutput.local(destination);
        output.assertMatches(response);

        Map<Integer, List<JsonNode>> byTask = new LinkedHashMap<>();
        response.at("/data/export_result/file_stats").forEach(stat -> byTask.computeIfAbsent(stat.get("input_partition").asInt(), k -> new ArrayList<>()).add(stat));
        for (List<JsonNode> taskFiles : byTask.values()) {
            for (int i = 0; i < taskFiles.size(); i++) {
                long size = output.sizeOf(taskFiles.get(i).get("file").asText());
                assertTrue(size <= target, "a JSON lines file never passes the target: " + size);
                if (i < taskFiles.size() - 1) {
                    assertWithin(size, target, 0.10, "size of " + taskFiles.get(i));
                }
            }
        }
        assertTrue(response.at("/data/export_result/files").size() > byTask.size());
    }

    static Stream<String> jsonShapes() {
        return Stream.of("lineitem", "numbers", "skewed");
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("contentCases")
    void writtenRowsEqualTheDataset(String dataset, String format) throws Exception {
        Path reference = server.workDir.resolve("reference-" + dataset + "-" + format);
        Path destination = server.newLocalDestination("content-" + dataset);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> source = server.datasets().read(server.spark, dataset);
        ObjectNode request = server.localRequest(destination).put("dataset", dataset).put("format", format);
        if (format.equals("Parquet")) {
            source.write().parquet(reference.toString());
            request.put("row_group_size", ROW_GROUP_SIZE).put("target_file_size_bytes", 4 * ROW_GROUP_SIZE);
        } else {
            source.write().json(reference.toString());
            request.put("target_file_size_bytes", 2_000_000);
        }
        server.post(request.toString());

        String reader = format.equals("Parquet") ? "read_parquet" : "read_json_auto";
        String extension = format.equals("Parquet") ? "*.parquet" : "*.json*";
        assertEquals(checksum(reader, reference.resolve("part-*")), checksum(reader, destination.resolve(extension)),
                "count and order-insensitive checksum over all columns");
    }

    static Stream<Arguments> contentCases() {
        return Stream.of(arguments("lineitem", "Parquet"), arguments("numbers", "Parquet"), arguments("skewed", "Parquet"),
                arguments("lineitemparquet", "Parquet"), arguments("lineitem", "Jsonl"), arguments("skewed", "Jsonl"),
                arguments("lineitemparquet", "Jsonl"));
    }

    @Test
    void onePartitionKeepsTheOrderAcrossFiles() throws Exception {
        Path destination = server.newLocalDestination("ordered");
        JsonNode response = server.post(server.localRequest(destination).put("dataset", "ordered")
                .put("row_group_size", ROW_GROUP_SIZE).put("target_file_size_bytes", 3 * ROW_GROUP_SIZE).toString()).json();
        List<String> files = TestServer.JSON.convertValue(response.at("/data/export_result/files"), List.class);
        assertTrue(files.size() > 2, response.toString());

        StringBuilder list = new StringBuilder();
        for (String file : files) {
            list.append(list.length() == 0 ? "" : ", ").append('\'').append(destination.resolve(file)).append('\'');
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), count(*) FILTER (WHERE id <> expected) FROM "
                     + "(SELECT id, row_number() OVER () - 1 AS expected FROM read_parquet([" + list + "]))")) {
            rows.next();
            assertEquals(200_000, rows.getLong(1));
            assertEquals(0, rows.getLong(2), "rows out of order");
        }
    }

    // --- helpers

    private record Export(JsonNode response, List<WrittenOutput.ParquetFile> files, List<Integer> partitions) {
        Map<Integer, List<WrittenOutput.ParquetFile>> filesByTask() {
            Map<Integer, List<WrittenOutput.ParquetFile>> byTask = new LinkedHashMap<>();
            for (int i = 0; i < files.size(); i++) {
                byTask.computeIfAbsent(partitions.get(i), k -> new ArrayList<>()).add(files.get(i));
            }
            return byTask;
        }
    }

    private Export export(String dataset, boolean s3, java.util.function.UnaryOperator<ObjectNode> layout) throws Exception {
        String name = dataset + "-" + System.nanoTime();
        WrittenOutput output;
        JsonNode response;
        if (s3) {
            ObjectNode request = layout.apply(server.s3Request("/layout/" + name)).put("dataset", dataset).put("include_file_stats", true);
            response = server.post(request.toString()).json();
            output = WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, "layout/" + name, server.workDir);
        } else {
            Path destination = server.newLocalDestination(name);
            response = server.post(layout.apply(server.localRequest(destination)).put("dataset", dataset).put("include_file_stats", true).toString()).json();
            output = WrittenOutput.local(destination);
        }
        output.assertMatches(response);
        List<String> names = new ArrayList<>();
        List<Integer> partitions = new ArrayList<>();
        response.at("/data/export_result/file_stats").forEach(stat -> {
            names.add(stat.get("file").asText());
            partitions.add(stat.get("input_partition").asInt());
        });
        return new Export(response, output.parquetFiles(names), partitions);
    }

    private static void assertRowGroupsNear(WrittenOutput.ParquetFile file, long rowGroupSize) {
        List<WrittenOutput.RowGroup> groups = file.rowGroups();
        for (int i = 0; i < groups.size() - 1; i++) {
            assertWithin(groups.get(i).compressedSize(), rowGroupSize, 0.10, "row group " + i + " of " + file);
        }
    }

    private static long largestRowGroup(WrittenOutput.ParquetFile file) {
        return file.rowGroups().stream().mapToLong(WrittenOutput.RowGroup::compressedSize).max().orElse(0);
    }

    private static void assertWithin(long actual, long target, double tolerance, String what) {
        assertTrue(Math.abs(actual - target) <= target * tolerance,
                what + ": " + actual + " is not within " + (int) (tolerance * 100) + "% of " + target);
    }

    private static String checksum(String reader, Path glob) throws Exception {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*), sum(hash(t)::HUGEINT) FROM " + reader + "('" + glob + "') t")) {
            result.next();
            return result.getLong(1) + " rows, checksum " + result.getString(2);
        }
    }
}
