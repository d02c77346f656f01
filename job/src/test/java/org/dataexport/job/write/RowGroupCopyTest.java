package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.data.DatasetDefinition;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.request.ExportRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row groups that already fit are copied byte for byte, through the export itself: a first export
 * writes plain-encoded groups of R; exporting those again at R (dictionaries allowed) gives the same
 * groups, still plain, with the same rows; anything that does not fit is encoded again.
 */
class RowGroupCopyTest {
    private static final long R = 256 * 1024;
    @TempDir
    static Path dir;
    private static ExportJob job;

    @BeforeAll
    static void firstExport() {
        SparkSession spark = TestSpark.get();
        spark.range(0, 400_000, 1, 2).selectExpr("id", "id % 97 AS small", "uuid() AS text", "CAST(id AS DOUBLE) / 7 AS ratio",
                "IF(id % 5 = 0, NULL, CONCAT('v', id % 1000)) AS label").write().parquet(dir.resolve("raw").toString());
        job = new ExportJob(spark, new DatasetCatalog("raw", Map.of(
                "raw", new DatasetDefinition("raw", "parquet", Map.of("path", dir.resolve("raw").toUri().toString())),
                "first", new DatasetDefinition("first", "parquet", Map.of("path", dir.resolve("first").toUri().toString())))),
                ExportLimits.DEFAULTS, Optional.empty(), LeaseSettings.forThisProcess("row-group-copy-test"));
        export("raw", "first", "\"row_group_size\": " + R + ", \"parquet_options\": {\"dictionary\": false}");
    }

    @Test
    void fittingRowGroupsAreCopiedAsTheyAre() throws IOException {
        ExportResult result = export("first", "copied", "\"row_group_size\": " + R);
        List<BlockMetaData> source = blocks(dir.resolve("first"));
        List<BlockMetaData> copied = blocks(dir.resolve("copied"));
        assertEquals(sizes(source), sizes(copied), "the same row groups");
        assertTrue(copied.stream().flatMap(block -> block.getColumns().stream()).noneMatch(RowGroupCopyTest::dictionaryEncoded),
                "copied, not encoded again: still without dictionaries");
        assertTrue(pageIndexes(dir.resolve("first")), "the source has page indexes");
        assertTrue(pageIndexes(dir.resolve("copied")), "and they are copied with the chunks");
        assertEquals(400_000, result.totalRowCount());
        assertEquals(copied.size(), result.numRowGroups());
        assertEquals(0, rows("first").except(rows("copied")).count() + rows("copied").except(rows("first")).count());
    }

    @Test
    void rowGroupsOfAnotherSizeAreEncodedAgainWithinTheBound() throws IOException {
        export("first", "larger", "\"row_group_size\": " + 2 * R);
        List<BlockMetaData> blocks = blocks(dir.resolve("larger"));
        assertTrue(blocks.stream().flatMap(block -> block.getColumns().stream()).anyMatch(RowGroupCopyTest::dictionaryEncoded), "encoded again");
        assertEquals(400_000, rows("larger").count());
    }

    @Test
    void aFilterOrAnotherCodecIsEncodedAgain() throws IOException {
        export("first", "filtered", "\"row_group_size\": " + R + ", \"filter\": \"id >= 0\"");
        export("first", "zstd", "\"row_group_size\": " + R + ", \"compression\": \"zstd\"");
        for (String name : List.of("filtered", "zstd")) {
            assertTrue(blocks(dir.resolve(name)).stream().flatMap(block -> block.getColumns().stream())
                    .anyMatch(RowGroupCopyTest::dictionaryEncoded), name + " is encoded again");
        }
    }

    @Test
    void maxRowGroupsPerFileRollsCopiedGroups() throws IOException {
        ExportResult result = export("first", "two-a-file", "\"row_group_size\": " + R + ", \"max_row_groups_per_file\": 2");
        for (String file : result.files()) {
            List<BlockMetaData> blocks = blocks(dir.resolve("two-a-file").resolve(file));
            assertTrue(blocks.size() <= 2 && !blocks.isEmpty(), file + " holds " + blocks.size() + " groups");
            for (int i = 0; i < blocks.size() - 1; i++) {
                assertTrue(Math.abs(blocks.get(i).getCompressedSize() - R) <= R / 10, "every group but a file's last within 10%");
            }
        }
        assertEquals(sizes(blocks(dir.resolve("first"))), sizes(blocks(dir.resolve("two-a-file"))));
        assertFalse(blocks(dir.resolve("two-a-file")).stream().flatMap(block -> block.getColumns().stream())
                .anyMatch(RowGroupCopyTest::dictionaryEncoded));
    }

    private static ExportResult export(String dataset, String to, String layout) {
        return job.run(ExportRequest.fromJson("{\"dataset\": \"" + dataset + "\", \"export_paths\": {\"paths\": [\"" + dir.resolve(to)
                + "\"]}, \"include_file_stats\": true, " + layout + "}"));
    }

    private static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows(String name) {
        return TestSpark.get().read().parquet(dir.resolve(name).toString());
    }

    private static boolean dictionaryEncoded(ColumnChunkMetaData chunk) {
        return chunk.getEncodings().contains(Encoding.PLAIN_DICTIONARY) || chunk.getEncodings().contains(Encoding.RLE_DICTIONARY);
    }

    /** Row-group sizes, sorted: Spark lists a scan's files largest first, so the copies' order is the scan's. */
    private static List<Long> sizes(List<BlockMetaData> blocks) {
        return blocks.stream().map(BlockMetaData::getCompressedSize).sorted().toList();
    }

    /** Whether every column chunk of every part file has its column and offset index. */
    private static boolean pageIndexes(Path directory) throws IOException {
        try (var list = java.nio.file.Files.list(directory)) {
            for (Path file : list.filter(each -> each.getFileName().toString().endsWith(".parquet")).toList()) {
                try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()),
                        new Configuration()))) {
                    for (BlockMetaData block : reader.getFooter().getBlocks()) {
                        for (ColumnChunkMetaData chunk : block.getColumns()) {
                            if (reader.readColumnIndex(chunk) == null || reader.readOffsetIndex(chunk) == null) {
                                return false;
                            }
                        }
                    }
                }
            }
        }
        return true;
    }

    /** The row groups of a file, or of a directory's part files in name order. */
    private static List<BlockMetaData> blocks(Path path) throws IOException {
        List<Path> files = new ArrayList<>();
        if (java.nio.file.Files.isDirectory(path)) {
            try (var list = java.nio.file.Files.list(path)) {
                list.filter(file -> file.getFileName().toString().endsWith(".parquet")).sorted().forEach(files::add);
            }
        } else {
            files.add(path);
        }
        List<BlockMetaData> blocks = new ArrayList<>();
        for (Path file : files) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()),
                    new Configuration()))) {
                blocks.addAll(reader.getFooter().getBlocks());
            }
        }
        return blocks;
    }
}
