package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.request.ExportRequest;

/** Runs an export somewhere: in this JVM ({@link LocalExports}) or on a Spark cluster ({@link ClusterExports}). */
interface Exports {
    /**
     * Runs one export and returns its envelope (success or the job's own failure); failures detected
     * here come out as {@link org.dataexport.job.ExportFailure}.
     *
     * @param requestJson the request as the API received it: a cluster job reads the same JSON
     * @param acceptedNanos when the request was accepted, for {@code elapsed_time}
     */
    ObjectNode run(ExportRequest request, String requestJson, long acceptedNanos);
}
