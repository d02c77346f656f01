package org.dataexport.launcher.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.progress.Progress;
import org.dataexport.launcher.Exports;

import java.util.concurrent.CompletableFuture;

/**
 * A job of this launcher between acceptance and end: queued until a worker starts it, cancellable in
 * either phase; its outcome completes when it has ended and its record says so.
 */
final class ActiveJob {
    private final Exports.Run run;
    private final CompletableFuture<ObjectNode> outcome = new CompletableFuture<>();
    private boolean started;
    private long startedNanos;
    private boolean cancelledWhileQueued;
    private volatile Progress lastProgress = Progress.NONE;

    ActiveJob(Exports.Run run) {
        this.run = run;
    }

    String exportId() {
        return run.exportId();
    }

    Exports.Run run() {
        return run;
    }

    CompletableFuture<ObjectNode> outcome() {
        return outcome;
    }

    /** A worker takes the job; false when it was cancelled while it waited. */
    synchronized boolean start() {
        started = !cancelledWhileQueued;
        startedNanos = System.nanoTime();
        return started;
    }

    /** How long it has run: from a worker taking it (0 when it never started). */
    synchronized java.time.Duration runningFor() {
        return started ? java.time.Duration.ofNanos(System.nanoTime() - startedNanos) : java.time.Duration.ZERO;
    }

    synchronized boolean started() {
        return started;
    }

    /**
     * Cancels the job. True when it had not started: the caller ends it at once. A running job ends
     * once the export has stopped, with the cancellation's reason.
     */
    synchronized boolean cancel(ExportFailure reason) {
        run.cancellation().cancel(reason);
        if (started || cancelledWhileQueued) {
            return false;
        }
        cancelledWhileQueued = true;
        return true;
    }

    void progress(Progress progress) {
        lastProgress = progress;
    }

    Progress lastProgress() {
        return lastProgress;
    }
}
