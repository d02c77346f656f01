package org.dataexport.launcher.request;

import org.dataexport.job.failure.Failures;
import org.dataexport.job.request.ExportLimits;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.request.S3Storage;
import org.dataexport.job.storage.EndpointPolicy;
import org.dataexport.job.storage.EndpointRefusedException;

/**
 * Everything the server checks of a parsed request before it runs it, at request time and before any
 * connection is made: the destination against the allowed roots, the S3 endpoint against the endpoint
 * policy (resolved, every address), and the sizes against the service's bounds. Each refusal is a 400
 * naming the field and the setting (a parent that is a file: 409).
 */
public record Admission(AllowedRoots roots, EndpointPolicy endpoints, ExportLimits limits) {
    public void check(ExportRequest request) {
        limits.check(request);
        roots.check(request.destination());
        S3Storage storage = request.storage();
        if (storage != null && storage.endpoint() != null) {
            int port = storage.endpoint().getPort() > 0 ? storage.endpoint().getPort()
                    : "https".equals(storage.endpoint().getScheme()) ? 443 : 80;
            try {
                endpoints.check(storage.endpoint().getHost(), port);
            } catch (EndpointRefusedException e) {
                throw Failures.scrubbed(e, request.secrets());
            }
        }
    }
}
