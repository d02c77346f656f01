package org.dataexport.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;

/** The API's response envelope, {code, success, data, exception}, with the contract's field names. */
public final class ResponseJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ResponseJson() {
    }

    public static ObjectNode success(ExportResult result, boolean includeFileStats, Metrics metrics) {
        ObjectNode data = MAPPER.createObjectNode();
        data.set("export_result", exportResult(result, includeFileStats));
        if (metrics != null) {
            ObjectNode node = data.putObject("metrics");
            node.put("elapsed_time", metrics.elapsedSeconds());
            node.put("rss_peak_bytes", metrics.rssPeakBytes());
        }
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.put("code", 200);
        envelope.put("success", true);
        envelope.set("data", data);
        envelope.putNull("exception");
        return envelope;
    }

    /** Any envelope: every answer of the API, a job's included, is built here. */
    public static ObjectNode envelope(int code, boolean success, com.fasterxml.jackson.databind.JsonNode data,
                                      com.fasterxml.jackson.databind.JsonNode exception) {
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.put("code", code);
        envelope.put("success", success);
        envelope.set("data", data == null ? MAPPER.nullNode() : data);
        envelope.set("exception", exception == null ? MAPPER.nullNode() : exception);
        return envelope;
    }

    public static ObjectNode failure(ErrorType type, String message) {
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.put("code", type.status());
        envelope.put("success", false);
        envelope.putNull("data");
        ObjectNode exception = envelope.putObject("exception");
        exception.put("type", type.apiName());
        exception.put("message", message);
        return envelope;
    }

    public static ObjectNode failure(ExportFailure failure) {
        return failure(failure.errorType(), failure.getMessage());
    }

    public static ObjectNode exportResult(ExportResult result, boolean includeFileStats) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("average_uncompressed_row_group_size", result.averageUncompressedRowGroupSize());
        ArrayNode files = node.putArray("files");
        result.files().forEach(files::add);
        node.put("mode", result.mode());
        node.put("num_row_groups", result.numRowGroups());
        node.put("output_prefix", result.outputPrefix());
        if (!result.partitions().isEmpty()) {
            ArrayNode partitions = node.putArray("partitions");
            for (ExportResult.PartitionStats partition : result.partitions()) {
                partitions.addObject().put("directory", partition.directory()).put("file_count", partition.files())
                        .put("row_count", partition.rows()).put("file_size_bytes", partition.bytes());
            }
        }
        node.put("total_row_count", result.totalRowCount());
        node.put("total_uncompressed_byte_size", result.totalUncompressedByteSize());
        if (includeFileStats) {
            ArrayNode stats = node.putArray("file_stats");
            for (ExportResult.FileStats file : result.fileStats()) {
                ObjectNode entry = stats.addObject();
                entry.put("file", file.file());
                entry.put("row_count", file.rows());
                entry.put("num_row_groups", file.rowGroups());
                entry.put("file_size_bytes", file.bytes());
                entry.put("uncompressed_byte_size", file.uncompressedBytes());
                entry.put("input_partition", file.inputPartition());
            }
        }
        return node;
    }

    /** {@code elapsed_time} (seconds, request accepted to result ready) and {@code rss_peak_bytes}. */
    public record Metrics(double elapsedSeconds, long rssPeakBytes) {
    }
}
