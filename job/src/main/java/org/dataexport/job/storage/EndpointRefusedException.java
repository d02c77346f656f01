package org.dataexport.job.storage;

/** A storage endpoint this server must not connect to; classified as a 400 naming the endpoint field. */
public final class EndpointRefusedException extends RuntimeException {
    /** The request field every refusal names, at request time and while writing alike. */
    public static final String FIELD = "export_paths.storage_config.options.endpoint";

    public EndpointRefusedException(String message) {
        super(message, null, false, false);
    }
}
