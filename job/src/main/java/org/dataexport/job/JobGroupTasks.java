package org.dataexport.job;

import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.concurrent.TimeUnit;

/**
 * Stops an export's Spark tasks: Spark fails a job at its first failed task while the others may
 * still be writing, and a cancelled job's tasks end some time after the cancellation.
 */
final class JobGroupTasks {
    private JobGroupTasks() {
    }

    /** Cancels the group's jobs and waits (at most a minute) until none of their tasks runs any more. */
    static void stop(JavaSparkContext context, String jobGroup) {
        if (context.sc().isStopped()) {
            // Stopped (by the JVM's shutdown, say): its tasks are gone, and any call on it would throw before the cleanup.
            return;
        }
        try {
            context.cancelJobGroup(jobGroup);
        } catch (IllegalStateException stoppedMeanwhile) {
            return;
        }
        SparkStatusTracker status = context.sc().statusTracker();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && hasRunningTasks(status, jobGroup)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean hasRunningTasks(SparkStatusTracker status, String jobGroup) {
        for (int jobId : status.getJobIdsForGroup(jobGroup)) {
            SparkJobInfo job = status.getJobInfo(jobId).getOrElse(() -> null);
            if (job == null) {
                continue;
            }
            for (int stageId : job.stageIds()) {
                SparkStageInfo stage = status.getStageInfo(stageId).getOrElse(() -> null);
                if (stage != null && stage.numActiveTasks() > 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
