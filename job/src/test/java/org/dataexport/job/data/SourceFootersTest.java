package org.dataexport.job.data;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which source files hold row groups the export may copy as they are. */
class SourceFootersTest {
    private static final long R = 1_000_000;
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message spark_schema { optional int64 id; optional binary text (STRING); }");
    private static final String WRITER = "parquet-mr version 1.16.0 (build abc)";
    private static final CompressionCodecName SNAPPY = CompressionCodecName.SNAPPY;
    private static final SourceFooters.Target TARGET = new SourceFooters.Target(SCHEMA, SNAPPY, R, true);
    private static final MessageType DATES = MessageTypeParser.parseMessageType("message spark_schema { optional int32 day (DATE); }");

    @Test
    void groupsWithinTenPercentAndAShortLastOneFit() {
        assertTrue(fits(file(WRITER, Map.of(), SCHEMA, SNAPPY, R * 109 / 100, R * 91 / 100, R / 3)));
        assertTrue(SourceFooters.endsShort(file(WRITER, Map.of(), SCHEMA, SNAPPY, R, R / 3), TARGET));
        assertFalse(SourceFooters.endsShort(file(WRITER, Map.of(), SCHEMA, SNAPPY, R / 3, R), TARGET));
        assertTrue(fits(file(WRITER, Map.of(), MessageTypeParser.parseMessageType(
                "message duckdb_schema { optional int64 id; optional binary text (STRING); }"), SNAPPY, R)), "the message's name aside");
    }

    @Test
    void anythingElseIsEncodedAgain() {
        assertFalse(fits(file(WRITER, Map.of(), SCHEMA, SNAPPY, R / 3)), "a small file: one short group");
        assertFalse(fits(file(WRITER, Map.of(), SCHEMA, SNAPPY, R, R * 85 / 100, R)), "a short group inside the file");
        assertFalse(fits(file(WRITER, Map.of(), SCHEMA, SNAPPY, R, R * 112 / 100)), "a last group over the bound");
        assertFalse(fits(file(WRITER, Map.of(), SCHEMA, CompressionCodecName.ZSTD, R)), "another codec");
        assertFalse(fits(file(WRITER, Map.of(), SCHEMA, SNAPPY, Encoding.DELTA_BINARY_PACKED, R)), "an encoding Spark does not write");
        assertFalse(fits(file(WRITER, Map.of(), MessageTypeParser.parseMessageType(
                "message spark_schema { required int64 id; optional binary text (STRING); }"), SNAPPY, R)), "another schema");
        assertFalse(fits(file(WRITER, Map.of("org.apache.spark.legacyDateTime", ""), SCHEMA, SNAPPY, R)), "Spark's legacy calendar");
        assertFalse(fits(file("parquet-mr version 1.6.0", Map.of(), SCHEMA, SNAPPY, R)), "a writer whose statistics are distrusted");
        assertFalse(SourceFooters.fits(Optional.empty(), TARGET), "a footer that could not be read");
    }

    @Test
    void datesOnlyFromSparkFilesReadAsTheyAreAndWrittenSo() {
        SourceFooters.Target dates = new SourceFooters.Target(DATES, SNAPPY, R, true);
        assertTrue(SourceFooters.fits(Optional.of(file(WRITER, Map.of("org.apache.spark.version", "4.1.2"), DATES, SNAPPY, R)), dates));
        assertFalse(SourceFooters.fits(Optional.of(file(WRITER, Map.of("org.apache.spark.version", "2.4.8"), DATES, SNAPPY, R)), dates),
                "Spark 2 wrote the hybrid calendar");
        assertFalse(SourceFooters.fits(Optional.of(file(WRITER, Map.of(), DATES, SNAPPY, R)), dates), "read by the session's rebase mode");
        assertFalse(SourceFooters.fits(Optional.of(file(WRITER, Map.of("org.apache.spark.version", "4.1.2"), DATES, SNAPPY, R)),
                new SourceFooters.Target(DATES, SNAPPY, R, false)), "the export writes the legacy calendar");
    }

    private static boolean fits(ParquetMetadata footer) {
        return SourceFooters.fits(Optional.of(footer), TARGET);
    }

    private static ParquetMetadata file(String createdBy, Map<String, String> keyValues, MessageType schema, CompressionCodecName codec,
                                        long... groupSizes) {
        return file(createdBy, keyValues, schema, codec, Encoding.PLAIN, groupSizes);
    }

    private static ParquetMetadata file(String createdBy, Map<String, String> keyValues, MessageType schema, CompressionCodecName codec,
                                        Encoding encoding, long... groupSizes) {
        List<BlockMetaData> blocks = new ArrayList<>();
        for (long size : groupSizes) {
            BlockMetaData block = new BlockMetaData();
            block.setRowCount(1000);
            for (ColumnDescriptor column : schema.getColumns()) {
                long chunk = size / schema.getColumns().size();
                block.addColumn(ColumnChunkMetaData.get(ColumnPath.get(column.getPath()), column.getPrimitiveType(), codec, null,
                        Set.of(encoding), Statistics.createStats(column.getPrimitiveType()), 0, 0, 1000, chunk, chunk * 2));
            }
            blocks.add(block);
        }
        return new ParquetMetadata(new FileMetaData(schema, keyValues, createdBy), blocks);
    }
}
