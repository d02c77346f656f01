package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.Cancellation;
import org.dataexport.job.ProgressReport;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.progress.Progress;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.storage.EndpointPolicy;
import org.dataexport.job.write.DestinationClaims;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Submits each export to a Spark cluster (standalone, YARN or Kubernetes) with SparkLauncher and the
 * job jar. The request and the result pass through an exchange directory the driver can reach: the
 * request file (it holds the request's credentials) is readable by its owner only and removed when
 * the job ends, and the arguments name only paths, so no secret reaches a command line or the Spark
 * UI. The result comes from the record the job writes, never from the handle's first final state
 * (SparkAppHandle reports FINISHED before FAILED).
 */
final class ClusterExports implements Exports {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterExports.class);
    private static final long RESULT_GRACE_MILLIS = 30_000;
    private static final long CANCEL_GRACE_SECONDS = 60;
    private static final String OPEN_JAVA_NET = "--add-opens=java.base/java.net=ALL-UNNAMED";

    private final LauncherConfig.ClusterSettings settings;
    private final String datasetsProperties;
    private final EndpointPolicy endpoints;
    private final ExportLimits limits;
    private final long leaseSeconds;
    private final Map<String, Path> progressFiles = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param datasetsProperties the launcher's datasets.properties, handed to every job; null for the job's built-in default
     * @param endpoints          the endpoint policy the job's tasks check before every S3 request
     */
    ClusterExports(LauncherConfig.ClusterSettings settings, String datasetsProperties, EndpointPolicy endpoints, ExportLimits limits,
                   long leaseSeconds) {
        this.leaseSeconds = leaseSeconds;
        this.settings = settings;
        this.datasetsProperties = datasetsProperties;
        this.endpoints = endpoints;
        this.limits = limits;
    }

    @Override
    public Progress progress(String exportId) {
        Path file = progressFiles.get(exportId);
        if (file == null) {
            return Progress.NONE;
        }
        try (FileSystem fs = FileSystem.newInstance(file.toUri(), new Configuration()); InputStream in = fs.open(file)) {
            return ProgressReport.fromJson(ResponseJson.MAPPER.readTree(in));
        } catch (IOException | RuntimeException e) {
            // Not written yet, or between two writes.
            return Progress.NONE;
        }
    }

    @Override
    public Outcome run(Run run) {
        ExportRequest request = run.request();
        Cancellation cancellation = run.cancellation();
        long acceptedNanos = run.acceptedNanos();
        String id = run.exportId();
        Path exchange = new Path(settings.exchangeDir(), id);
        // The job's driver runs in its own JVM: two exports to one destination are kept apart here.
        Runnable releaseClaim = DestinationClaims.claim(new Path(request.destinationUri())
                .makeQualified(FileSystem.getDefaultUri(new Configuration()), new Path("/")).toString());
        try (FileSystem fs = FileSystem.newInstance(exchange.toUri(), new Configuration())) {
            fs.setWriteChecksum(false);
            boolean driverEnded = false;
            try {
                Path requestFile = writePrivate(fs, new Path(exchange, "request.json"), run.requestJson());
                progressFiles.put(id, fs.makeQualified(new Path(exchange, "progress.json")));
                Path datasetsFile = datasetsProperties == null ? null
                        : writePrivate(fs, new Path(exchange, "datasets.properties"), datasetsProperties);
                Path resultFile = fs.makeQualified(new Path(exchange, "result.json"));
                Path cancelMarker = fs.makeQualified(new Path(exchange, "cancel"));
                cancellation.onCancel(() -> cancelQuietly(fs, cancelMarker));
                Submission submission = submitAndWait(id, requestFile, datasetsFile, resultFile, fs, cancelMarker);
                driverEnded = submission.ended();
                ObjectNode envelope = readResult(fs, resultFile, submission, id);
                if (!envelope.get("success").asBoolean() && cancellation.reason().isPresent()) {
                    throw cancellation.reason().get();
                }
                if (submission.timedOut() && !envelope.get("success").asBoolean()) {
                    throw new ExportFailure(ErrorType.CLUSTER_TIMEOUT, "the cluster job did not finish within "
                            + settings.timeoutSeconds() + " s and was cancelled; the job reported: " + envelope.at("/exception/message").asText());
                }
                if (request.includeMetrics() && envelope.get("success").asBoolean()) {
                    ((ObjectNode) envelope.at("/data/metrics")).put("elapsed_time", (System.nanoTime() - acceptedNanos) / 1e9);
                }
                Progress tasks = progress(id);
                return new Outcome(envelope, envelope.get("success").asBoolean()
                        ? new Progress(tasks.tasksTotal(), tasks.tasksDone(), envelope.at("/data/export_result/total_row_count").asLong(),
                                tasks.bytesWritten(), envelope.at("/data/export_result/files").size())
                        : tasks);
            } finally {
                progressFiles.remove(id);
                // The job deletes the request once read; a job that never started must not leave it either.
                deleteQuietly(fs, new Path(exchange, "request.json"));
                if (driverEnded) {
                    deleteQuietly(fs, exchange);
                } else {
                    // The cancel marker must outlive a driver that has not confirmed it stopped.
                    LOG.warn("cluster job data-export-{} did not confirm its end; {} is kept for it", id, exchange);
                }
            }
        } catch (IOException e) {
            throw new ExportFailure(ErrorType.SUBMISSION_FAILED, "could not submit the export to the cluster: " + e.getClass().getSimpleName(), e);
        } finally {
            releaseClaim.run();
        }
    }

    /**
     * How a submission ended: its handle's final state, whether the launcher's timeout passed (and the
     * job was told to cancel), and whether the application ended at all.
     */
    private record Submission(SparkAppHandle.State state, boolean timedOut, boolean ended) {
    }

    private Submission submitAndWait(String id, Path requestFile, Path datasetsFile, Path resultFile,
                                               FileSystem fs, Path cancelMarker) throws IOException {
        File log = Files.createTempFile("data-export-submit-" + id, ".log").toFile();
        SparkLauncher launcher = new SparkLauncher(Map.of("SPARK_SCALA_VERSION", "2.13"))
                .setSparkHome(settings.sparkHome().toString())
                .setMaster(settings.master())
                .setDeployMode(settings.deployMode())
                .setAppName("data-export-" + id)
                .setAppResource(settings.jobJar().toAbsolutePath().toString())
                .setMainClass("org.dataexport.job.Main")
                .addAppArgs("--request", requestFile.toString(), "--consume-request", "--result", resultFile.toString(),
                        "--cancel-marker", cancelMarker.toString(), "--allowed-endpoints", endpoints.spec(),
                        "--max-files", Long.toString(limits.maxFiles()),
                        "--export-id", id, "--lease-seconds", Long.toString(leaseSeconds), "--progress-file", resultFile.getParent().toString() + "/progress.json")
                // Peak resident memory of the driver and executors, for rss_peak_bytes.
                .setConf("spark.executor.processTreeMetrics.enabled", "true")
                .setConf("spark.executor.metrics.pollingInterval", "200ms")
                .setConf("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                // Standalone cluster mode: spark-submit returns at once unless told to wait for the driver.
                .setConf("spark.standalone.submit.waitAppCompletion", "true")
                .redirectError(log)
                .redirectOutput(log);
        if (datasetsFile != null) {
            launcher.addAppArgs("--datasets", datasetsFile.toString());
        }
        settings.sparkConf().forEach(launcher::setConf);
        // Buckets named like my_bucket need java.net opened (PathStyleBucketS3AFileSystem); a standalone
        // cluster-mode driver gets neither Spark's module options nor defaultJavaOptions, only extraJavaOptions.
        for (String key : new String[] {"spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"}) {
            launcher.setConf(key, (OPEN_JAVA_NET + " " + settings.sparkConf().getOrDefault(key, "")).trim());
        }
        CountDownLatch done = new CountDownLatch(1);
        SparkAppHandle handle = launcher.startApplication(new SparkAppHandle.Listener() {
            @Override
            public void stateChanged(SparkAppHandle changed) {
                if (changed.getState().isFinal()) {
                    done.countDown();
                }
            }

            @Override
            public void infoChanged(SparkAppHandle changed) {
            }
        });
        boolean ended = false;
        boolean timedOut = false;
        try {
            ended = done.await(settings.timeoutSeconds(), TimeUnit.SECONDS);
            if (!ended) {
                // Killing spark-submit does not stop a cluster-mode driver: the marker makes the job
                // cancel itself and remove what it wrote; spark-submit is killed only after that.
                timedOut = true;
                writePrivate(fs, cancelMarker, "timeout");
                ended = done.await(CANCEL_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelQuietly(fs, cancelMarker);
            throw new ExportFailure(ErrorType.SHUTTING_DOWN, "the launcher was interrupted while the cluster job ran; the job was cancelled");
        } catch (IOException | RuntimeException e) {
            cancelQuietly(fs, cancelMarker);
            throw e;
        } finally {
            if (!ended) {
                handle.kill();
            }
        }
        if (handle.getState() == SparkAppHandle.State.FINISHED) {
            LOG.info("cluster job data-export-{} ended {}", id, handle.getState());
            Files.deleteIfExists(log.toPath());
        } else {
            LOG.warn("cluster job data-export-{} ended {}; spark-submit output kept in {}", id, handle.getState(), log);
        }
        return new Submission(handle.getState(), timedOut, ended);
    }

    private static void cancelQuietly(FileSystem fs, Path cancelMarker) {
        try {
            writePrivate(fs, cancelMarker, "cancelled");
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not leave the cancel marker {}: {}", cancelMarker, e.getClass().getName());
        }
    }

    /**
     * The job's own envelope, even after a timeout (the job may have committed just before it saw the
     * cancel marker, or report that it cancelled); the submission only explains a missing one.
     */
    private ObjectNode readResult(FileSystem fs, Path resultFile, Submission submission, String id) throws IOException {
        long deadline = System.currentTimeMillis() + (submission.ended() ? RESULT_GRACE_MILLIS : 0);
        while (true) {
            try (InputStream in = fs.open(resultFile)) {
                JsonNode envelope = ResponseJson.MAPPER.readTree(in);
                if (envelope instanceof ObjectNode object && envelope.has("code")) {
                    return object;
                }
            } catch (FileNotFoundException | com.fasterxml.jackson.core.JsonProcessingException e) {
                // In cluster deploy mode the handle may end before the driver has written the record.
            }
            if (System.currentTimeMillis() >= deadline) {
                if (submission.timedOut()) {
                    throw new ExportFailure(ErrorType.CLUSTER_TIMEOUT, "the cluster job did not finish within "
                            + settings.timeoutSeconds() + " s and was cancelled" + (submission.ended() ? ""
                            : "; it did not confirm within " + CANCEL_GRACE_SECONDS + " s, so its destination may need checking"));
                }
                throw new ExportFailure(ErrorType.CLUSTER_JOB_FAILED, "the cluster job data-export-" + id + " ended " + submission.state()
                        + " without writing a result; see the launcher log for its spark-submit output");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the job's result", e);
            }
        }
    }

    private static void deleteQuietly(FileSystem fs, Path exchange) {
        try {
            fs.delete(exchange, true);
        } catch (IOException e) {
            LOG.warn("could not remove the exchange directory {}: {}", exchange, e.getClass().getName());
        }
    }

    private static Path writePrivate(FileSystem fs, Path path, String content) throws IOException {
        try (OutputStream out = fs.create(path, new FsPermission((short) 0600), false, 1 << 16,
                fs.getDefaultReplication(path), fs.getDefaultBlockSize(path), null)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        fs.setPermission(path, new FsPermission((short) 0600));
        return fs.makeQualified(path);
    }
}
