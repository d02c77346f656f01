package org.dataexport.job.request;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class OutputOptionsTest {
    private static ExportRequest parse(String fields) {
        return ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"/tmp/out\"]}" + fields + "}");
    }

    @Test
    void defaultsAreSnappyParquetAndPlainJsonLines() {
        assertEquals(Compression.Codec.SNAPPY, parse("").options().compression().codec());
        assertEquals(".parquet", parse("").extension());
        assertEquals(Compression.Codec.NONE, parse(", \"format\": \"Jsonl\"").options().compression().codec());
        assertEquals(".jsonl", parse(", \"format\": \"Jsonl\"").extension());
        assertEquals(ParquetTuning.DEFAULT, parse("").options().parquet());
    }

    @Test
    void everyOptionParses() {
        ExportRequest request = parse("""
                , "compression": "zstd", "compression_level": 9, "columns": ["a", "b"], "filter": "a > 1",
                "parquet_options": {"dictionary": ["b"], "bloom_filter_columns": ["a"], "page_size_bytes": 65536,
                  "writer_version": "v2", "key_value_metadata": {"owner": "team-x"}}""");

        assertEquals(new Compression(Compression.Codec.ZSTD, 9), request.options().compression());
        assertEquals(List.of("a", "b"), request.options().columns());
        assertEquals("a > 1", request.options().filter().orElseThrow());
        ParquetTuning parquet = request.options().parquet();
        assertEquals(List.of("b"), parquet.noDictionaryColumns());
        assertEquals(List.of("a"), parquet.bloomFilterColumns());
        assertEquals(65536, parquet.pageSizeBytes());
        assertEquals(ParquetTuning.WriterVersion.V2, parquet.writerVersion());
        assertEquals(Map.of("owner", "team-x"), parquet.keyValueMetadata());
        assertEquals(".jsonl.gz", parse(", \"format\": \"Jsonl\", \"compression\": \"gzip\"").extension());
        assertEquals(".jsonl.zst", parse(", \"format\": \"Jsonl\", \"compression\": \"zstd\"").extension());
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                arguments(", \"compression\": \"brotli\"", "compression"),
                arguments(", \"compression\": 3", "compression"),
                arguments(", \"format\": \"Jsonl\", \"compression\": \"snappy\"", "compression"),
                arguments(", \"compression\": \"snappy\", \"compression_level\": 3", "compression_level"),
                arguments(", \"compression_level\": 3", "compression_level"),
                arguments(", \"compression\": \"gzip\", \"compression_level\": 3", "compression_level"),
                arguments(", \"compression\": \"zstd\", \"compression_level\": 23", "compression_level"),
                arguments(", \"compression\": \"zstd\", \"compression_level\": -1", "compression_level"),
                arguments(", \"format\": \"Jsonl\", \"parquet_options\": {}", "parquet_options"),
                arguments(", \"parquet_options\": {\"dictionary\": \"yes\"}", "parquet_options.dictionary"),
                arguments(", \"parquet_options\": {\"dictionary\": [\"a\", \"a\"]}", "parquet_options.dictionary"),
                arguments(", \"parquet_options\": {\"bloom_filter_columns\": [\"\"]}", "parquet_options.bloom_filter_columns[0]"),
                arguments(", \"parquet_options\": {\"bloom_filter_columns\": \"a\"}", "parquet_options.bloom_filter_columns"),
                arguments(", \"parquet_options\": {\"page_size_bytes\": 10}", "parquet_options.page_size_bytes"),
                arguments(", \"parquet_options\": {\"page_size_bytes\": 1099511627776}", "parquet_options.page_size_bytes"),
                arguments(", \"parquet_options\": {\"writer_version\": \"v3\"}", "parquet_options.writer_version"),
                arguments(", \"parquet_options\": {\"key_value_metadata\": {\"k\": 1}}", "parquet_options.key_value_metadata.k"),
                arguments(", \"parquet_options\": {\"key_value_metadata\": {\"org.apache.spark.version\": \"1\"}}",
                        "parquet_options.key_value_metadata.org.apache.spark.version"),
                arguments(", \"parquet_options\": {\"compression\": \"zstd\"}", "parquet_options.compression"),
                arguments(", \"columns\": \"a\"", "columns"),
                arguments(", \"columns\": [\"a\", \"A\"]", "columns[1]"),
                arguments(", \"columns\": [\" \"]", "columns[0]"),
                arguments(", \"filter\": \"\"", "filter"),
                arguments(", \"filter\": true", "filter"),
                arguments(", \"filter\": \"" + "x".repeat(5000) + "\"", "filter"),
                arguments(", \"partition_by\": \"a\"", "partition_by"),
                arguments(", \"partition_by\": [\"a\", \"A\"]", "partition_by[1]"),
                arguments(", \"partition_by\": [\"\"]", "partition_by[0]"),
                arguments(", \"partition_by\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\"]", "partition_by"),
                arguments(", \"partition_by\": [\"a\"], \"mode\": \"single_file\"", "partition_by"),
                arguments(", \"write_partition_columns\": true", "write_partition_columns"),
                arguments(", \"partition_by\": [\"a\"], \"write_partition_columns\": 1", "write_partition_columns"));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("badOptions")
    void badValuesNameTheirField(String fields, String field) {
        InvalidRequestException error = assertThrows(InvalidRequestException.class, () -> parse(fields));
        assertEquals(400, error.status());
        assertEquals(field, error.field(), error.getMessage());
    }
}
