package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.Cancellation;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.MemoryWatch;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.request.ExportRequest;
import org.apache.spark.SparkContext;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs exports in this JVM on the one warm SparkSession: no JVM or session start-up per request.
 * Each running export has a scheduler pool of its own, so with spark.scheduler.mode=FAIR a small
 * export gets cores as soon as any task ends instead of queueing behind a large one. The pools are
 * a fixed set, one per running-export slot: Spark never forgets a pool it has created.
 */
final class LocalExports implements Exports {
    private static final String POOL_PROPERTY = "spark.scheduler.pool";

    private final ExportJob job;
    private final SparkContext context;
    private final BlockingQueue<String> pools;

    LocalExports(ExportJob job, SparkContext context, int maxRunning) {
        this.job = job;
        this.context = context;
        this.pools = new ArrayBlockingQueue<>(maxRunning);
        for (int i = 0; i < maxRunning; i++) {
            pools.add("export-" + i);
        }
    }

    @Override
    public ObjectNode run(ExportRequest request, String requestJson, long acceptedNanos, Cancellation cancellation) {
        // The server admits at most maxRunning exports, so a pool is always free.
        String pool = pools.poll();
        context.setLocalProperty(POOL_PROPERTY, pool);
        try (MemoryWatch memory = MemoryWatch.start()) {
            ExportResult result = job.run(request, cancellation);
            ResponseJson.Metrics metrics = request.includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - acceptedNanos) / 1e9, memory.peakBytes())
                    : null;
            return ResponseJson.success(result, request.includeFileStats(), metrics);
        } finally {
            context.setLocalProperty(POOL_PROPERTY, null);
            if (pool != null) {
                pools.add(pool);
            }
        }
    }
}
