package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.dataexport.job.data.SourceRowGroups;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.progress.TaskOutput;
import org.dataexport.job.request.Compression;
import org.dataexport.job.request.Format;
import org.dataexport.job.request.ParquetTuning;
import org.dataexport.job.storage.ExportFileSystems;

import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.function.IntFunction;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

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

    /**
     * What every task of an export is told.
     *
     * @param tailApart         single_file: a task's short last row group goes to a file of its own
     * @param partitionColumns  partition_by: the columns whose values (trailing the written columns) name directories
     * @param written           the columns the files hold, first in every row
     * @param directUploads     S3, a layout of at most one file a task: a task's file goes straight to the final
     *                          name its partition number gives it, as an upload the commit completes
     *                          ({@link PendingUploadFileSystem}); the commit moves it if the numbers shift
     */
    public record TaskSettings(String staging, FileLayout layout, ParquetTuning tuning, Compression compression,
                               boolean tailApart, List<String> partitionColumns, StructType written, FileBudget budget,
                               List<String> secrets, boolean directUploads) implements java.io.Serializable {
        public TaskSettings {
            partitionColumns = List.copyOf(partitionColumns);
            secrets = List.copyOf(secrets);
        }
    }

    public static Function2<Integer, Iterator<InternalRow>, Iterator<WrittenFile>> parquet(
            Broadcast<SerializableConfiguration> conf, TaskSettings settings, LongAccumulator filesWritten) {
        return (partition, rows) -> {
            Configuration hadoopConf = conf.value().value();
            return inTask(hadoopConf, settings, partition, ".parquet", filesWritten, (fs, paths) -> {
                if (settings.partitionColumns().isEmpty()) {
                    return writeParquet(hadoopConf, fs, settings, partition, rows, sequence -> paths.apply("", sequence));
                }
                return parquetByDirectory(hadoopConf, fs, settings, partition, paths, Optional.empty()).write(rows);
            });
        };
    }

    /**
     * Parquet from the columnar batches of a plain scan ({@link org.dataexport.job.data.ColumnarScan}) whose
     * columns all copy straight into the column writers ({@link BatchColumns#supports}); not with partition_by.
     */
    public static Function2<Integer, Iterator<ColumnarBatch>, Iterator<WrittenFile>> parquetBatches(
            Broadcast<SerializableConfiguration> conf, TaskSettings settings, LongAccumulator filesWritten) {
        return (partition, batches) -> {
            Configuration hadoopConf = conf.value().value();
            return inTask(hadoopConf, settings, partition, ".parquet", filesWritten, (fs, paths) -> {
                BatchColumns columns = BatchColumns.of(settings.written(), hadoopConf);
                return writeParquet(hadoopConf, fs, settings, partition, sequence -> paths.apply("", sequence), (writer, output) -> {
                    while (batches.hasNext()) {
                        ColumnarBatch batch = batches.next();
                        writer.write(batch, columns);
                        output.rowsWritten(batch.numRows());
                    }
                });
            });
        };
    }

    /**
     * Parquet with partition_by from the columnar batches of a plain scan ({@link org.dataexport.job.data.ColumnarScan}):
     * the written columns, which all copy straight into the column writers, then the partition columns (strings).
     */
    public static Function2<Integer, Iterator<ColumnarBatch>, Iterator<WrittenFile>> parquetBatchesByDirectory(
            Broadcast<SerializableConfiguration> conf, TaskSettings settings, LongAccumulator filesWritten) {
        return (partition, batches) -> {
            Configuration hadoopConf = conf.value().value();
            return inTask(hadoopConf, settings, partition, ".parquet", filesWritten, (fs, paths) -> {
                BatchColumns columns = BatchColumns.of(settings.written(), hadoopConf);
                return parquetByDirectory(hadoopConf, fs, settings, partition, paths, Optional.of(columns)).writeBatches(batches, columns);
            });
        };
    }

    /**
     * A Parquet writer a directory, each taking rows (of which it writes the written columns only: the partition
     * values that follow them name the directory) and, given the batches' copier, runs of batches. A writer is
     * counted at up to a row group, its columns' open pages and its size sample.
     */
    private static DirectoryWriters parquetByDirectory(Configuration conf, FileSystem fs, TaskSettings settings, int partition,
                                                       StagingPaths paths, Optional<BatchColumns> columns) {
        UnsafeProjection written = UnsafeProjection.create(settings.written());
        long bytesPerWriter = settings.layout().rowGroupSizeBytes() + settings.written().size() * (64L << 10) + (4L << 20);
        return directoryWriters(settings, bytesPerWriter, directory -> {
            RollingParquetWriter writer = new RollingParquetWriter(conf, fs, settings.layout(), settings.tuning(), partition,
                    sequence -> paths.apply(directory, sequence));
            DirectoryWriters.RowSink rows = row -> writer.write(written.apply(row));
            return columns.map(copier -> new DirectoryWriters.Writer(writer, rows, (batch, from, to) -> writer.write(batch, from, to, copier)))
                    .orElseGet(() -> new DirectoryWriters.Writer(writer, rows));
        });
    }

    /**
     * Parquet copied row group by row group from a source whose groups already fit ({@link RowGroupCopy}),
     * read with {@code readConf} (the source relation's): each task gets one split of the source (multi_file, no size target, not with partition_by).
     */
    public static Function2<Integer, Iterator<SourceRowGroups.Split>, Iterator<WrittenFile>> parquetCopies(
            Broadcast<SerializableConfiguration> conf, Broadcast<SerializableConfiguration> readConf, TaskSettings settings,
            LongAccumulator filesWritten) {
        return (partition, splits) -> {
            Configuration hadoopConf = conf.value().value();
            return inTask(hadoopConf, settings, partition, ".parquet", filesWritten, (fs, paths) -> {
                RowGroupCopy copy = new RowGroupCopy(hadoopConf, readConf.value().value(), fs, settings.layout(), settings.tuning(), partition,
                        sequence -> paths.apply("", sequence));
                TaskOutput output = TaskOutput.of(copy::bytesWritten);
                List<WrittenFile> files = List.of();
                while (splits.hasNext()) {
                    files = copy.copy(splits.next(), output);
                }
                return files;
            });
        };
    }

    private static List<WrittenFile> writeParquet(Configuration conf, FileSystem fs, TaskSettings settings, int partition,
                                                  Iterator<InternalRow> rows, IntFunction<Path> paths) throws IOException {
        return writeParquet(conf, fs, settings, partition, paths, (writer, output) -> {
            while (rows.hasNext()) {
                writer.write(rows.next());
                output.rowWritten();
            }
        });
    }

    /** What a task feeds its writer: its rows or its batches. */
    private interface Feed<W> {
        void into(W writer, TaskOutput output) throws IOException;
    }

    private static List<WrittenFile> writeParquet(Configuration conf, FileSystem fs, TaskSettings settings, int partition,
                                                  IntFunction<Path> paths, Feed<RollingParquetWriter> feed) throws IOException {
        try (RollingParquetWriter writer = new RollingParquetWriter(conf, fs, settings.layout(), settings.tuning(), partition, paths)) {
            feed.into(writer, TaskOutput.of(writer::bytesWritten));
            // single_file: the short last group goes apart, for the merge to re-encode with the other tasks'.
            return settings.tailApart() ? writer.finishWithTail(paths.apply(WrittenFile.TAIL_SEQUENCE)) : writer.finish();
        }
    }

    /**
     * JSON lines: each row's written columns as Spark's {@code to_json} writes them ({@link JsonLineEncoder}),
     * its partition values (with partition_by) naming the directory.
     */
    public static Function2<Integer, Iterator<InternalRow>, Iterator<WrittenFile>> jsonLines(
            Broadcast<SerializableConfiguration> conf, TaskSettings settings, JsonStyle style, LongAccumulator filesWritten) {
        String extension = settings.compression().extension(Format.JSONL);
        return (partition, rows) -> inTask(conf.value().value(), settings, partition, extension, filesWritten, (fs, paths) ->
                settings.partitionColumns().isEmpty()
                        ? writeJsonLines(fs, settings, partition, sequence -> paths.apply("", sequence), rowLines(rows, settings, style))
                        : jsonLinesByDirectory(fs, settings, style, partition, rows, paths));
    }

    /** A writer holds its file's buffers and, compressed, its compressor's. */
    private static final long JSON_WRITER_BYTES = 4L << 20;

    private static List<WrittenFile> jsonLinesByDirectory(FileSystem fs, TaskSettings settings, JsonStyle style, int partition,
                                                          Iterator<InternalRow> rows, StagingPaths paths) throws IOException {
        JsonLineEncoder encoder = new JsonLineEncoder(settings.written(), style);
        return directoryWriters(settings, JSON_WRITER_BYTES, directory -> {
            RollingJsonLinesWriter writer = new RollingJsonLinesWriter(fs, settings.layout(), settings.compression(), partition,
                    sequence -> paths.apply(directory, sequence));
            return new DirectoryWriters.Writer(writer, row -> {
                encoder.encode(row);
                writer.write(encoder.bytes(), encoder.length());
            });
        }).write(rows);
    }

    /** JSON lines from the columnar batches of a plain scan ({@link org.dataexport.job.data.ColumnarScan}); not with partition_by. */
    public static Function2<Integer, Iterator<ColumnarBatch>, Iterator<WrittenFile>> jsonBatches(
            Broadcast<SerializableConfiguration> conf, TaskSettings settings, JsonStyle style, LongAccumulator filesWritten) {
        String extension = settings.compression().extension(Format.JSONL);
        return (partition, batches) -> inTask(conf.value().value(), settings, partition, extension, filesWritten, (fs, paths) ->
                writeJsonLines(fs, settings, partition, sequence -> paths.apply("", sequence), (writer, output) -> {
                    JsonLineEncoder encoder = new JsonLineEncoder(settings.written(), style);
                    while (batches.hasNext()) {
                        ColumnarBatch batch = batches.next();
                        encoder.startBatch(batch);
                        for (int r = 0; r < batch.numRows(); r++) {
                            encoder.encode(batch, r);
                            writer.write(encoder.bytes(), encoder.length());
                        }
                        output.rowsWritten(batch.numRows());
                    }
                }));
    }

    private static Feed<RollingJsonLinesWriter> rowLines(Iterator<InternalRow> rows, TaskSettings settings, JsonStyle style) {
        return (writer, output) -> {
            JsonLineEncoder encoder = new JsonLineEncoder(settings.written(), style);
            while (rows.hasNext()) {
                encoder.encode(rows.next());
                writer.write(encoder.bytes(), encoder.length());
                output.rowWritten();
            }
        };
    }

    private static List<WrittenFile> writeJsonLines(FileSystem fs, TaskSettings settings, int partition, IntFunction<Path> paths,
                                                    Feed<RollingJsonLinesWriter> feed) throws IOException {
        try (RollingJsonLinesWriter writer = new RollingJsonLinesWriter(fs, settings.layout(), settings.compression(), partition, paths)) {
            feed.into(writer, TaskOutput.of(writer::bytesWritten));
            return writer.finish();
        }
    }

    /**
     * Writers by directory for the task's rows, as they come (not sorted): as many open at once as
     * {@code bytesPerWriter} allows ({@link DirectoryWriters}).
     */
    private static DirectoryWriters directoryWriters(TaskSettings settings, long bytesPerWriter, DirectoryWriters.Opener opener) {
        StructType rowSchema = settings.written();
        for (int k = 0; k < settings.partitionColumns().size(); k++) {
            rowSchema = rowSchema.add("__partition_" + k, org.apache.spark.sql.types.DataTypes.StringType, true);
        }
        return new DirectoryWriters(settings.partitionColumns(), rowSchema, settings.written().size(),
                DirectoryWriters.maxOpen(bytesPerWriter), opener);
    }

    /**
     * The most files one task may write, and the failure it ends with when it would write more (made
     * on the driver, where the request is known).
     */
    public record FileBudget(long maxFiles, ExportFailure exceeded) implements java.io.Serializable {
    }

    private interface PartitionWrite {
        List<WrittenFile> write(FileSystem fs, StagingPaths paths) throws IOException;
    }

    /** Where a task's file goes in the staging directory: its partition directory, then task, attempt and sequence. */
    private interface StagingPaths {
        Path apply(String directory, int sequence);
    }

    private static Iterator<WrittenFile> inTask(Configuration conf, TaskSettings settings, int partition, String extension,
                                                LongAccumulator filesWritten, PartitionWrite write) {
        Path root = new Path(settings.staging());
        TaskContext task = TaskContext.get();
        long attempt = task == null ? 0 : task.taskAttemptId();
        try (FileSystem staged = ExportFileSystems.open(root, conf)) {
            Optional<PendingUploadFileSystem> direct = settings.directUploads() && staged instanceof S3AFileSystem s3
                    ? Optional.of(new PendingUploadFileSystem(s3, root)) : Optional.empty();
            FileSystem fs = direct.<FileSystem>map(d -> d).orElse(staged);
            // The staging directory is <destination>/_temporary/<export id>.
            Path destination = root.getParent().getParent();
            long[] closed = {0};
            List<WrittenFile> written = write.write(fs, (directory, sequence) -> {
                Path dir = directory.isEmpty() ? root : new Path(root, directory);
                if (sequence == WrittenFile.TAIL_SEQUENCE) {
                    return new Path(dir, String.format("%05d-%d-tail%s", partition, attempt, extension));
                }
                if (sequence >= settings.budget().maxFiles()) {
                    throw settings.budget().exceeded();
                }
                if (sequence > 0) {
                    // The previous file is closed: counted now, so that progress moves while the task runs.
                    filesWritten.add(1);
                    closed[0]++;
                }
                if (direct.isPresent() && sequence == 0 && directory.isEmpty()) {
                    return direct.get().direct(new Path(destination, WrittenFile.partName(partition, extension)));
                }
                return new Path(dir, String.format("%05d-%d-%05d%s", partition, attempt, sequence, extension));
            });
            List<WrittenFile> files = written.stream()
                    .map(file -> direct.flatMap(d -> d.upload(file.path())).map(file::uploaded).orElse(file)).toList();
            // Spark's UI and listeners (progress) show these as the task's output.
            TaskOutput.finished(files.stream().mapToLong(WrittenFile::rows).sum(),
                    files.stream().mapToLong(WrittenFile::fileBytes).sum());
            filesWritten.add(files.stream().filter(file -> !file.isTail()).count() - closed[0]);
            return files.iterator();
        } catch (IOException | RuntimeException e) {
            // Classified here, where the cause is at hand: AWS SDK exceptions do not survive Spark's
            // task-failure serialization, the ExportFailure does. Scrubbed here too, and without its
            // cause: Spark logs a failed task's exception and shows it in its UI.
            throw Failures.scrubbed(e, settings.secrets());
        }
    }
}
