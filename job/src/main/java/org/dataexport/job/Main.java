package org.dataexport.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.status.api.v1.ExecutorSummary;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.progress.ExportProgress;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.storage.EndpointPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The job as a Spark application:
 * {@code spark-submit --class org.dataexport.job.Main data-export-job-VERSION-spark.jar --request request.json
 * [--result result.json] [--datasets datasets.properties]}. It reads the same request JSON the REST
 * API takes and prints (and optionally writes) the same response envelope, failures included; the
 * exit code is 0 on success and 1 on a failed export. The files may be local paths or Hadoop URIs
 * (the launcher's cluster mode exchanges them through a directory the driver can reach).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        String requestFile = null;
        String resultFile = null;
        String datasetsFile = null;
        String cancelMarker = null;
        String allowedEndpoints = null;
        String exportId = null;
        String owner = null;
        long leaseSeconds = LeaseSettings.DEFAULT_LEASE.toSeconds();
        String progressFile = null;
        long maxFiles = ExportLimits.DEFAULTS.maxFiles();
        boolean progress = false;
        boolean consumeRequest = false;
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--progress") || args[i].equals("--consume-request")) {
                progress |= args[i].equals("--progress");
                consumeRequest |= args[i].equals("--consume-request");
                i--;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--request" -> requestFile = value;
                case "--result" -> resultFile = value;
                case "--datasets" -> datasetsFile = value;
                case "--cancel-marker" -> cancelMarker = value;
                case "--allowed-endpoints" -> allowedEndpoints = value;
                case "--max-files" -> maxFiles = Long.parseLong(value);
                case "--export-id" -> exportId = java.util.UUID.fromString(value).toString();
                case "--progress-file" -> progressFile = value;
                case "--owner" -> owner = value;
                case "--lease-seconds" -> leaseSeconds = Long.parseLong(value);
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (requestFile == null) {
            usage("--request is required");
        }
        Options options = new Options(exportId == null ? java.util.UUID.randomUUID().toString() : exportId,
                Optional.ofNullable(progressFile), requestFile, consumeRequest, datasetsFile, Optional.ofNullable(cancelMarker),
                Optional.ofNullable(allowedEndpoints).map(EndpointPolicy::parse),
                new ExportLimits(ExportLimits.DEFAULTS.minRowGroupSize(), ExportLimits.DEFAULTS.maxRowGroupSize(),
                        ExportLimits.DEFAULTS.minTargetFileSize(), maxFiles), progress,
                new LeaseSettings(owner == null ? LeaseSettings.forThisProcess("spark-submit").owner() : owner,
                        java.time.Duration.ofSeconds(leaseSeconds)));
        ObjectNode envelope = run(options);
        String json = envelope.toPrettyString();
        System.out.println(json);
        if (resultFile != null) {
            write(resultFile, json);
        }
        System.exit(envelope.get("success").asBoolean() ? 0 : 1);
    }

    /**
     * The command line: {@code consumeRequest} deletes the request file (it holds credentials) as soon
     * as it is read; {@code endpoints} (from the launcher) holds the tasks to the server's endpoint policy;
     * {@code exportId} (a UUID, new by default) names the run in its result, its progress and Spark's job group.
     */
    record Options(String exportId, Optional<String> progressFile, String requestFile, boolean consumeRequest, String datasetsFile, Optional<String> cancelMarker,
                   Optional<EndpointPolicy> endpoints, ExportLimits limits, boolean progress, LeaseSettings lease) {
    }

    static ObjectNode run(Options options) {
        long started = System.nanoTime();
        CancelWatch cancelWatch = null;
        try (MemoryWatch memory = MemoryWatch.start()) {
            String requestJson = read(options.requestFile());
            if (options.consumeRequest()) {
                delete(options.requestFile());
            }
            ExportRequest request = ExportRequest.fromJson(requestJson);
            // The launcher checks the bounds at request time (Admission); a run by hand is checked here.
            options.limits().check(request);
            DatasetCatalog datasets = options.datasetsFile() == null ? DatasetCatalog.BUILT_IN : DatasetCatalog.load(read(options.datasetsFile()));
            SparkSession spark = SparkSession.builder().appName("data-export").getOrCreate();
            Cancellation cancellation = new Cancellation();
            if (options.cancelMarker().isPresent()) {
                cancelWatch = CancelWatch.start(spark.sparkContext(), options.cancelMarker().get(), cancellation);
            }
            ExportResult result;
            try (ExportProgress progress = ExportProgress.follow(spark.sparkContext(), ExportJob.jobGroup(options.exportId()));
                 ProgressReport report = new ProgressReport(options.exportId(), progress,
                         options.progress() ? Optional.of(System.err) : Optional.empty(), options.progressFile())) {
                result = new ExportJob(spark, datasets, options.limits(), options.endpoints(), options.lease()).run(request, options.exportId(), cancellation);
            }
            ResponseJson.Metrics metrics = request.includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - started) / 1e9, Math.max(memory.peakBytes(), executorsPeakRss(spark)))
                    : null;
            // Per-file figures always: a launcher keeps them in the job's record and answers them on request.
            ObjectNode envelope = ResponseJson.success(result, true, metrics);
            ((ObjectNode) envelope.get("data")).put("export_id", options.exportId());
            return envelope;
        } catch (Throwable e) {
            // A cancelled export fails with the cancellation's own reason (ExportJob). Whatever happened, the caller (a cluster submitter waiting for --result) gets an envelope.
            ExportFailure failure = Failures.scrubbed(e, List.of());
            return ResponseJson.failure(failure);
        } finally {
            if (cancelWatch != null) {
                cancelWatch.close();
            }
        }
    }

    /**
     * The highest peak resident memory any executor reported (Spark's executor metrics; needs
     * spark.executor.processTreeMetrics.enabled), 0 when none did.
     */
    static long executorsPeakRss(SparkSession spark) {
        long peak = 0;
        scala.collection.Iterator<ExecutorSummary> executors = spark.sparkContext().statusStore().executorList(false).iterator();
        while (executors.hasNext()) {
            scala.Option<ExecutorMetrics> metrics = executors.next().peakMemoryMetrics();
            if (metrics.isDefined()) {
                peak = Math.max(peak, metrics.get().getMetricValue("ProcessTreeJVMRSSMemory"));
            }
        }
        return peak;
    }

    private static String read(String file) throws IOException {
        Path path = new Path(file);
        try (FileSystem fs = FileSystem.newInstance(path.toUri(), new Configuration()); InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void delete(String file) throws IOException {
        Path path = new Path(file);
        try (FileSystem fs = FileSystem.newInstance(path.toUri(), new Configuration())) {
            fs.delete(path, false);
        }
    }

    /**
     * Writes the file whole or not at all (a temporary name, then a rename), replacing an older one: a
     * reader never sees half of it.
     */
    static void write(String file, String content) throws IOException {
        Path path = new Path(file);
        Path temporary = new Path(path.getParent(), "." + path.getName() + ".writing");
        try (FileSystem fs = FileSystem.newInstance(path.toUri(), new Configuration())) {
            fs.setWriteChecksum(false);
            try (OutputStream out = fs.create(temporary, true)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(path, false);
            if (!fs.rename(temporary, path)) {
                throw new IOException("could not rename " + temporary + " to " + path);
            }
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: spark-submit --class " + Main.class.getName()
                + " data-export-job-VERSION-spark.jar --request request.json [--result result.json] [--datasets datasets.properties] [--progress] [--progress-file path] [--export-id uuid] [--owner name] [--lease-seconds n] [--cancel-marker path] [--allowed-endpoints spec] [--max-files n] [--consume-request]");
        System.exit(2);
    }
}
