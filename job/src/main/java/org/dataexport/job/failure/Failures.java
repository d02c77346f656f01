package org.dataexport.job.failure;

import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.s3a.UnknownStoreException;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;
import org.dataexport.job.storage.EndpointRefusedException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns any failure of an export into the error type and message the caller gets. Storage refusals
 * (S3 error responses, HDFS refusals, unreachable endpoints) are 502 with the store's error code and
 * HTTP status only: the remote party's own text never comes back, or an endpoint would let a caller
 * read what some internal service says. Anything unforeseen is 500. Messages are one line, scrubbed
 * of the request's secrets, and never carry a stack trace.
 */
public final class Failures {
    private static final int MAX_MESSAGE = 500;
    // An error code as S3 writes it; anything else from the remote side is replaced by its status.
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z][A-Za-z0-9.]{0,63}");

    private Failures() {
    }

    public static ExportFailure classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ExportFailure known) {
                return known;
            }
            if (t instanceof EndpointRefusedException refused) {
                return new ExportFailure(ErrorType.INVALID_REQUEST, EndpointRefusedException.FIELD + ": " + refused.getMessage(), failure);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException refusal) {
                // A refused HEAD request has no body and so no error code: name the status instead.
                String code = refusal.awsErrorDetails() != null ? refusal.awsErrorDetails().errorCode() : null;
                if (code == null || !ERROR_CODE.matcher(code).matches()) {
                    code = codeForStatus(refusal.statusCode());
                }
                return new ExportFailure(ErrorType.STORAGE_ERROR, "the storage refused the request: " + code
                        + " (HTTP " + refusal.statusCode() + ")", failure);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnknownStoreException) {
                return new ExportFailure(ErrorType.STORAGE_ERROR, "the storage refused the request: NoSuchBucket: the bucket does not exist", failure);
            }
            if (t instanceof FileAlreadyExistsException || t instanceof ParentNotDirectoryException
                    || t instanceof java.nio.file.FileAlreadyExistsException || t instanceof java.nio.file.NotDirectoryException) {
                return new ExportFailure(ErrorType.DESTINATION_CONFLICT, "the destination or one of its parent directories "
                        + "exists as a file; export to a new or empty directory (nothing was written)", failure);
            }
            if (t instanceof AccessControlException || t instanceof AccessDeniedException) {
                return new ExportFailure(ErrorType.STORAGE_ERROR, "the destination file system refused the request: AccessDenied", failure);
            }
            if (t instanceof RemoteException remote) {
                String name = remote.getClassName() == null ? "" : remote.getClassName().replaceAll(".*\\.", "");
                return new ExportFailure(ErrorType.STORAGE_ERROR, "the destination file system refused the request: "
                        + (ERROR_CODE.matcher(name).matches() ? name : "RemoteException"), failure);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String unreachable = unreachable(t);
            if (unreachable != null) {
                return new ExportFailure(ErrorType.STORAGE_UNREACHABLE, "the storage could not be reached: " + unreachable, failure);
            }
        }
        Throwable root = rootCause(failure);
        // The root's own text may come from anywhere (a data source, a remote service): the log has it.
        return new ExportFailure(ErrorType.EXPORT_FAILED, "the export failed: " + root.getClass().getSimpleName()
                + "; the server's log has the details", failure);
    }

    /** A fixed description of a network failure, or null when the failure is not one. */
    private static String unreachable(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof UnknownHostException) {
            return "unknown host";
        }
        if (t instanceof SocketTimeoutException || t instanceof org.apache.hadoop.net.ConnectTimeoutException) {
            return "timed out";
        }
        if (t instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (t instanceof SocketException || t instanceof javax.net.ssl.SSLException || t instanceof java.io.EOFException) {
            return "the connection failed";
        }
        if (t instanceof SdkClientException && t.getCause() == null) {
            return "the client could not complete the request";
        }
        return null;
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
        return new ExportFailure(classified.errorType(), message);
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

    /** The root cause's class and first line, escaped and scrubbed: for the server's own log. */
    public static String describeForLog(Throwable failure, List<String> secrets) {
        Throwable root = rootCause(failure);
        return root.getClass().getName() + ": " + CallerText.escape(redact(firstLine(root.getMessage()), secrets));
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
