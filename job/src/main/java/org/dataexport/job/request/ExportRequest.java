package org.dataexport.job.request;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

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
        String dataset,
        OutputOptions options) {

    public static final long DEFAULT_ROW_GROUP_SIZE = 40_000_000L;

    private static final String PATH_FIELD = "export_paths.paths[0]";
    // Exactly one JSON object: duplicate fields and anything after the object are refused.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ExportRequest {
        if (path == null || path.isBlank()) {
            throw new InvalidRequestException(PATH_FIELD, "must not be empty");
        }
        if (format == null) {
            format = Format.PARQUET;
        }
        if (mode == null) {
            mode = Mode.MULTI_FILE;
        }
        // The default is always accepted (clients generated from the API page send every field).
        if (rowGroupSizeBytes == 0) {
            rowGroupSizeBytes = DEFAULT_ROW_GROUP_SIZE;
        } else if (format == Format.JSONL && rowGroupSizeBytes != DEFAULT_ROW_GROUP_SIZE) {
            throw new InvalidRequestException("row_group_size", "applies to Parquet only; remove it (or send the default) for Jsonl");
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
        if (options == null) {
            options = OutputOptions.defaultFor(format);
        }
        if (mode == Mode.SINGLE_FILE && !options.partitionBy().isEmpty()) {
            throw new InvalidRequestException("partition_by", "applies to multi_file mode only (a partitioned export is a directory per value)");
        }
        if (dataset != null && !dataset.matches("[A-Za-z0-9_.-]{1,128}")) {
            throw new InvalidRequestException("dataset", "must be a dataset name from the server's configuration");
        }
        destination(path, storage);
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
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            throw new InvalidRequestException("", "the body must be exactly one JSON object, with nothing after it");
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
                request.optionalString("dataset").orElse(null),
                OutputOptions.parse(request, format));
        request.rejectUnknownFields();
        return parsed;
    }

    /** The files' name ending, codec included ({@code .jsonl.gz}). */
    public String extension() {
        return options.compression().extension(format);
    }

    /** Where the files go, in the one normalised form every check and the writer use. */
    public Destination destination() {
        return destination(path, storage);
    }

    /** Where the files go, as a Hadoop file system URI: {@code s3a://bucket/prefix}, {@code file:///dir}, {@code hdfs://nn/dir}. */
    public String destinationUri() {
        return destination().uri();
    }

    /**
     * The credentials a body carries, read leniently from a body that may not parse as a request:
     * so that a refusal's message can be scrubbed of them whatever field the caller misused.
     */
    public static List<String> secretsIn(String body) {
        try {
            JsonNode credentials = JSON.readTree(body).at("/export_paths/storage_config/credentials");
            return java.util.stream.Stream.of("access_key", "secret_key", "session_token")
                    .map(credentials::get).filter(node -> node != null && node.isTextual() && !node.textValue().isEmpty())
                    .map(JsonNode::textValue).toList();
        } catch (JsonProcessingException | RuntimeException e) {
            return List.of();
        }
    }

    public List<String> secrets() {
        return storage == null ? List.of() : storage.secrets();
    }

    private static Destination destination(String path, S3Storage storage) {
        return storage != null ? Destination.parseS3(PATH_FIELD, path, storage.bucket()) : Destination.parseEngine(PATH_FIELD, path);
    }

    @Override
    public String toString() {
        return "ExportRequest[path=" + org.dataexport.job.failure.CallerText.quote(path) + ", storage=" + storage + ", format=" + format.apiName()
                + ", mode=" + mode.apiName() + ", rowGroupSizeBytes=" + rowGroupSizeBytes
                + ", maxRowGroupsPerFile=" + maxRowGroupsPerFile + ", targetFileSizeBytes=" + targetFileSizeBytes
                + ", dataset=" + org.dataexport.job.failure.CallerText.quote(dataset)
                + ", compression=" + options.compression().codec().apiName() + "]";
    }
}
