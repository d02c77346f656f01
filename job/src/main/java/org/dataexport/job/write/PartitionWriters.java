package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.progress.TaskOutput;
import org.dataexport.job.request.Compression;
import org.dataexport.job.request.Format;
import org.dataexport.job.request.ParquetTuning;
import org.dataexport.job.storage.ExportFileSystems;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * The task side of an export: each task writes its partition into the staging directory through a
 * rolling writer and returns the files it wrote. File names carry the task attempt, so a retried or
 * speculative attempt never collides with another; only the files the driver receives are committed.
 */
public final class PartitionWriters {
    private PartitionWriters() {
    }

    /** Counts the files tasks write, for progress reports and the Spark UI. */
    public static final String FILES_WRITTEN = "files written";

    public static Function2<Integer, Iterator<InternalRow>, Iterator<WrittenFile>> parquet(
            Broadcast<SerializableConfiguration> conf, String staging, FileLayout layout, ParquetTuning tuning,
            boolean tailApart, LongAccumulator filesWritten, FileBudget budget, List<String> secrets) {
        return (partition, rows) -> {
            Configuration hadoopConf = conf.value().value();
            return inTask(hadoopConf, staging, partition, ".parquet", filesWritten, budget, secrets, (fs, paths) -> {
                try (RollingParquetWriter writer = new RollingParquetWriter(hadoopConf, fs, layout, tuning, partition, paths)) {
                    TaskOutput output = TaskOutput.of(writer::bytesWritten);
                    while (rows.hasNext()) {
                        writer.write(rows.next());
                        output.rowWritten();
                    }
                    // single_file: the short last group goes apart, for the merge to re-encode with the other tasks'.
                    return tailApart ? writer.finishWithTail(paths.apply(WrittenFile.TAIL_SEQUENCE)) : writer.finish();
                }
            });
        };
    }

    public static Function2<Integer, Iterator<String>, Iterator<WrittenFile>> jsonLines(
            Broadcast<SerializableConfiguration> conf, String staging, FileLayout layout, Compression compression,
            LongAccumulator filesWritten, FileBudget budget, List<String> secrets) {
        String extension = compression.extension(Format.JSONL);
        return (partition, lines) -> inTask(conf.value().value(), staging, partition, extension, filesWritten, budget, secrets, (fs, paths) -> {
            try (RollingJsonLinesWriter writer = new RollingJsonLinesWriter(fs, layout, compression, partition, paths)) {
                TaskOutput output = TaskOutput.of(writer::bytesWritten);
                while (lines.hasNext()) {
                    writer.write(lines.next());
                    output.rowWritten();
                }
                return writer.finish();
            }
        });
    }

    /**
     * The most files one task may write, and the failure it ends with when it would write more (made
     * on the driver, where the request is known).
     */
    public record FileBudget(long maxFiles, ExportFailure exceeded) implements java.io.Serializable {
    }

    private interface PartitionWrite {
        List<WrittenFile> write(FileSystem fs, java.util.function.IntFunction<Path> paths) throws IOException;
    }

    private static Iterator<WrittenFile> inTask(Configuration conf, String staging, int partition, String extension,
                                                LongAccumulator filesWritten, FileBudget budget, List<String> secrets,
                                                PartitionWrite write) {
        Path dir = new Path(staging);
        TaskContext task = TaskContext.get();
        long attempt = task == null ? 0 : task.taskAttemptId();
        try (FileSystem fs = ExportFileSystems.open(dir, conf)) {
            long[] closed = {0};
            List<WrittenFile> files = write.write(fs, sequence -> {
                if (sequence == WrittenFile.TAIL_SEQUENCE) {
                    return new Path(dir, String.format("%05d-%d-tail%s", partition, attempt, extension));
                }
                if (sequence >= budget.maxFiles()) {
                    throw budget.exceeded();
                }
                if (sequence > 0) {
                    // The previous file is closed: counted now, so that progress moves while the task runs.
                    filesWritten.add(1);
                    closed[0]++;
                }
                return new Path(dir, String.format("%05d-%d-%05d%s", partition, attempt, sequence, extension));
            });
            // Spark's UI and listeners (progress) show these as the task's output.
            TaskOutput.finished(files.stream().mapToLong(WrittenFile::rows).sum(),
                    files.stream().mapToLong(WrittenFile::fileBytes).sum());
            filesWritten.add(files.stream().filter(file -> !file.isTail()).count() - closed[0]);
            return files.iterator();
        } catch (IOException | RuntimeException e) {
            // Classified here, where the cause is at hand: AWS SDK exceptions do not survive Spark's
            // task-failure serialization, the ExportFailure does. Scrubbed here too, and without its
            // cause: Spark logs a failed task's exception and shows it in its UI.
            throw Failures.scrubbed(e, secrets);
        }
    }
}
