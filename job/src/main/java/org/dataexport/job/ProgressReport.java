package org.dataexport.job;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.dataexport.job.write.PartitionWriters;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of an export on a terminal (bin/export): elapsed time, tasks done, rows and files written,
 * redrawn every second on one line of stderr. Rows and files count as each task finishes.
 */
public final class ProgressReport extends SparkListener implements AutoCloseable {
    private final SparkContext context;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong tasksDone = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong files = new AtomicLong();
    private final Thread printer;

    public ProgressReport(SparkContext context, PrintStream out) {
        this.context = context;
        this.out = out;
        context.addSparkListener(this);
        printer = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    print("\r");
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "export-progress");
        printer.setDaemon(true);
        printer.start();
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted stage) {
        tasks.addAndGet(stage.stageInfo().numTasks());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        tasksDone.incrementAndGet();
        if (taskEnd.taskMetrics() != null) {
            rows.addAndGet(taskEnd.taskMetrics().outputMetrics().recordsWritten());
        }
        scala.collection.Iterator<AccumulableInfo> accumulables = taskEnd.taskInfo().accumulables().iterator();
        while (accumulables.hasNext()) {
            AccumulableInfo info = accumulables.next();
            if (info.name().isDefined() && info.name().get().equals(PartitionWriters.FILES_WRITTEN) && info.update().isDefined()) {
                files.addAndGet(((Number) info.update().get()).longValue());
            }
        }
    }

    private synchronized void print(String prefix) {
        out.print(String.format(Locale.ROOT, "%s[export] %.1f s, tasks %d/%d, rows written %,d, files %d   ", prefix,
                (System.nanoTime() - started) / 1e9, tasksDone.get(), tasks.get(), rows.get(), files.get()));
        out.flush();
    }

    @Override
    public void close() {
        printer.interrupt();
        context.removeSparkListener(this);
        print("\r");
        out.println();
    }
}
