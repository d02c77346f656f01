package org.dataexport.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.dataexport.job.data.ColumnarScan;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.data.InputSplits;
import org.dataexport.job.data.Selection;
import org.dataexport.job.data.SourceFooters;
import org.dataexport.job.data.SourceRowGroups;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.commit.StagedOutput;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.request.Format;
import org.dataexport.job.request.Mode;
import org.dataexport.job.storage.EndpointPolicy;
import org.dataexport.job.storage.ExportFileSystems;
import org.dataexport.job.storage.StorageSettings;
import org.dataexport.job.write.BatchColumns;
import org.dataexport.job.write.FileCap;
import org.dataexport.job.write.FileLayout;
import org.dataexport.job.write.ParquetWriteConf;
import org.dataexport.job.write.PartitionWriters;
import org.dataexport.job.write.JsonStyle;
import org.dataexport.job.write.RollingJsonLinesWriter;
import org.dataexport.job.write.RollingParquetWriter;
import org.dataexport.job.write.PendingUploadFileSystem;
import org.dataexport.job.write.SingleFileMerge;
import org.dataexport.job.write.WrittenFile;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs one export on a SparkSession: reads the dataset, has every task write its partition through a
 * rolling writer into a staging directory, and commits the files under their final names in data
 * order. The same code runs in the launcher's JVM (local mode) and as a spark-submit application.
 */
public final class ExportJob {
    private static final Logger LOG = LoggerFactory.getLogger(ExportJob.class);

    private final SparkSession spark;
    private final DatasetCatalog datasets;
    private final ExportLimits limits;
    private final Optional<EndpointPolicy> endpoints;
    private final LeaseSettings lease;

    /**
     * @param limits    the file cap is enforced here, while writing (the size bounds are checked by
     *                  whoever admits the request: the launcher's Admission, or Main)
     * @param endpoints the S3 endpoints tasks may connect to, checked before every request they send;
     *                  empty for an operator's own spark-submit run, which trusts its request
     * @param lease     how the export holds its destination against other writers (the claim's owner and lease)
     */
    public ExportJob(SparkSession spark, DatasetCatalog datasets, ExportLimits limits, Optional<EndpointPolicy> endpoints,
                     LeaseSettings lease) {
        this.spark = spark;
        this.datasets = datasets;
        this.limits = limits;
        this.endpoints = endpoints;
        this.lease = lease;
    }

    /** Runs the export; any failure comes out as an {@link ExportFailure} with its status. */
    public ExportResult run(ExportRequest request) {
        return run(request, UUID.randomUUID().toString(), Cancellation.none());
    }

    /**
     * Checks, without writing anything, that the columns and filter apply to the dataset (400) and that
     * the destination is free now (409 when it holds files or a live claim; a store error as the export
     * would report it): what an asynchronous submission answers at once.
     */
    public void preflight(ExportRequest request) {
        try {
            Selection.apply(spark, datasets.read(spark, request.dataset()), request);
        } catch (RuntimeException e) {
            throw Failures.scrubbed(e, request.secrets());
        }
        Configuration conf = StorageSettings.forExport(spark.sparkContext().hadoopConfiguration(), request.storage(), endpoints);
        Path destination = new Path(request.destinationUri());
        try (FileSystem fs = ExportFileSystems.open(destination, conf)) {
            org.dataexport.job.commit.DestinationContents.checkAvailable(fs, fs.makeQualified(destination));
        } catch (IOException | RuntimeException e) {
            throw Failures.scrubbed(e, request.secrets());
        }
    }

    /** The job group of an export's Spark jobs: what its progress and its cancellation follow. */
    public static String jobGroup(String exportId) {
        return "export-" + exportId;
    }

