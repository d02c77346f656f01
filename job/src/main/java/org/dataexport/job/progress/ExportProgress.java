package org.dataexport.job.progress;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.dataexport.job.write.PartitionWriters;
import scala.Tuple4;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The live progress of one export, from the tasks' own counters: a listener on the Spark context that
 * follows the jobs of the export's job group. Finished tasks count with their final metrics; running
 * tasks with the counters their executors' heartbeats last reported
 * ({@code spark.executor.heartbeatInterval}), so the figures move while tasks are still writing.
 */
public final class ExportProgress extends SparkListener implements AutoCloseable {
    private static final String JOB_GROUP = "spark.jobGroup.id";
    private static final String ROWS = "internal.metrics.output.recordsWritten";
    private static final String BYTES = "internal.metrics.output.bytesWritten";

    private final SparkContext context;
    private final String jobGroup;
    private final Set<Integer> stages = new HashSet<>();
    private final Map<Long, Progress> running = new HashMap<>();
    private final Set<Long> ended = new HashSet<>();
    private long tasksTotal;
    private Progress finished = Progress.NONE;

    private ExportProgress(SparkContext context, String jobGroup) {
        this.context = context;
        this.jobGroup = jobGroup;
    }

    /** Follows the jobs of {@code jobGroup} from now until closed. */
    public static ExportProgress follow(SparkContext context, String jobGroup) {
        ExportProgress progress = new ExportProgress(context, jobGroup);
        context.addSparkListener(progress);
        return progress;
    }

    public synchronized Progress snapshot() {
        Progress total = new Progress(tasksTotal, finished.tasksDone(), finished.rowsWritten(), finished.bytesWritten(), finished.filesWritten());
        for (Progress task : running.values()) {
            total = total.plus(task);
        }
        return total;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart job) {
        if (job.properties() != null && jobGroup.equals(job.properties().getProperty(JOB_GROUP))) {
            scala.collection.Iterator<Object> ids = job.stageIds().iterator();
            while (ids.hasNext()) {
                stages.add((Integer) ids.next());
            }
        }
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted stage) {
        if (stages.contains(stage.stageInfo().stageId())) {
            tasksTotal += stage.stageInfo().numTasks();
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd task) {
        if (!stages.contains(task.stageId())) {
            return;
        }
        running.remove(task.taskInfo().taskId());
        ended.add(task.taskInfo().taskId());
        long rows = 0;
        long bytes = 0;
        if (task.taskMetrics() != null && task.taskInfo().successful()) {
            rows = task.taskMetrics().outputMetrics().recordsWritten();
            bytes = task.taskMetrics().outputMetrics().bytesWritten();
        }
        long files = task.taskInfo().successful() ? counter(task.taskInfo().accumulables(), PartitionWriters.FILES_WRITTEN) : 0;
        finished = finished.plus(new Progress(0, task.taskInfo().successful() ? 1 : 0, rows, bytes, files));
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        scala.collection.Iterator<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> tasks =
                update.accumUpdates().iterator();
        while (tasks.hasNext()) {
            Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task = tasks.next();
            // A heartbeat may arrive after its task has ended: the final figures already count.
            if (stages.contains((Integer) task._2()) && !ended.contains((Long) task._1())) {
                running.put((Long) task._1(), new Progress(0, 0, counter(task._4(), ROWS), counter(task._4(), BYTES),
                        counter(task._4(), PartitionWriters.FILES_WRITTEN)));
            }
        }
    }

    private static long counter(scala.collection.Iterable<AccumulableInfo> accumulables, String name) {
        scala.collection.Iterator<AccumulableInfo> iterator = accumulables.iterator();
        while (iterator.hasNext()) {
            AccumulableInfo info = iterator.next();
            if (name.equals(nameOf(info)) && info.update().isDefined() && info.update().get() instanceof Number number) {
                return number.longValue();
            }
        }
        return 0;
    }

    /**
     * An accumulator's name. Heartbeats carry the executors' copies, whose names Spark leaves behind
     * on the driver: it is looked up there by id (AccumulatorContext, as Spark's own status listener does).
     */
    private static String nameOf(AccumulableInfo info) {
        if (info.name().isDefined()) {
            return info.name().get();
        }
        scala.Option<org.apache.spark.util.AccumulatorV2<?, ?>> registered = org.apache.spark.util.AccumulatorContext$.MODULE$.get(info.id());
        return registered.isDefined() && registered.get().name().isDefined() ? registered.get().name().get() : "";
    }

    @Override
    public void close() {
        context.removeSparkListener(this);
    }
}
