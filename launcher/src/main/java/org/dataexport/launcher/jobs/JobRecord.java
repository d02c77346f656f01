package org.dataexport.launcher.jobs;

import org.dataexport.job.progress.Progress;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the job store keeps of an export, and nothing more: what its GET shows. Never a credential, a
 * token (only its digest, {@code owner}) or the request body.
 *
 * @param launcherId the launcher that runs (or ran) it: a restart of that launcher marks it interrupted
 * @param outcome    once ended: the envelope a synchronous call answered (or would have), as JSON
 * @param message    why it was interrupted or is being cancelled, for its GET
 */
public record JobRecord(String exportId, String owner, String launcherId, JobState state, Instant submittedAt,
                        Optional<Instant> startedAt, Optional<Instant> finishedAt, Target target, Progress progress,
                        Optional<String> outcome, Optional<String> message) {

    /**
     * Where the export writes and how: the request's path, its S3 bucket (none for local and HDFS),
     * format, mode, and its layout (0 = not set, as in the request).
     */
    public record Target(String outputPrefix, Optional<String> bucket, String format, String mode,
                         long rowGroupSizeBytes, long maxRowGroupsPerFile, long targetFileSizeBytes) {
        public Target {
            Objects.requireNonNull(outputPrefix, "outputPrefix");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(mode, "mode");
            if (rowGroupSizeBytes < 0 || maxRowGroupsPerFile < 0 || targetFileSizeBytes < 0) {
                throw new IllegalArgumentException("negative layout");
            }
        }

        public Target(String outputPrefix, Optional<String> bucket, String format, String mode) {
            this(outputPrefix, bucket, format, mode, 0, 0, 0);
        }
    }

    public JobRecord {
        Objects.requireNonNull(exportId, "exportId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(launcherId, "launcherId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(submittedAt, "submittedAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(message, "message");
        if (state.ended() != finishedAt.isPresent()) {
            throw new IllegalArgumentException("a job has a finish time exactly when it has ended (" + state + ")");
        }
    }

    public static JobRecord queued(String exportId, String owner, String launcherId, Instant submittedAt, Target target) {
        return new JobRecord(exportId, owner, launcherId, JobState.QUEUED, submittedAt, Optional.empty(), Optional.empty(),
                target, Progress.NONE, Optional.empty(), Optional.empty());
    }
}