    /**
     * Runs the export unless it is cancelled: a cancellation cancels the export's Spark jobs, the
     * driver's own steps (the single-file merge, the commit) check it before they begin, and the
     * export then fails with the cancellation's reason, leaving nothing behind.
     *
     * @param exportId names the export's job group ({@link #jobGroup}) and its staging directory
     */
    public ExportResult run(ExportRequest request, String exportId, Cancellation cancellation) {
        String jobGroup = jobGroup(exportId);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // The Spark UI shows this; it names the destination, never the credentials.
        context.setJobGroup(jobGroup, "export " + request.format().apiName() + " to " + request.destinationUri(), true);
        FileCap cap = null;
        boolean cleanupPending = false;
        try {
            Selection.Selected data = Selection.apply(spark, datasets.read(spark, request.dataset()), request);
            Configuration conf = StorageSettings.forExport(spark.sparkContext().hadoopConfiguration(), request.storage(), endpoints);
            Path destination = new Path(request.destinationUri());
            try (FileSystem fs = ExportFileSystems.open(destination, conf)) {
                StagedOutput output = StagedOutput.begin(fs, fs.makeQualified(destination), exportId, lease, cancellation::cancel);
                try {
                    // Also cancels jobs the export starts after the cancellation.
                    cancellation.onCancel(() -> context.sc().cancelJobGroupAndFutureJobs(jobGroup));
                    LongAccumulator filesWritten = spark.sparkContext().longAccumulator(PartitionWriters.FILES_WRITTEN);
                    cap = new FileCap(filesWritten.id(), limits.maxFiles(), () -> context.sc().cancelJobGroupAndFutureJobs(jobGroup));
                    spark.sparkContext().addSparkListener(cap);
                    return write(data, request, conf, fs, output, cancellation, filesWritten);
                } catch (Throwable e) {
                    // Spark fails a job at its first failed task while the others may still be writing:
                    // stop them before removing what they wrote.
                    JobGroupTasks.stop(context, jobGroup);
                    if (!output.abort()) {
                        cleanupPending = true;
                    }
                    throw e;
                } finally {
                    output.release();
                }
            }
        } catch (Throwable e) {
            boolean capExceeded = cap != null && cap.exceeded();
            Throwable cause = cancellation.reason().<Throwable>map(reason -> reason)
                    .or(() -> capExceeded ? Optional.of(limits.tooManyFiles(request)) : Optional.empty())
                    .orElse(e);
            ExportFailure failure = Failures.scrubbed(cause, request.secrets());
            if (cleanupPending) {
                failure = new ExportFailure(failure.errorType(), failure.getMessage() + "; its staging under _temporary could not "
                        + "be removed yet: the service retries in the background, and the destination's claim expires after "
                        + lease.lease().toSeconds() + " s");
            }
            if (failure.status() >= 500) {
                LOG.warn("export to {} failed: {}", request.destinationUri(), Failures.describeForLog(e, request.secrets()));
            }
            throw failure;
        } finally {
            if (cap != null) {
                spark.sparkContext().removeSparkListener(cap);
            }
            context.clearJobGroup();
        }
    }

    private ExportResult write(Selection.Selected selected, ExportRequest request, Configuration conf, FileSystem fs, StagedOutput output,
                               Cancellation cancellation, LongAccumulator filesWritten) throws IOException {
        FileLayout layout = new FileLayout(request.rowGroupSizeBytes(), request.maxRowGroupsPerFile(), request.targetFileSizeBytes());
        Path staging = output.staging();
        List<WrittenFile> files;
        Dataset<Row> data = selected.data();
        Configuration writeConf = request.format() == Format.PARQUET
                ? ParquetWriteConf.prepare(spark, conf, selected.written(), request.rowGroupSizeBytes(), request.options().compression()) : conf;
        Broadcast<SerializableConfiguration> shared = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(new SerializableConfiguration(writeConf));
        PartitionWriters.TaskSettings settings = new PartitionWriters.TaskSettings(staging.toString(), layout, request.options().parquet(),
                request.options().compression(), request.mode() == Mode.SINGLE_FILE, selected.partitionColumns(), selected.written(),
                new PartitionWriters.FileBudget(limits.maxFiles(), limits.tooManyFiles(request)), request.secrets(),
                directUploads(fs, request, layout, selected));
        try {
            Optional<SourceRowGroups.Plan> copies = copyableSource(request, selected, layout, writeConf);
            // A plain scan's batches go to the writers as they are (Parquet: when every column copies straight in;
            // with partition_by, Parquet by string columns, the batches holding the partition values after the written columns).
            boolean partitioned = !selected.partitionColumns().isEmpty();
            Optional<Dataset<Row>> scanned = copies.isPresent() ? Optional.empty()
                    : !partitioned ? Optional.of(data) : request.format() == Format.PARQUET ? selected.keyed() : Optional.empty();
            boolean columnar = scanned.isPresent() && (request.format() != Format.PARQUET || BatchColumns.supports(selected.written(), writeConf));
            // The scan's splits are fixed as its RDD is created: sized then so that every core has work to the end.
            Optional<RDD<ColumnarBatch>> batches = columnar
                    ? InputSplits.balanced(scanned.get(), () -> ColumnarScan.of(scanned.get(), scanned.get().schema())) : Optional.empty();
            if (copies.isPresent()) {
                files = copy(copies.get(), shared, settings, filesWritten);
            } else if (request.format() == Format.PARQUET) {
                files = batches.isPresent()
                        ? batches.get().toJavaRDD().mapPartitionsWithIndex(partitioned ? PartitionWriters.parquetBatchesByDirectory(shared, settings, filesWritten)
                                : PartitionWriters.parquetBatches(shared, settings, filesWritten), false).collect()
                        : rows(data).mapPartitionsWithIndex(PartitionWriters.parquet(shared, settings, filesWritten), false).collect();
            } else {
                JsonStyle style = JsonStyle.of(spark);
                files = batches.isPresent()
                        ? batches.get().toJavaRDD().mapPartitionsWithIndex(PartitionWriters.jsonBatches(shared, settings, style, filesWritten), false).collect()
                        : rows(data).mapPartitionsWithIndex(PartitionWriters.jsonLines(shared, settings, style, filesWritten), false).collect();
            }
        } finally {
            shared.destroy();
        }
        files = new ArrayList<>(files);
        files.sort(WrittenFile.DATA_ORDER);
        if (files.stream().filter(file -> !file.isTail()).count() > limits.maxFiles()) {
            throw limits.tooManyFiles(request);
        }

        if (files.isEmpty()) {
            files = List.of(writeEmptyFile(request, writeConf, fs, layout, new Path(staging, "empty")));
        }
        cancellation.check();
        if (request.mode() == Mode.SINGLE_FILE && files.size() > 1) {
            // On S3 the merge writes straight to the final key: the commit completes it rather than copying it.
            List<WrittenFile> parts = files;
            files = List.of(PendingUploadFileSystem.writeOne(fs, staging, new Path(output.destination(), WrittenFile.partName(0, request.extension())),
                    new Path(staging, "single" + request.extension()), (on, merged) -> request.format() == Format.PARQUET
                            ? SingleFileMerge.parquet(on, parts, merged, writeConf, layout, request.options().parquet())
                            : SingleFileMerge.jsonLines(on, parts, merged)));
        }

        List<String> names = StagedOutput.partNames(files, request.extension());
        ExportResult result = ExportResult.of(request.path(), request.mode().apiName(), names, files);
        cancellation.check();
        output.commit(files, names, ResponseJson.exportResult(result, true).toPrettyString());
        return result;
    }

