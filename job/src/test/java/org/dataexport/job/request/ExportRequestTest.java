package org.dataexport.job.request;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportRequestTest {
    private static final String S3 = """
            {"export_paths": {"paths": ["/export/dir/"], "storage_config": {"storage_type": "S3", "bucket": "my_bucket",
              "credentials": {"access_key": "AK", "secret_key": "SK-123456"},
              "options": {"allow_http": true, "endpoint": "http://127.0.0.1:8080", "region": null, "virtual_hosted_style": false}}}%s}
            """;

    @Test
    void contractDefaults() {
        ExportRequest request = ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"/tmp/out\"]}}");

        assertEquals(Format.PARQUET, request.format());
        assertEquals(Mode.MULTI_FILE, request.mode());
        assertEquals(40_000_000L, request.rowGroupSizeBytes());
        assertEquals(0, request.maxRowGroupsPerFile());
        assertEquals(0, request.targetFileSizeBytes());
        assertFalse(request.includeMetrics());
        assertNull(request.storage());
        assertNull(request.dataset());
        assertEquals("file:///tmp/out", request.destinationUri(), "a plain absolute path is on the local file system");
    }

    @Test
    void zeroAndNullMeanNotSet() {
        ExportRequest request = ExportRequest.fromJson(String.format(S3,
                ", \"row_group_size\": 0, \"max_row_groups_per_file\": null, \"target_file_size_bytes\": 0, \"format\": null, \"mode\": null"));

        assertEquals(ExportRequest.DEFAULT_ROW_GROUP_SIZE, request.rowGroupSizeBytes());
        assertEquals(0, request.maxRowGroupsPerFile());
        assertEquals(0, request.targetFileSizeBytes());
    }

    @Test
    void s3PathBecomesAKeyPrefixInTheBucket() {
        ExportRequest request = ExportRequest.fromJson(String.format(S3, ""));

        assertEquals("s3a://my_bucket/export/dir", request.destinationUri());
        assertEquals("/export/dir/", request.path(), "output_prefix is the path as given");
    }

    @Test
    void formatNamesAreCaseInsensitive() {
        assertEquals(Format.JSONL, ExportRequest.fromJson(String.format(S3, ", \"format\": \"jsonl\"")).format());
        assertEquals(Format.PARQUET, ExportRequest.fromJson(String.format(S3, ", \"format\": \"PARQUET\"")).format());
    }

    @Test
    void secretsNeverShowInToString() {
        ExportRequest request = ExportRequest.fromJson(String.format(S3, ""));

        assertFalse(request.toString().contains("SK-123456"));
        assertFalse(request.toString().contains("\"AK\""));
        assertFalse(request.storage().toString().contains("AK,"));
        assertTrue(request.secrets().contains("SK-123456"));
    }

    @Test
    void objectStoreUriWithoutStorageConfigIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"s3a://bucket/dir\"]}}"));
        assertEquals("export_paths.paths[0]", e.field());
    }

    @Test
    void relativeLocalPathIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"out/dir\"]}}"));
        assertEquals("export_paths.paths[0]", e.field());
    }

    @Test
    void defaultsAreAcceptedInEveryCombination() {
        for (String format : new String[] {"\"Parquet\"", "\"Jsonl\"", "null"}) {
            for (String mode : new String[] {"\"multi_file\"", "\"single_file\"", "null"}) {
                ExportRequest request = ExportRequest.fromJson(String.format(S3, ", \"format\": " + format + ", \"mode\": " + mode
                        + ", \"row_group_size\": 40000000, \"max_row_groups_per_file\": null, \"target_file_size_bytes\": null,"
                        + " \"include_metrics\": false, \"dataset\": null"));
                assertEquals(ExportRequest.DEFAULT_ROW_GROUP_SIZE, request.rowGroupSizeBytes());
            }
        }
    }

    @Test
    void exactlyOneJsonObject() {
        for (String body : new String[] {String.format(S3, "") + " garbage", String.format(S3, "") + String.format(S3, ""), "{} []"}) {
            assertThrows(InvalidRequestException.class, () -> ExportRequest.fromJson(body), body);
        }
    }

    @Test
    void hadoopUrisAreKept() {
        assertEquals("hdfs://namenode:8020/exports/x",
                ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"hdfs://namenode:8020/exports/x/\"]}}").destinationUri());
    }
}
