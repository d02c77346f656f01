package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * partition_by end to end: the directories are those Spark's own partitioned write makes for the
 * same data (escaping, NULL and the empty string), DuckDB reads the same rows per partition back
 * with hive_partitioning, the files leave the partition columns out unless asked, the layout
 * targets hold inside each directory, and the response's figures equal the files'.
 */
class PartitionByApiTest {
    private static final long ROW_GROUP_SIZE = 200_000;

    private final TestServer server = TestServer.get();

    @Test
    void directoriesAndRowsAreThoseOfSparksOwnPartitionedWrite() throws Exception {
        Path destination = server.newLocalDestination("by-category");
        JsonNode response = post(destination, request -> {
            request.putArray("partition_by").add("category").add("flag");
            return request;
        });
        Path reference = server.workDir.resolve("reference-partitioned-" + System.nanoTime());
        server.datasets().read(server.spark, "partitioned").write().partitionBy("category", "flag").parquet(reference.toString());

        assertEquals(leafDirectories(reference), leafDirectories(destination));
        assertTrue(leafDirectories(destination).contains("category=__HIVE_DEFAULT_PARTITION__/flag=true"), leafDirectories(destination).toString());
        String perPartition = "SELECT category, flag, count(*), sum(hash) FROM read_parquet('%s', hive_partitioning = true) GROUP BY ALL ORDER BY ALL";
        assertEquals(DuckDb.rows(String.format(perPartition, reference.resolve("**/*.parquet"))),
                DuckDb.rows(String.format(perPartition, destination.resolve("**/*.parquet"))));
        String oneFile = destination.resolve(response.at("/data/export_result/files/0").asText()).toString();
        List<String> columns = DuckDb.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('" + oneFile + "', hive_partitioning = false))");
        assertEquals(List.of("id", "half", "hash", "score", "nested"), columns, "the partition columns are left out of the files");

