package org.dataexport.launcher.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.progress.Progress;
import org.dataexport.launcher.Exports;
import org.dataexport.launcher.metrics.ServiceMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one job on a worker: queued -> running in the store, the export under its time limit, and the
 * end recorded (state, figures, the envelope a synchronous caller gets) before its outcome completes.
 */
final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    /** The logging context key of the export a line is about. */
    static final String EXPORT_ID = "export_id";

    private final JobStore store;
    private final Exports exports;
    private final long timeoutSeconds;
    private final ScheduledExecutorService timers;
    private final Consumer<ActiveJob> onEnded;
    private final ServiceMetrics metrics;

    JobRunner(JobStore store, Exports exports, long timeoutSeconds, ScheduledExecutorService timers, Consumer<ActiveJob> onEnded,
              ServiceMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.exports = exports;
        this.timeoutSeconds = timeoutSeconds;
        this.timers = timers;
        this.onEnded = onEnded;
    }

    void execute(ActiveJob job) {
        // Every line logged while the export runs on this worker names it (JSON logs: export_id).
        try (org.slf4j.MDC.MDCCloseable named = org.slf4j.MDC.putCloseable(EXPORT_ID, job.exportId())) {
            run(job);
        }
    }

    private void run(ActiveJob job) {
        if (!job.start() || !startInStore(job)) {
            return;
        }
        Exports.Run run = job.run();
        ScheduledFuture<?> timeout = timers.schedule(() -> run.cancellation().cancel(new ExportFailure(ErrorType.EXPORT_TIMEOUT,
                "the export ran longer than this server's limit of " + timeoutSeconds
                        + " s (exports.timeout_seconds) and was cancelled; nothing was written")), timeoutSeconds, TimeUnit.SECONDS);
        try {
            Exports.Outcome outcome = exports.run(run);
            ObjectNode envelope = outcome.envelope();
            if (envelope.get("data") instanceof ObjectNode data) {
                data.put("export_id", job.exportId());
            }
            finish(job, outcome.succeeded() ? JobState.SUCCEEDED : stateOf(run), envelope, outcome.progress(), stopReason(run));
        } catch (ExportFailure failure) {
            finish(job, stateOf(run), ResponseJson.failure(failure), job.lastProgress(), stopReason(run));
        } catch (RuntimeException | Error e) {
            LOG.error("export {} failed unexpectedly: {}", job.exportId(), Failures.describeForLog(e, run.request().secrets()));
            finish(job, JobState.FAILED, ResponseJson.failure(ErrorType.INTERNAL_ERROR, "the server failed unexpectedly; see its log"),
                    job.lastProgress(), Optional.empty());
        } finally {
            timeout.cancel(false);
        }
    }

    private boolean startInStore(ActiveJob job) {
        try {
            if (store.start(job.exportId(), Instant.now())) {
                return true;
            }
            // Cancelled through the store while it waited.
            end(job, new ExportFailure(ErrorType.CANCELLED, "the export was cancelled (DELETE) while queued"), Progress.NONE);
        } catch (ExportFailure storeDown) {
            end(job, storeDown, Progress.NONE);
        }
        return false;
    }

    /** Why the export was stopped from outside, if it was: the message its GET shows. */
    private static Optional<String> stopReason(Exports.Run run) {
        return run.cancellation().reason().map(ExportFailure::getMessage);
    }

    /** A failed export's state: what stopped it from outside, if anything did. */
    private static JobState stateOf(Exports.Run run) {
        return run.cancellation().reason().map(reason -> stateOf(reason.errorType())).orElse(JobState.FAILED);
    }

    private static JobState stateOf(ErrorType stoppedBy) {
        return switch (stoppedBy) {
            case CANCELLED -> JobState.CANCELLED;
            case SHUTTING_DOWN -> JobState.INTERRUPTED;
            default -> JobState.FAILED;
        };
    }

    /** The envelope a caller gets: the recorded one, without {@code file_stats} unless asked for. */
    static ObjectNode asAsked(ObjectNode envelope, boolean includeFileStats) {
        if (includeFileStats || !(envelope.at("/data/export_result") instanceof ObjectNode)) {
            return envelope;
        }
        ObjectNode copy = envelope.deepCopy();
        ((ObjectNode) copy.at("/data/export_result")).remove("file_stats");
        return copy;
    }

    void end(ActiveJob job, ExportFailure reason, Progress progress) {
        finish(job, stateOf(reason.errorType()), ResponseJson.failure(reason), progress, Optional.of(reason.getMessage()));
    }

    /**
     * Records the end (the record keeps the per-file figures) and completes the outcome with the
     * envelope the caller asked for: without {@code file_stats} unless {@code include_file_stats}.
     */
    private void finish(ActiveJob job, JobState state, ObjectNode envelope, Progress progress, Optional<String> message) {
        try {
            store.finish(job.exportId(), state, Instant.now(), progress, Optional.of(envelope.toString()), message);
        } catch (ExportFailure storeDown) {
            LOG.warn("export {} ended {} but the job store did not record it: {}", job.exportId(), state.apiName(), storeDown.getMessage());
        } finally {
            onEnded.accept(job);
            metrics.exportEnded(state.apiName(), job.run().request().format().apiName(), job.runningFor(),
                    envelope.at("/data/export_result/total_row_count").asLong(), progress.bytesWritten(),
                    envelope.at("/data/export_result/files").size());
            job.outcome().complete(asAsked(envelope, job.run().request().includeFileStats()));
        }
        LOG.info("export {} {}", job.exportId(), state.apiName());
    }

}
