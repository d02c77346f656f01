package org.dataexport.job.progress;

/**
 * How far an export has got: Spark tasks planned and finished, and what the tasks have written so far
 * (rows and bytes as they write, files as each one closes). Exact once the export has ended.
 */
public record Progress(long tasksTotal, long tasksDone, long rowsWritten, long bytesWritten, long filesWritten) {
    public static final Progress NONE = new Progress(0, 0, 0, 0, 0);

    public Progress {
        if (tasksTotal < 0 || tasksDone < 0 || rowsWritten < 0 || bytesWritten < 0 || filesWritten < 0) {
            throw new IllegalArgumentException("progress figures cannot be negative");
        }
    }

    public Progress plus(Progress other) {
        return new Progress(tasksTotal + other.tasksTotal, tasksDone + other.tasksDone, rowsWritten + other.rowsWritten,
                bytesWritten + other.bytesWritten, filesWritten + other.filesWritten);
    }
}
