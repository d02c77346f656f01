package org.dataexport.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.SparkSession;
import org.dataexport.job.data.DatasetCatalog;
import org.dataexport.job.request.ExportRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The job as a Spark application:
 * {@code spark-submit --class org.dataexport.job.Main data-export-job.jar --request request.json
 * [--result result.json] [--datasets datasets.properties]}. It reads the same request JSON the REST
 * API takes and prints (and optionally writes) the same response envelope; the exit code is 0 on
 * success and 1 on failure.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        Path requestFile = null;
        Path resultFile = null;
        Path datasetsFile = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--request" -> requestFile = Path.of(value);
                case "--result" -> resultFile = Path.of(value);
                case "--datasets" -> datasetsFile = Path.of(value);
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (requestFile == null) {
            usage("--request is required");
        }
        ObjectNode envelope = run(Files.readString(requestFile), datasetsFile);
        String json = envelope.toPrettyString();
        System.out.println(json);
        if (resultFile != null) {
            Files.writeString(resultFile, json, StandardCharsets.UTF_8);
        }
        System.exit(envelope.get("success").asBoolean() ? 0 : 1);
    }

    static ObjectNode run(String requestJson, Path datasetsFile) {
        long started = System.nanoTime();
        try (MemoryWatch memory = MemoryWatch.start()) {
            ExportRequest request = ExportRequest.fromJson(requestJson);
            DatasetCatalog datasets = datasetsFile == null ? DatasetCatalog.BUILT_IN : DatasetCatalog.load(datasetsFile);
            SparkSession spark = SparkSession.builder().appName("data-export").getOrCreate();
            ExportResult result = new ExportJob(spark, datasets).run(request);
            ResponseJson.Metrics metrics = request.includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - started) / 1e9, memory.peakBytes()) : null;
            return ResponseJson.success(result, request.includeFileStats(), metrics);
        } catch (ExportFailure failure) {
            return ResponseJson.failure(failure.status(), failure.type(), failure.getMessage());
        } catch (IOException | RuntimeException e) {
            ExportFailure failure = Failures.classify(e);
            return ResponseJson.failure(failure.status(), failure.type(), failure.getMessage());
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: spark-submit --class " + Main.class.getName()
                + " data-export-job.jar --request request.json [--result result.json] [--datasets datasets.properties]");
        System.exit(2);
    }
}
