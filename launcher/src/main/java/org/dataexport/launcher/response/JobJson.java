package org.dataexport.launcher.response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.ProgressReport;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.launcher.jobs.JobRecord;
import org.dataexport.launcher.jobs.JobState;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The job API's answers, in the API's envelope ({@link ResponseJson}). */
public final class JobJson {
    private JobJson() {
    }

    /** Where a job's status is read. */
    public static String statusUrl(String exportId) {
        return "/v2/data/export/" + exportId;
    }

    /** 202 to an asynchronous submission (or a DELETE while the export stops). */
    public static ObjectNode accepted(JobRecord job) {
        ObjectNode data = ResponseJson.MAPPER.createObjectNode();
        data.put("export_id", job.exportId());
        data.put("state", job.state().apiName());
        data.put("status_url", statusUrl(job.exportId()));
        return ResponseJson.envelope(202, true, data, null);
    }

    /** 200 with the job: state, times, destination, progress and, once ended, its result or its failure. */
    public static ObjectNode job(JobRecord job) {
        ObjectNode outcome = outcome(job);
        return ResponseJson.envelope(200, true, data(job, outcome), outcome.get("exception"));
    }

    /** 200 with the jobs, newest first. */
    public static ObjectNode list(List<JobRecord> jobs) {
        ObjectNode data = ResponseJson.MAPPER.createObjectNode();
        ArrayNode exports = data.putArray("exports");
        jobs.forEach(job -> exports.add(data(job, outcome(job))));
        data.put("count", jobs.size());
        return ResponseJson.envelope(200, true, data, null);
    }

    /**
     * The envelope a synchronous call gets for a job that has ended: what it recorded, or (a job
     * interrupted by a launcher that died) a failure saying so.
     */
    public static ObjectNode outcome(JobRecord job) {
        if (job.outcome().isPresent()) {
            try {
                if (ResponseJson.MAPPER.readTree(job.outcome().get()) instanceof ObjectNode envelope) {
                    return envelope;
                }
            } catch (JsonProcessingException e) {
                // fall through: an unreadable record reads as what its state says
            }
        }
        if (job.state() == JobState.INTERRUPTED) {
            return ResponseJson.failure(ErrorType.SHUTTING_DOWN, job.message().orElse("the launcher running this export stopped"));
        }
        return ResponseJson.envelope(200, true, null, null);
    }

    /** The job's fields; {@code outcome} is its recorded envelope ({@link #outcome}), read once by the caller. */
    private static ObjectNode data(JobRecord job, ObjectNode outcome) {
        ObjectNode data = ResponseJson.MAPPER.createObjectNode();
        data.put("export_id", job.exportId());
        data.put("state", job.state().apiName());
        data.put("submitted_at", job.submittedAt().toString());
        putTime(data, "started_at", job.startedAt());
        putTime(data, "finished_at", job.finishedAt());
        data.put("output_prefix", job.target().outputPrefix());
        job.target().bucket().ifPresent(bucket -> data.put("bucket", bucket));
        data.put("format", job.target().format());
        data.put("mode", job.target().mode());
        data.put("row_group_size", job.target().rowGroupSizeBytes());
        data.put("max_row_groups_per_file", job.target().maxRowGroupsPerFile());
        data.put("target_file_size_bytes", job.target().targetFileSizeBytes());
        data.set("progress", ProgressReport.json(job.progress()));
        job.message().ifPresent(message -> data.put("message", message));
        JsonNode result = outcome.get("data");
        if (job.state() == JobState.SUCCEEDED && result instanceof ObjectNode recorded) {
            for (String field : new String[] {"export_result", "metrics"}) {
                if (recorded.has(field)) {
                    data.set(field, recorded.get(field));
                }
            }
        }
        return data;
    }

    private static void putTime(ObjectNode data, String field, Optional<Instant> time) {
        if (time.isPresent()) {
            data.put(field, time.get().toString());
        } else {
            data.putNull(field);
        }
    }
}
