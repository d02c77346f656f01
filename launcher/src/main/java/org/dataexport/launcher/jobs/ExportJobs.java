package org.dataexport.launcher.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.Cancellation;
import org.dataexport.job.DaemonThreads;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.progress.Progress;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.request.Format;
import org.dataexport.launcher.Exports;
import org.dataexport.launcher.metrics.ServiceMetrics;
import org.dataexport.launcher.request.JobRequests;
import org.dataexport.launcher.response.JobJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every export as a job: recorded from the moment it is accepted, queued beyond
 * {@code exports.max_running} (up to {@code exports.max_queued}, then 429), run by a fixed set of
 * workers, its progress recorded every second, cancellable (DELETE, time limit, shutdown) and, with
 * an idempotency key, submitted once. Synchronous and asynchronous calls are the same job; the first
 * waits for {@link Accepted#outcome()}.
 */
public final class ExportJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportJobs.class);
    private static final Duration KEY_LIFETIME = Duration.ofHours(24);
    private static final long TICK_MILLIS = 1000;

    private final JobStore store;
    private final Exports exports;
    private final JobSettings settings;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, DaemonThreads.named("export-jobs-timer"));
    private final Map<String, ActiveJob> active = new ConcurrentHashMap<>();
    private final JobRunner runner;
    private volatile boolean closing;

    public ExportJobs(JobStore store, Exports exports, JobSettings settings) {
        this(store, exports, settings, new ServiceMetrics());
    }

    public ExportJobs(JobStore store, Exports exports, JobSettings settings, ServiceMetrics metrics) {
        this.store = store;
        this.exports = exports;
        this.settings = settings;
        this.workers = Executors.newFixedThreadPool(settings.maxRunning(), DaemonThreads.named("export-worker"));
        this.runner = new JobRunner(store, exports, settings.timeoutSeconds(), timers, job -> active.remove(job.exportId()), metrics);
        metrics.watchJobs(() -> active.values().stream().filter(ActiveJob::started).count(),
                () -> active.values().stream().filter(job -> !job.started()).count());
        int interrupted = store.interruptAll(settings.launcherId(), Instant.now(),
                "the launcher running this export stopped before it ended; submit it again");
        if (interrupted > 0) {
            LOG.warn("{} exports of launcher {} were queued or running when it stopped: marked interrupted", interrupted, settings.launcherId());
        }
        timers.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::forgetOldJobs, 0, 1, TimeUnit.HOURS);
    }

    /** A request to run, by whom ({@code owner}: the digest of the caller's token). */
    /** @param async answered at once: what can be checked of the destination is checked before it is queued */
    public record Submission(String owner, ExportRequest request, String requestJson, Optional<String> idempotencyKey, long acceptedNanos,
                             boolean async) {
    }

    /**
     * An accepted submission: its job, the envelope a synchronous caller gets once it has ended, and
     * whether the job existed already (the same idempotency key, token and body).
     */
    public record Accepted(JobRecord job, CompletableFuture<ObjectNode> outcome, boolean existing) {
    }

    public Accepted submit(Submission submission) {
        if (closing) {
            throw new ExportFailure(ErrorType.SHUTTING_DOWN, "the server is shutting down and takes no new exports; retry on another launcher");
        }
        Optional<String> key = submission.idempotencyKey().map(value -> Digests.of(submission.owner(), value));
        String requestDigest = Digests.of(submission.owner(), Digests.canonicalJson(submission.requestJson()));
        if (key.isPresent()) {
            Optional<JobStore.Keyed> holder = store.keyHolder(submission.owner(), key.get(), Instant.now().minus(KEY_LIFETIME));
            if (holder.isPresent()) {
                return existing(holder.get(), requestDigest, submission.request().includeFileStats());
            }
        }
        if (submission.async()) {
            exports.preflight(submission.request());
        }
        synchronized (this) {
            if (active.size() >= settings.maxRunning() + settings.maxQueued()) {
                throw new ExportFailure(ErrorType.TOO_MANY_EXPORTS, "the server is running " + settings.maxRunning()
                        + " exports and has " + settings.maxQueued() + " waiting (exports.max_running, exports.max_queued); retry later");
            }
            ExportRequest request = submission.request();
            JobRecord job = JobRecord.queued(UUID.randomUUID().toString(), submission.owner(), settings.launcherId(), Instant.now(),
                    new JobRecord.Target(request.path(), Optional.ofNullable(request.storage()).map(storage -> storage.bucket()),
                            request.format().apiName(), request.mode().apiName(), request.format() == Format.PARQUET ? request.rowGroupSizeBytes() : 0,
                            request.maxRowGroupsPerFile(), request.targetFileSizeBytes()));
            Optional<JobStore.Keyed> holder = store.insert(job, key, Optional.of(requestDigest));
            if (holder.isPresent()) {
                return existing(holder.get(), requestDigest, request.includeFileStats());
            }
            ActiveJob running = new ActiveJob(new Exports.Run(job.exportId(), request, submission.requestJson(),
                    submission.acceptedNanos(), new Cancellation()));
            active.put(job.exportId(), running);
            workers.execute(() -> runner.execute(running));
            return new Accepted(job, running.outcome(), false);
        }
    }

    public Optional<JobRecord> get(String exportId, String owner) {
        return store.get(exportId, owner);
    }

    public java.util.List<JobRecord> list(String owner, Optional<JobState> state, int limit) {
        return store.list(owner, state, limit);
    }

    /**
     * Cancels a queued or running job of this owner: a queued one ends at once, a running one once its
     * Spark jobs have stopped and its staging is removed (on whichever launcher runs it). Returns the
     * job as it stands; 404 when it is not the owner's, 409 when it has already ended.
     */
    public JobRecord cancel(String exportId, String owner) {
        JobRecord job = store.get(exportId, owner).orElseThrow(() -> JobRequests.notFound(exportId));
        if (job.state().ended()) {
            throw new ExportFailure(ErrorType.EXPORT_ENDED, "export " + exportId + " has already ended: " + job.state().apiName());
        }
        ExportFailure reason = cancelledByDelete();
        ActiveJob running = active.get(exportId);
        if (running != null) {
            cancel(running, reason);
        } else {
            // Another launcher sharing the store runs it: it sees the request within a second.
            store.requestCancel(exportId, reason.getMessage());
        }
        return store.get(exportId, owner).orElse(job);
    }

    /** Cancels a job of this launcher for a reason of the server's own (a synchronous caller gone). */
    public void cancelHere(String exportId, ExportFailure reason) {
        ActiveJob running = active.get(exportId);
        if (running != null) {
            cancel(running, reason);
        }
    }

    /** Whether the job store answers. */
    public boolean storeAnswers() {
        return store.answers();
    }

    private void cancel(ActiveJob job, ExportFailure reason) {
        if (job.cancel(reason)) {
            runner.end(job, reason, Progress.NONE);
        }
    }

    private Accepted existing(JobStore.Keyed holder, String requestDigest, boolean includeFileStats) {
        if (!holder.requestDigest().equals(Optional.of(requestDigest))) {
            throw new ExportFailure(ErrorType.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key was already used with a different request body "
                    + "(export " + holder.job().exportId() + "); use a new key for a new export");
        }
        JobRecord job = holder.job();
        ActiveJob running = active.get(job.exportId());
        return new Accepted(job, running != null ? running.outcome()
                : outcomeOf(job).thenApply(envelope -> JobRunner.asAsked(envelope, includeFileStats)), true);
    }

    /** The outcome of a job this launcher does not run: ended already, or polled until it ends. */
    private CompletableFuture<ObjectNode> outcomeOf(JobRecord job) {
        if (job.state().ended()) {
            return CompletableFuture.completedFuture(JobJson.outcome(job));
        }
        CompletableFuture<ObjectNode> outcome = new CompletableFuture<>();
        ScheduledFuture<?>[] poll = new ScheduledFuture<?>[1];
        poll[0] = timers.scheduleWithFixedDelay(() -> {
            try {
                store.get(job.exportId(), job.owner()).filter(now -> now.state().ended())
                        .ifPresent(ended -> outcome.complete(JobJson.outcome(ended)));
            } catch (ExportFailure e) {
                // the store is away for now: poll again
            }
            if (outcome.isDone()) {
                poll[0].cancel(false);
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return outcome;
    }

    /** Every second: records the progress of this launcher's running jobs and applies cancellations asked through the store. */
    private void tick() {
        for (ActiveJob job : active.values()) {
            try {
                if (job.started()) {
                    Progress progress = exports.progress(job.exportId());
                    job.progress(progress);
                    if (store.progress(job.exportId(), progress)) {
                        job.run().cancellation().cancel(cancelledByDelete());
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("could not record the progress of export {}: {}", job.exportId(), e.getClass().getName());
            }
        }
    }

    private void forgetOldJobs() {
        try {
            int deleted = store.deleteEndedBefore(Instant.now().minus(Duration.ofDays(settings.retentionDays())));
            if (deleted > 0) {
                LOG.info("deleted {} job records older than {} days (jobs.retention_days)", deleted, settings.retentionDays());
            }
        } catch (ExportFailure e) {
            LOG.warn("could not delete old job records: {}", e.getMessage());
        }
    }

    /** A DELETE's reason, wherever it reaches the export: here, or through the store from another launcher. */
    private static ExportFailure cancelledByDelete() {
        return new ExportFailure(ErrorType.CANCELLED, "the export was cancelled (DELETE); nothing was written");
    }


    /**
     * Stops taking work, cancels what runs (its state becomes interrupted, nothing left at its
     * destination), waits up to {@code graceSeconds} for the exports to stop, and closes the store.
     */
    public void close(long graceSeconds) {
        closing = true;
        ExportFailure reason = new ExportFailure(ErrorType.SHUTTING_DOWN, "the launcher stopped while this export ran; nothing was written; submit it again");
        active.values().forEach(job -> cancel(job, reason));
        workers.shutdown();
        try {
            if (!workers.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
                LOG.warn("exports still running after {} s of shutdown: marked interrupted", graceSeconds);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdownNow();
        try {
            store.interruptAll(settings.launcherId(), Instant.now(), reason.getMessage());
        } catch (ExportFailure e) {
            LOG.warn("could not mark the remaining exports interrupted: {}", e.getMessage());
        }
        store.close();
    }

    @Override
    public void close() {
        close(60);
    }
}
