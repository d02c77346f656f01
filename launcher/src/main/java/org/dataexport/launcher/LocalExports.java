package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.ExportJob;
import org.dataexport.job.ExportResult;
import org.dataexport.job.MemoryWatch;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.request.ExportRequest;

/** Runs exports in this JVM on the one warm SparkSession: no JVM or session start-up per request. */
final class LocalExports implements Exports {
    private final ExportJob job;

    LocalExports(ExportJob job) {
        this.job = job;
    }

    @Override
    public ObjectNode run(ExportRequest request, String requestJson, long acceptedNanos) {
        try (MemoryWatch memory = MemoryWatch.start()) {
            ExportResult result = job.run(request);
            ResponseJson.Metrics metrics = request.includeMetrics()
                    ? new ResponseJson.Metrics((System.nanoTime() - acceptedNanos) / 1e9, memory.peakBytes())
                    : null;
            return ResponseJson.success(result, request.includeFileStats(), metrics);
        }
    }
}