    /**
     * Whether tasks write their files straight to their final S3 names, as uploads the commit completes
     * instead of copying: when every task writes at most one file, its partition number is its file's.
     */
    private static boolean directUploads(FileSystem fs, ExportRequest request, FileLayout layout, Selection.Selected selected) {
        return fs instanceof org.apache.hadoop.fs.s3a.S3AFileSystem && request.mode() == Mode.MULTI_FILE
                && selected.partitionColumns().isEmpty() && layout.maxRowGroupsPerFile() == 0 && layout.effectiveTargetFileSize() == 0;
    }

    /** One task a split, each copying its split's row groups (the source read with the relation's configuration). */
    private List<WrittenFile> copy(SourceRowGroups.Plan plan, Broadcast<SerializableConfiguration> writeConf,
                                   PartitionWriters.TaskSettings settings, LongAccumulator filesWritten) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> readConf = context.broadcast(new SerializableConfiguration(plan.readConf()));
        try {
            return context.parallelize(plan.splits(), plan.splits().size())
                    .mapPartitionsWithIndex(PartitionWriters.parquetCopies(writeConf, readConf, settings, filesWritten), false).collect();
        } finally {
            readConf.destroy();
        }
    }

    /** multi_file Parquet of a plain Parquet scan whose row groups already fit, encoded as asked: the splits to copy them by. */
    private static Optional<SourceRowGroups.Plan> copyableSource(ExportRequest request, Selection.Selected selected, FileLayout layout,
                                                                 Configuration writeConf) {
        if (request.format() != Format.PARQUET || request.mode() != Mode.MULTI_FILE || !selected.partitionColumns().isEmpty()
                || layout.effectiveTargetFileSize() > 0 || !request.options().parquet().defaultEncoding()
                || request.options().compression().explicitLevel().isPresent()) {
            return Optional.empty();
        }
        boolean corrected = Stream.of("spark.sql.parquet.datetimeRebaseModeInWrite", "spark.sql.parquet.int96RebaseModeInWrite")
                .allMatch(key -> writeConf.get(key, "CORRECTED").equalsIgnoreCase("CORRECTED"));
        SourceFooters.Target target = new SourceFooters.Target(new ParquetWriteSupport().init(writeConf).getSchema(),
                ParquetOutputFormat.getCompression(writeConf), layout.rowGroupSizeBytes(), corrected);
        return SourceRowGroups.copyable(selected.data(), target, scan -> InputSplits.balanced(selected.data(), scan::inputRDD));
    }

    private static org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.catalyst.InternalRow> rows(Dataset<Row> data) {
        return InputSplits.balanced(data, () -> ((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().toRdd()).toJavaRDD();
    }

    private static WrittenFile writeEmptyFile(ExportRequest request, Configuration conf, FileSystem fs, FileLayout layout, Path path) throws IOException {
        if (request.format() == Format.PARQUET) {
            try (RollingParquetWriter writer = new RollingParquetWriter(conf, fs, layout, request.options().parquet(), 0, sequence -> path)) {
                return writer.finishEmpty().get(0);
            }
        }
        try (RollingJsonLinesWriter writer = new RollingJsonLinesWriter(fs, layout, request.options().compression(), 0, sequence -> path)) {
            return writer.finishEmpty().get(0);
        }
    }
}
