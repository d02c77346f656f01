package org.dataexport.job.storage;

import org.apache.hadoop.conf.Configurable;
import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Checks the endpoint policy before every request the S3 client transmits: the host is resolved
 * again and every address checked, so a name that resolved to a public address at request time and
 * to a private one later (DNS rebinding) is refused before any byte is sent. The JVM's address cache
 * serves the connection the same answer the check saw. s3a adds it to its clients through
 * {@code fs.s3a.audit.execution.interceptors}, on the driver and on every executor.
 */
public final class EndpointGuard implements ExecutionInterceptor, Configurable {
    public static final String POLICY_KEY = "dataexport.storage.allowed_endpoints";

    private Configuration conf;
    private EndpointPolicy policy;

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
        String spec = conf.get(POLICY_KEY);
        this.policy = spec == null ? null : EndpointPolicy.parse(spec);
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (policy == null) {
            throw new EndpointRefusedException("no endpoint policy is configured for this export");
        }
        SdkHttpRequest request = context.httpRequest();
        policy.check(request.host(), request.port());
    }
}
