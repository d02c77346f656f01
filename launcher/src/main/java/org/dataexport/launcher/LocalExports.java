package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.ExportFailure;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.MemoryWatch;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.request.ExportRequest;

import java.util.concurrent.Semaphore;

/**
 * Runs exports in this JVM on the one warm SparkSession, at most {@code maxRunning} at a time: a
 * request beyond that gets 429 at once rather than waiting in a queue the caller cannot see.
 */
final class LocalExports {
    private final ExportJob job;
    private final Semaphore slots;
    private final int maxRunning;

    LocalExports(ExportJob job, int maxRunning) {
        this.job = job;
        this.maxRunning = maxRunning;
        this.slots = new Semaphore(maxRunning);
    }

    /** Runs one export and returns its success envelope; failures come out as {@link ExportFailure}. */
    ObjectNode run(ExportRequest request, long acceptedNanos) {
        if (!slots.tryAcquire()) {
            throw new ExportFailure(429, "TooManyExports", "the server is already running its limit of "
                    + maxRunning + " exports; retry later");
        }
        try (MemoryWatch memory = MemoryWatch.start()) {
            ExportResult result = job.run(request);
            ResponseJson.Metrics metrics = request.includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - acceptedNanos) / 1e9, memory.peakBytes())
                    : null;
            return ResponseJson.success(result, request.includeFileStats(), metrics);
        } finally {
            slots.release();
        }
    }
}
