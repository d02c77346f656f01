package org.dataexport.job.failure;

/**
 * Every kind of error the API answers with, and its HTTP status (as Trino's StandardErrorCode). The
 * name is the envelope's {@code exception.type}. A 500 means a fault of this service, never something
 * a caller can provoke; a caller's mistakes are 4xx, the storage's refusals 502.
 */
public enum ErrorType {
    INVALID_REQUEST(400, "InvalidRequest"),
    UNAUTHORIZED(401, "Unauthorized"),
    NOT_FOUND(404, "NotFound"),
    METHOD_NOT_ALLOWED(405, "MethodNotAllowed"),
    REQUEST_TIMEOUT(408, "RequestTimeout"),
    DESTINATION_NOT_EMPTY(409, "DestinationNotEmpty"),
    DESTINATION_CONFLICT(409, "DestinationConflict"),
    EXPORT_ENDED(409, "ExportEnded"),
    CANCELLED(409, "Cancelled"),
    PAYLOAD_TOO_LARGE(413, "PayloadTooLarge"),
    UNSUPPORTED_MEDIA_TYPE(415, "UnsupportedMediaType"),
    IDEMPOTENCY_KEY_REUSED(422, "IdempotencyKeyReused"),
    TOO_MANY_EXPORTS(429, "TooManyExports"),
    HEADERS_TOO_LARGE(431, "RequestHeaderFieldsTooLarge"),
    EXPORT_FAILED(500, "ExportFailed"),
    INTERNAL_ERROR(500, "InternalError"),
    SUBMISSION_FAILED(500, "SubmissionFailed"),
    CLUSTER_JOB_FAILED(500, "ClusterJobFailed"),
    STORAGE_ERROR(502, "StorageError"),
    STORAGE_UNREACHABLE(502, "StorageUnreachable"),
    SHUTTING_DOWN(503, "Interrupted"),
    JOB_STORE_UNAVAILABLE(503, "JobStoreUnavailable"),
    EXPORT_TIMEOUT(504, "ExportTimeout"),
    CLUSTER_TIMEOUT(504, "ClusterTimeout");

    private final int status;
    private final String apiName;

    ErrorType(int status, String apiName) {
        this.status = status;
        this.apiName = apiName;
    }

    public int status() {
        return status;
    }

    /** The envelope's {@code exception.type}. */
    public String apiName() {
        return apiName;
    }
}