        long files = 0;
        long rows = 0;
        for (JsonNode partition : response.at("/data/export_result/partitions")) {
            String directory = partition.get("directory").asText();
            assertEquals(partition.get("row_count").asLong(), Long.parseLong(DuckDb.rows("SELECT count(*) FROM read_parquet('"
                    + destination.resolve(directory).resolve("*.parquet") + "')").get(0)), directory);
            try (Stream<Path> listed = Files.list(destination.resolve(directory))) {
                assertEquals(partition.get("file_count").asLong(), listed.count(), directory);
            }
            files += partition.get("file_count").asLong();
            rows += partition.get("row_count").asLong();
        }
        assertEquals(response.at("/data/export_result/files").size(), files);
        assertEquals(400_000, rows);
    }

    @Test
    void aScansBatchesArePartitionedAsSparkDoesWithExactRowGroups() throws Exception {
        // A Parquet source whose every column copies straight from the scan's batches, by a string column: the
        // columnar path, each batch's rows grouped by directory.
        long rowGroup = 65_536;
        Path destination = server.newLocalDestination("by-shipmode-batches");
        JsonNode response = post(destination, request -> {
            request.putArray("partition_by").add("shipmode");
            return request.put("dataset", "lineitemparquet").put("row_group_size", rowGroup);
        });
        Path reference = server.workDir.resolve("reference-partitioned-batches-" + System.nanoTime());
        server.datasets().read(server.spark, "lineitemparquet").write().partitionBy("shipmode").parquet(reference.toString());

        assertEquals(leafDirectories(reference), leafDirectories(destination));
        String perPartition = "SELECT shipmode, count(*), sum(orderkey * 10 + linenumber), sum(hash(comment)), "
                + "sum(hash(extendedprice)) FROM read_parquet('%s', hive_partitioning = true) GROUP BY ALL ORDER BY ALL";
        assertEquals(DuckDb.rows(String.format(perPartition, reference.resolve("**/*.parquet"))),
                DuckDb.rows(String.format(perPartition, destination.resolve("**/*.parquet"))));
        List<String> names = new ArrayList<>();
        response.at("/data/export_result/files").forEach(file -> names.add(file.asText()));
        int judged = 0;
        for (WrittenOutput.ParquetFile file : WrittenOutput.local(destination).parquetFiles(names)) {
            List<WrittenOutput.RowGroup> groups = file.rowGroups();
            for (int g = 0; g < groups.size() - 1; g++, judged++) {
                assertTrue(Math.abs(groups.get(g).compressedSize() - rowGroup) <= rowGroup / 10, "row group " + g + " of " + file);
            }
        }
        assertTrue(judged >= 4, "row groups to judge: " + judged);
    }

    @Test
    void partitionColumnsStayInTheFilesWhenAsked() throws Exception {
        Path destination = server.newLocalDestination("with-columns");
        JsonNode response = post(destination, request -> {
            request.putArray("partition_by").add("flag");
            return request.put("write_partition_columns", true);
        });
        String oneFile = destination.resolve(response.at("/data/export_result/files/0").asText()).toString();
        assertTrue(DuckDb.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('" + oneFile + "', hive_partitioning = false))")
                .contains("flag"));
        assertEquals(List.of("0"), DuckDb.rows("SELECT count(*) FROM read_parquet('" + destination.resolve("flag=true/*.parquet")
                + "', hive_partitioning = false) WHERE NOT flag"));
    }

    @Test
    void layoutTargetsHoldInsideEachDirectory() throws Exception {
        long target = 5 * ROW_GROUP_SIZE;
        Path destination = server.newLocalDestination("layout");
        JsonNode response = post(destination, request -> {
            request.putArray("partition_by").add("half");
            request.putArray("columns").add("half").add("id").add("hash").add("score");
            return request.put("row_group_size", ROW_GROUP_SIZE).put("target_file_size_bytes", target).put("include_file_stats", true);
        });

        Map<String, List<JsonNode>> byDirectoryAndTask = new LinkedHashMap<>();
        response.at("/data/export_result/file_stats").forEach(stat -> byDirectoryAndTask.computeIfAbsent(
                stat.get("file").asText().replaceAll("/[^/]*$", "") + "#" + stat.get("input_partition").asInt(), k -> new ArrayList<>()).add(stat));
        List<String> names = new ArrayList<>();
        response.at("/data/export_result/files").forEach(file -> names.add(file.asText()));
        Map<String, WrittenOutput.ParquetFile> parsed = new LinkedHashMap<>();
        List<WrittenOutput.ParquetFile> parquetFiles = WrittenOutput.local(destination).parquetFiles(names);
        for (int i = 0; i < names.size(); i++) {
            parsed.put(names.get(i), parquetFiles.get(i));
        }
        int rolled = 0;
        for (List<JsonNode> taskFiles : byDirectoryAndTask.values()) {
            for (int i = 0; i < taskFiles.size(); i++) {
                WrittenOutput.ParquetFile file = parsed.get(taskFiles.get(i).get("file").asText());
                if (i < taskFiles.size() - 1) {
                    rolled++;
                    assertTrue(Math.abs(file.fileBytes() - target) <= target / 10, "file size of " + file);
                }
                List<WrittenOutput.RowGroup> groups = file.rowGroups();
                for (int g = 0; g < groups.size() - 1; g++) {
                    assertTrue(Math.abs(groups.get(g).compressedSize() - ROW_GROUP_SIZE) <= ROW_GROUP_SIZE / 10, "row group " + g + " of " + file);
                }
            }
        }
        assertTrue(rolled >= 4, "files rolled over inside the directories: " + rolled);
        assertEquals(List.of("half=0", "half=1"), new ArrayList<>(leafDirectories(destination)));
    }

    @Test
    void jsonLinesArePartitionedToo() throws Exception {
        Path destination = server.newLocalDestination("jsonl");
        JsonNode response = post(destination, request -> {
            request.putArray("partition_by").add("category");
            return request.put("format", "Jsonl").put("compression", "gzip");
        });
        assertTrue(response.at("/data/export_result/files/0").asText().endsWith(".jsonl.gz"), response.toString());
        Path reference = server.workDir.resolve("reference-partitioned-json-" + System.nanoTime());
        server.datasets().read(server.spark, "partitioned").write().partitionBy("category").parquet(reference.toString());
        assertEquals(DuckDb.rows("SELECT category, count(*) FROM read_parquet('" + reference.resolve("**/*.parquet") + "', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"),
                DuckDb.rows("SELECT category, count(*) FROM read_json_auto('" + destination.resolve("**/*.jsonl.gz") + "', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"));
    }

    @Test
    void partitionedExportToS3HasNoDirectoryMarkers() throws Exception {
        String prefix = "partitioned/" + System.nanoTime();
        ObjectNode request = server.s3Request("/" + prefix).put("dataset", "partitioned");
        request.putArray("partition_by").add("category");
        JsonNode response = server.post(request.toString()).json();
        WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir).assertMatches(response);

        List<String> keys = new ArrayList<>();
        server.s3.blobStore().list(TestServer.BUCKET, org.jclouds.blobstore.options.ListContainerOptions.Builder.prefix(prefix + "/").recursive())
                .forEach(entry -> keys.add(entry.getName()));
        assertEquals(response.at("/data/export_result/files").size() + 1, keys.size(), "the files and the marker, no directory objects: " + keys);
        assertTrue(keys.contains(prefix + "/category=a%2Fb/part-00000.parquet"), keys.toString());
    }

    @Test
    void badPartitionColumnsAreRefused() throws Exception {
        for (String[] bad : new String[][] {{"[\"nope\"]", "partition_by[0]"}, {"[\"nested\"]", "partition_by[0]"},
                {"[\"id\", \"half\", \"hash\", \"score\", \"category\", \"flag\", \"nested\"]", "partition_by[6]"}}) {
            Path destination = server.newLocalDestination("refused");
            ObjectNode request = server.localRequest(destination).put("dataset", "partitioned");
            request.set("partition_by", TestServer.JSON.readTree(bad[0]));
            TestServer.Response response = server.post(request.toString());
            assertEquals(400, response.status(), response.body());
            assertTrue(response.json().at("/exception/message").asText().startsWith(bad[1] + ":"), response.body());
            assertFalse(Files.exists(destination));
        }
    }

    // --- helpers

    private JsonNode post(Path destination, java.util.function.UnaryOperator<ObjectNode> options) throws Exception {
        JsonNode response = server.post(options.apply(server.localRequest(destination).put("dataset", "partitioned")).toString()).json();
        WrittenOutput.local(destination).assertMatches(response);
        return response;
    }

    /** Directories holding data files, relative, as Spark's writer or ours left them. */
    private static TreeSet<String> leafDirectories(Path root) throws Exception {
        TreeSet<String> directories = new TreeSet<>();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.filter(path -> path.getFileName().toString().matches("part-.*\\.(parquet|jsonl.*)"))
                    .forEach(path -> directories.add(root.relativize(path.getParent()).toString()));
        }
        return directories;
    }
}
