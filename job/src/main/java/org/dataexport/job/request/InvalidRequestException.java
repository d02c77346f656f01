package org.dataexport.job.request;

import org.dataexport.job.failure.ExportFailure;

/** A request that cannot be run as given (400); the message names the field and says what to fix. */
public final class InvalidRequestException extends ExportFailure {
    private final String field;

    public InvalidRequestException(String field, String problem) {
        super(org.dataexport.job.failure.ErrorType.INVALID_REQUEST, field == null || field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
