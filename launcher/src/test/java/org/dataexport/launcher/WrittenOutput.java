package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What an export left at its destination, read by a reader independent of the service: DuckDB's
 * parquet_metadata and parquet_file_metadata for the footers, DuckDB or plain line counts for rows.
 * S3 objects are fetched through the S3 server's own store, not through s3a.
 */
public final class WrittenOutput {
    public record RowGroup(long rows, long totalByteSize, long compressedSize) {
    }

    public record ParquetFile(String name, long rows, List<RowGroup> rowGroups, long fileBytes) {
        long uncompressedBytes() {
            return rowGroups.stream().mapToLong(RowGroup::totalByteSize).sum();
        }
    }

    private final Path directory;

    private WrittenOutput(Path directory) {
        this.directory = directory;
    }

    public static WrittenOutput local(Path directory) {
        return new WrittenOutput(directory);
    }

    /** Copies every object under the prefix out of the S3 server's store into a fresh local directory. */
    public static WrittenOutput s3(BlobStore store, String bucket, String prefix, Path scratch) throws IOException {
        Path copy = Files.createTempDirectory(scratch, "s3-copy-");
        String keyPrefix = prefix.replaceAll("^/+", "").replaceAll("/+$", "") + "/";
        for (StorageMetadata entry : store.list(bucket, ListContainerOptions.Builder.prefix(keyPrefix).recursive())) {
            String name = entry.getName().substring(keyPrefix.length());
            if (name.isEmpty() || name.endsWith("/")) {
                continue;
            }
            try (InputStream in = store.getBlob(bucket, entry.getName()).getPayload().openStream()) {
                Path target = copy.resolve(name);
                Files.createDirectories(target.getParent());
                Files.copy(in, target);
            }
        }
        return new WrittenOutput(copy);
    }

    public Path directory() {
        return directory;
    }

    /** Every entry at the destination, recursively, as relative names. */
    public TreeSet<String> entries() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        if (!Files.exists(directory)) {
            return names;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.filter(path -> !path.equals(directory)).forEach(path -> names.add(directory.relativize(path).toString()));
        }
        return names;
    }

    public List<ParquetFile> parquetFiles(List<String> names) throws SQLException {
        List<ParquetFile> files = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            for (String name : names) {
                String file = directory.resolve(name).toString().replace("'", "''");
                long rows;
                try (ResultSet meta = statement.executeQuery("SELECT num_rows FROM parquet_file_metadata('" + file + "')")) {
                    meta.next();
                    rows = meta.getLong(1);
                }
                List<RowGroup> groups = new ArrayList<>();
                try (ResultSet meta = statement.executeQuery(
                        "SELECT row_group_id, any_value(row_group_num_rows), any_value(row_group_bytes), sum(total_compressed_size) "
                                + "FROM parquet_metadata('" + file + "') GROUP BY row_group_id ORDER BY row_group_id")) {
                    while (meta.next()) {
                        groups.add(new RowGroup(meta.getLong(2), meta.getLong(3), meta.getLong(4)));
                    }
                }
                files.add(new ParquetFile(name, rows, groups, sizeOf(name)));
            }
        }
        return files;
    }

    /** Rows counted by scanning the files with DuckDB (not from footers). */
    public long scannedParquetRows() throws SQLException {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet count = statement.executeQuery("SELECT count(*) FROM read_parquet('" + directory.resolve("**/*.parquet") + "')")) {
            count.next();
            return count.getLong(1);
        }
    }

    public long sizeOf(String name) {
        try {
            return Files.size(directory.resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public long lineCount(String name) throws IOException {
        try (java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                decompressed(name), java.nio.charset.StandardCharsets.UTF_8)); Stream<String> lines = reader.lines()) {
            return lines.count();
        }
    }

    /** The JSON text of a JSON lines file, its codec (by its name: .gz, .zst) undone by the JDK's and zstd-jni's own readers. */
    public InputStream decompressed(String name) throws IOException {
        InputStream in = Files.newInputStream(directory.resolve(name));
        if (name.endsWith(".gz")) {
            return new java.util.zip.GZIPInputStream(in);
        }
        return name.endsWith(".zst") ? new com.github.luben.zstd.ZstdInputStream(in) : in;
    }

    /** The bytes of JSON text a JSON lines file holds, decompressed. */
    public long textBytes(String name) throws IOException {
        try (InputStream in = decompressed(name)) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    /**
     * Asserts the response describes exactly what is at the destination: the listing, and every
     * figure of export_result recomputed from the files.
     */
    public void assertMatches(JsonNode response) throws IOException, SQLException {
        assertEquals(200, response.get("code").asInt(), response.toString());
        JsonNode result = response.at("/data/export_result");
        List<String> files = new ArrayList<>();
        result.get("files").forEach(file -> files.add(file.asText()));
        boolean parquet = files.get(0).endsWith(".parquet");
        String firstName = files.get(0).substring(files.get(0).lastIndexOf('/') + 1);
        String extension = firstName.substring(firstName.indexOf('.'));
        TreeSet<String> expected = new TreeSet<>(files);
        expected.add("_SUCCESS");
        java.util.Map<String, Integer> next = new java.util.HashMap<>();
        for (String file : files) {
            // Part numbers are contiguous within each directory (partition_by), from 0.
            String dir = file.contains("/") ? file.substring(0, file.lastIndexOf('/')) : "";
            int number = next.merge(dir, 1, Integer::sum) - 1;
            assertEquals((dir.isEmpty() ? "" : dir + "/") + String.format("part-%05d%s", number, extension), file);
            for (String parent = dir; !parent.isEmpty(); parent = parent.contains("/") ? parent.substring(0, parent.lastIndexOf('/')) : "") {
                expected.add(parent);
            }
        }
        assertEquals(expected, entries(), "the destination holds the listed files and the marker, nothing else");

        long rows = 0;
        long rowGroups = 0;
        long uncompressed = 0;
        if (parquet) {
            for (ParquetFile file : parquetFiles(files)) {
                rows += file.rows();
                rowGroups += file.rowGroups().size();
                uncompressed += file.uncompressedBytes();
            }
            assertEquals(rows, scannedParquetRows(), "footer row counts equal a scan");
        } else {
            for (String file : files) {
                rows += lineCount(file);
                uncompressed += textBytes(file);
            }
        }
        assertEquals(rows, result.get("total_row_count").asLong(), "total_row_count");
        assertEquals(rowGroups, result.get("num_row_groups").asLong(), "num_row_groups");
        assertEquals(uncompressed, result.get("total_uncompressed_byte_size").asLong(), "total_uncompressed_byte_size");
        assertEquals(rowGroups == 0 ? 0 : uncompressed / rowGroups, result.get("average_uncompressed_row_group_size").asLong(),
                "average_uncompressed_row_group_size");
    }
}
