package org.dataexport.job.request;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One export request, validated at construction: every instance is runnable as it stands.
 *
 * <p>Numbers follow the contract: 0 and null both mean "not set", so {@code rowGroupSizeBytes} holds
 * the effective size (the default when unset) and {@code maxRowGroupsPerFile} and
 * {@code targetFileSizeBytes} hold 0 for "no limit".
 */
public record ExportRequest(
        String path,
        S3Storage storage,
        Format format,
        Mode mode,
        long rowGroupSizeBytes,
        long maxRowGroupsPerFile,
        long targetFileSizeBytes,
        boolean includeMetrics,
        boolean includeFileStats,
        String dataset) implements Serializable {

    public static final long DEFAULT_ROW_GROUP_SIZE = 40_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    // Destinations that need the request's own credentials go through storage_config, never the
    // server's file system configuration.
    private static final Set<String> OBJECT_STORE_SCHEMES = Set.of("s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs");
    // File systems a path without storage_config may name.
    private static final Set<String> ENGINE_SCHEMES = Set.of("file", "hdfs", "viewfs", "webhdfs", "swebhdfs");
    // The staging directory's name: a destination inside another export's staging area is refused.
    private static final String STAGING_SEGMENT = "_temporary";

    public ExportRequest {
        if (path == null || path.isBlank()) {
            throw new InvalidRequestException("export_paths.paths[0]", "must not be empty");
        }
        if (format == null) {
            format = Format.PARQUET;
        }
        if (mode == null) {
            mode = Mode.MULTI_FILE;
        }
        if (rowGroupSizeBytes == 0) {
            rowGroupSizeBytes = DEFAULT_ROW_GROUP_SIZE;
        } else if (format == Format.JSONL) {
            throw new InvalidRequestException("row_group_size", "applies to Parquet only; remove it for Jsonl");
        }
        if (maxRowGroupsPerFile > 0 && format == Format.JSONL) {
            throw new InvalidRequestException("max_row_groups_per_file", "applies to Parquet only; Jsonl files have no row groups");
        }
        if (mode == Mode.SINGLE_FILE) {
            if (maxRowGroupsPerFile > 0) {
                throw new InvalidRequestException("max_row_groups_per_file", "applies to multi_file mode only");
            }
            if (targetFileSizeBytes > 0) {
                throw new InvalidRequestException("target_file_size_bytes", "applies to multi_file mode only");
            }
        }
        if (dataset != null && !dataset.matches("[A-Za-z0-9_.-]{1,128}")) {
            throw new InvalidRequestException("dataset", "must be a dataset name from the server's configuration");
        }
        destinationUri(path, storage);
    }

    public static ExportRequest fromJson(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (StreamReadException e) {
            // Jackson's own message quotes the offending input, which may be a secret: say only where.
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? e.getOriginalMessage() : "malformed JSON";
            throw new InvalidRequestException("", what + where);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("", "malformed JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidRequestException("", "the request body is empty; send the export request as JSON");
        }
        return fromJson(root);
    }

    public static ExportRequest fromJson(JsonNode root) {
        JsonFields request = JsonFields.root(root);
        JsonFields exportPaths = request.requiredObject("export_paths");
        List<String> paths = exportPaths.requiredStringArray("paths");
        if (paths.size() != 1) {
            throw new InvalidRequestException("export_paths.paths", "must hold exactly one directory (got " + paths.size() + ")");
        }
        S3Storage storage = exportPaths.optionalObject("storage_config").map(S3Storage::parse).orElse(null);
        exportPaths.rejectUnknownFields();

        Format format = request.optionalString("format").map(value -> Format.parse("format", value)).orElse(Format.PARQUET);
        Mode mode = request.optionalString("mode").map(value -> Mode.parse("mode", value)).orElse(Mode.MULTI_FILE);
        ExportRequest parsed = new ExportRequest(
                paths.get(0),
                storage,
                format,
                mode,
                request.optionalNonNegativeLong("row_group_size"),
                request.optionalNonNegativeLong("max_row_groups_per_file"),
                request.optionalNonNegativeLong("target_file_size_bytes"),
                request.optionalBoolean("include_metrics").orElse(false),
                request.optionalBoolean("include_file_stats").orElse(false),
                request.optionalString("dataset").orElse(null));
        request.rejectUnknownFields();
        return parsed;
    }

    /** Where the files go, as a Hadoop file system URI: {@code s3a://bucket/prefix}, {@code file:/dir}, {@code hdfs://...}. */
    public String destinationUri() {
        return destinationUri(path, storage);
    }

    public List<String> secrets() {
        return storage == null ? List.of() : storage.secrets();
    }

    private static String destinationUri(String path, S3Storage storage) {
        String field = "export_paths.paths[0]";
        if (storage != null) {
            String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
            if (prefix.isEmpty()) {
                throw new InvalidRequestException(field, "must name a directory inside the bucket, such as \"/export/dir\"");
            }
            for (String segment : prefix.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.equals(STAGING_SEGMENT)) {
                    throw new InvalidRequestException(field, "must be a plain key prefix without empty, '.', '..' or '"
                            + STAGING_SEGMENT + "' segments");
                }
            }
            return "s3a://" + storage.bucket() + "/" + prefix;
        }
        URI uri;
        try {
            uri = new URI(path);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "is not a valid path or URI");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme != null && OBJECT_STORE_SCHEMES.contains(scheme)) {
            throw new InvalidRequestException(field, "an object store destination needs export_paths.storage_config "
                    + "with its bucket and credentials; give the path as a key prefix such as \"/export/dir\"");
        }
        if (scheme != null && !ENGINE_SCHEMES.contains(scheme)) {
            throw new InvalidRequestException(field, "must be an absolute path or a URI with one of the schemes " + ENGINE_SCHEMES);
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidRequestException(field, "must not carry credentials");
        }
        String dirPath = uri.getPath();
        if (dirPath == null || !dirPath.startsWith("/")) {
            throw new InvalidRequestException(field, "must be an absolute directory path or a URI such as hdfs://namenode/dir");
        }
        if (dirPath.replaceAll("/+", "/").equals("/")) {
            throw new InvalidRequestException(field, "must name a directory, not the file system root");
        }
        if (("/" + dirPath + "/").contains("/../") || ("/" + dirPath + "/").contains("/./")
                || ("/" + dirPath + "/").contains("/" + STAGING_SEGMENT + "/")) {
            throw new InvalidRequestException(field, "must not contain '.', '..' or '" + STAGING_SEGMENT + "' segments");
        }
        // A path without a scheme lands on the engine's default file system (fs.defaultFS).
        return path.replaceAll("/+$", "");
    }

    @Override
    public String toString() {
        return "ExportRequest[path=" + path + ", storage=" + storage + ", format=" + format.apiName()
                + ", mode=" + mode.apiName() + ", rowGroupSizeBytes=" + rowGroupSizeBytes
                + ", maxRowGroupsPerFile=" + maxRowGroupsPerFile + ", targetFileSizeBytes=" + targetFileSizeBytes
                + ", dataset=" + dataset + "]";
    }
}
