package org.dataexport.job.progress;

import org.apache.spark.TaskContext;
import org.apache.spark.executor.OutputMetrics;

import java.util.function.LongSupplier;

/**
 * A task's own output counters while it writes: rows and bytes go into the task's output metrics
 * every few thousand rows, so executor heartbeats carry them to the driver before the task ends
 * (and Spark's UI shows them). Outside a task it counts nothing.
 */
public final class TaskOutput {
    private static final int ROWS_BETWEEN_UPDATES = 4096;

    private final OutputMetrics metrics;
    private final LongSupplier bytes;
    private long rows;

    private TaskOutput(OutputMetrics metrics, LongSupplier bytes) {
        this.metrics = metrics;
        this.bytes = bytes;
    }

    /** The running task's counters; {@code bytes} tells how many bytes its writer has written so far. */
    public static TaskOutput of(LongSupplier bytes) {
        TaskContext task = TaskContext.get();
        return new TaskOutput(task == null ? null : task.taskMetrics().outputMetrics(), bytes);
    }

    public void rowWritten() {
        rowsWritten(1);
    }

    /** {@code count} rows at once (a columnar batch's). */
    public void rowsWritten(int count) {
        long before = rows;
        rows += count;
        if (metrics != null && rows / ROWS_BETWEEN_UPDATES != before / ROWS_BETWEEN_UPDATES) {
            update();
        }
    }

    /** The running task's final figures, once its files are closed. */
    public static void finished(long totalRows, long totalBytes) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.taskMetrics().outputMetrics().setRecordsWritten(totalRows);
            task.taskMetrics().outputMetrics().setBytesWritten(totalBytes);
        }
    }

    private void update() {
        metrics.setRecordsWritten(rows);
        metrics.setBytesWritten(bytes.getAsLong());
    }
}
