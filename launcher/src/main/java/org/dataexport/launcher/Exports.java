package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.Cancellation;
import org.dataexport.job.progress.Progress;
import org.dataexport.job.request.ExportRequest;

import java.util.Objects;

/** Runs an export somewhere: in this JVM ({@link LocalExports}) or on a Spark cluster ({@link ClusterExports}). */
public interface Exports {
    /**
     * Runs one export and returns its envelope (success or the job's own failure); failures detected
     * here come out as {@link org.dataexport.job.failure.ExportFailure}.
     */
    Outcome run(Run run);

    /**
     * Checks what can be checked of the destination before the export is queued (it holds files or a
     * live claim: 409), so that an asynchronous caller hears it at once. Where the launcher cannot
     * reach the job's storage itself (cluster mode), the export reports it when it runs.
     */
    default void preflight(ExportRequest request) {
    }

    /** The live progress of a running export, {@link Progress#NONE} when unknown. */
    Progress progress(String exportId);

    /**
     * One export to run.
     *
     * @param requestJson  the request as the API received it: a cluster job reads the same JSON
     * @param acceptedNanos when the request was accepted, for {@code elapsed_time}
     * @param cancellation stops the export from outside (time limit, DELETE, caller gone, shutdown); the
     *                     export then fails with the cancellation's reason and leaves nothing behind
     */
    record Run(String exportId, ExportRequest request, String requestJson, long acceptedNanos, Cancellation cancellation) {
        public Run {
            Objects.requireNonNull(exportId, "exportId");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(requestJson, "requestJson");
            Objects.requireNonNull(cancellation, "cancellation");
        }
    }

    /** The envelope a synchronous caller gets, and the export's final figures as written. */
    record Outcome(ObjectNode envelope, Progress progress) {
        public Outcome {
            Objects.requireNonNull(envelope, "envelope");
            Objects.requireNonNull(progress, "progress");
        }

        public boolean succeeded() {
            return envelope.get("success").asBoolean();
        }
    }
}
