package org.dataexport.job.write;

import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Enforces the most files one export may write while it writes: each task stops at the cap by itself
 * (see {@link PartitionWriters}), and this listener adds up the files of the export's finished tasks
 * (their accumulator updates) and runs {@code onExceeded} once the sum passes the cap. At most the
 * tasks running at that moment write more before they are cancelled.
 */
public final class FileCap extends SparkListener {
    private final long accumulatorId;
    private final long maxFiles;
    private final Runnable onExceeded;
    private final AtomicLong files = new AtomicLong();
    private volatile boolean exceeded;

    public FileCap(long accumulatorId, long maxFiles, Runnable onExceeded) {
        this.accumulatorId = accumulatorId;
        this.maxFiles = maxFiles;
        this.onExceeded = onExceeded;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.taskInfo() == null || exceeded) {
            return;
        }
        scala.collection.Iterator<AccumulableInfo> updates = taskEnd.taskInfo().accumulables().iterator();
        while (updates.hasNext()) {
            AccumulableInfo info = updates.next();
            if (info.id() == accumulatorId && info.update().isDefined() && info.update().get() instanceof Long count
                    && files.addAndGet(count) > maxFiles) {
                exceeded = true;
                onExceeded.run();
            }
        }
    }

    public boolean exceeded() {
        return exceeded;
    }
}
