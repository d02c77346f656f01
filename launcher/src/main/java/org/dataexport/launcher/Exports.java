package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.Cancellation;
import org.dataexport.job.request.ExportRequest;

/** Runs an export somewhere: in this JVM ({@link LocalExports}) or on a Spark cluster ({@link ClusterExports}). */
interface Exports {
    /**
     * Runs one export and returns its envelope (success or the job's own failure); failures detected
     * here come out as {@link org.dataexport.job.failure.ExportFailure}.
     *
     * @param requestJson the request as the API received it: a cluster job reads the same JSON
     * @param acceptedNanos when the request was accepted, for {@code elapsed_time}
     * @param cancellation  stops the export from outside (time limit, caller gone); the export then
     *                      fails with the cancellation's reason and leaves nothing behind
     */
    ObjectNode run(ExportRequest request, String requestJson, long acceptedNanos, Cancellation cancellation);
}
