package org.dataexport.job;

/**
 * An export that ended with a known HTTP status. The message is what the caller reads: it says what
 * to fix and never carries a secret or a stack trace.
 */
public class ExportFailure extends RuntimeException {
    private final int status;
    private final String type;

    public ExportFailure(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
    }

    public ExportFailure(int status, String type, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public static ExportFailure destinationNotEmpty(String destination, String why) {
        return new ExportFailure(409, "DestinationNotEmpty", "the destination " + destination + " " + why
                + "; export to a new or empty directory (nothing was written)");
    }
}
