package org.dataexport.job;

import org.apache.hadoop.fs.s3a.UnknownStoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns any failure of an export into the status, type and message the caller gets. Storage refusals
 * (S3 error responses, unreachable endpoints) are 502 with the store's error code; anything unforeseen
 * is 500. Messages are one line, scrubbed of the request's secrets, and never carry a stack trace
 * (Spark's own job-failure messages do, so they are never passed on).
 */
public final class Failures {
    private static final int MAX_MESSAGE = 500;

    private Failures() {
    }

    public static ExportFailure classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ExportFailure known) {
                return known;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException refusal) {
                // A refused HEAD request has no body and so no error code: name the status instead.
                String code = refusal.awsErrorDetails() != null && refusal.awsErrorDetails().errorCode() != null
                        ? refusal.awsErrorDetails().errorCode() : codeForStatus(refusal.statusCode());
                String message = refusal.awsErrorDetails() != null ? refusal.awsErrorDetails().errorMessage() : null;
                return new ExportFailure(502, "StorageError", "the storage refused the request: " + code
                        + " (HTTP " + refusal.statusCode() + ")" + (message == null || message.equals(code) ? "" : ": " + firstLine(message)), failure);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnknownStoreException) {
                return new ExportFailure(502, "StorageError", "the storage refused the request: NoSuchBucket: the bucket does not exist", failure);
            }
            if (t instanceof SdkClientException || t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof SocketTimeoutException || t instanceof org.apache.hadoop.net.ConnectTimeoutException) {
                return new ExportFailure(502, "StorageUnreachable", "the storage could not be reached: "
                        + firstLine(rootCause(t).getMessage()), failure);
            }
        }
        Throwable root = rootCause(failure);
        return new ExportFailure(500, "ExportFailed", "the export failed: " + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage())), failure);
    }

    private static String codeForStatus(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 301, 307 -> "PermanentRedirect";
            case 403 -> "AccessDenied";
            case 404 -> "NotFound";
            case 503 -> "ServiceUnavailable";
            default -> "HTTP" + status;
        };
    }

    /**
     * The failure as it may leave the process: classified, its message scrubbed of the secrets and
     * then shortened (in that order, so no part of a secret survives a cut), with no cause attached.
     */
    public static ExportFailure scrubbed(Throwable failure, List<String> secrets) {
        ExportFailure classified = classify(failure);
        String message = redact(classified.getMessage(), secrets);
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "...";
        }
        return new ExportFailure(classified.status(), classified.type(), message);
    }

    /** Replaces every occurrence of a secret with a placeholder. */
    public static String redact(String text, List<String> secrets) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                result = result.replace(secret, "<redacted>");
            }
        }
        return result;
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
