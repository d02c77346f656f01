package org.dataexport.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;

import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;

import java.io.IOException;

/**
 * Cancels the application's jobs once a marker file appears: how the launcher's cluster submitter
 * stops an export it has given up on, whatever the cluster manager (killing spark-submit does not
 * stop a cluster-mode driver). The marker cancels the export's {@link Cancellation}, which also stops
 * the export's jobs submitted afterwards; the export then fails and removes what it wrote.
 */
public final class CancelWatch implements AutoCloseable {
    private static final long POLL_MILLIS = 1000;

    private final Thread watcher;

    private CancelWatch(SparkContext context, String marker, Cancellation cancellation) {
        watcher = new Thread(() -> {
            Path path = new Path(marker);
            try (FileSystem fs = FileSystem.newInstance(path.toUri(), new Configuration())) {
                while (!exists(fs, path)) {
                    Thread.sleep(POLL_MILLIS);
                }
                cancellation.cancel(new ExportFailure(ErrorType.CANCELLED,
                        "the export was cancelled by its submitter before it was committed"));
                context.cancelAllJobs();
            } catch (IOException e) {
                // Without the marker's file system there is nothing to watch.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "export-cancel-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** A failed look is not a cancellation, and must not end the watch: try again at the next poll. */
    private static boolean exists(FileSystem fs, Path marker) {
        try {
            return fs.exists(marker);
        } catch (IOException e) {
            return false;
        }
    }

    static CancelWatch start(SparkContext context, String marker, Cancellation cancellation) {
        return new CancelWatch(context, marker, cancellation);
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
