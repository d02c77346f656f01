package org.dataexport.job.storage;

/** A storage endpoint this server must not connect to; classified as a 400 naming the endpoint field. */
public final class EndpointRefusedException extends RuntimeException {
    public EndpointRefusedException(String message) {
        super(message, null, false, false);
    }
}
