package org.dataexport.launcher;

import org.apache.spark.SparkContext;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.MemoryWatch;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.progress.ExportProgress;
import org.dataexport.job.progress.Progress;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

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
    private final Map<String, ExportProgress> running = new ConcurrentHashMap<>();

    LocalExports(ExportJob job, SparkContext context, int maxRunning) {
        this.job = job;
        this.context = context;
        this.pools = new ArrayBlockingQueue<>(maxRunning);
        for (int i = 0; i < maxRunning; i++) {
            pools.add("export-" + i);
        }
    }

    @Override
    public Outcome run(Run run) {
        // The job service runs at most maxRunning exports at once, so a pool is always free.
        String pool = pools.poll();
        context.setLocalProperty(POOL_PROPERTY, pool);
        try (MemoryWatch memory = MemoryWatch.start();
             ExportProgress progress = ExportProgress.follow(context, ExportJob.jobGroup(run.exportId()))) {
            running.put(run.exportId(), progress);
            ExportResult result = job.run(run.request(), run.exportId(), run.cancellation());
            ResponseJson.Metrics metrics = run.request().includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - run.acceptedNanos()) / 1e9, memory.peakBytes())
                    : null;
            Progress tasks = progress.snapshot();
            // The figures of the files as committed (a single_file export merges what its tasks wrote).
            Progress written = new Progress(tasks.tasksTotal(), tasks.tasksDone(), result.totalRowCount(),
                    result.fileStats().stream().mapToLong(ExportResult.FileStats::bytes).sum(), result.files().size());
            // Per-file figures always: the job's record keeps them (the page shows them); the caller gets them on request.
            return new Outcome(ResponseJson.success(result, true, metrics), written);
        } finally {
            running.remove(run.exportId());
            context.setLocalProperty(POOL_PROPERTY, null);
            if (pool != null) {
                pools.add(pool);
            }
        }
    }

    @Override
    public void preflight(org.dataexport.job.request.ExportRequest request) {
        job.preflight(request);
    }

    @Override
    public Progress progress(String exportId) {
        ExportProgress progress = running.get(exportId);
        return progress == null ? Progress.NONE : progress.snapshot();
    }
}
