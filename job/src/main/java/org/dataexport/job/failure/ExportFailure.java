package org.dataexport.job.failure;

/**
 * An export that ended with a known error type. The message is what the caller reads: it says what
 * to fix and never carries a secret, a stack trace or a remote party's own text.
 */
public class ExportFailure extends RuntimeException {
    private final ErrorType type;

    public ExportFailure(ErrorType type, String message) {
        super(message);
        this.type = type;
    }

    public ExportFailure(ErrorType type, String message, Throwable cause) {
        super(message, cause);
        this.type = type;
    }

    public ErrorType errorType() {
        return type;
    }

    public int status() {
        return type.status();
    }

    public String type() {
        return type.apiName();
    }

    public static ExportFailure destinationNotEmpty(String destination, String why) {
        return new ExportFailure(ErrorType.DESTINATION_NOT_EMPTY, "the destination " + CallerText.quote(destination) + " " + why
                + "; export to a new or empty directory (nothing was written)");
    }
}
