package org.dataexport.job.storage;

import org.apache.hadoop.conf.Configuration;
import org.dataexport.job.request.S3Storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the Hadoop configuration of one export. Each export gets its own configuration with its own
 * credentials, and FileSystem caching is off for the schemes it writes to, so no FileSystem instance
 * (which holds credentials) is ever shared by two requests. For S3 the engine's s3a settings pass
 * through an allow-list of tuning keys only (connections, threads, uploads, retries, timeouts): a
 * global credential, encryption key, proxy password or endpoint of the server never travels to a
 * caller-chosen endpoint. The endpoint policy is checked before every request the client sends.
 */
public final class StorageSettings {
    private static final List<String> ALLOWED_S3A_PREFIXES = List.of(
            "fs.s3a.connection.", "fs.s3a.threads.", "fs.s3a.max.total.tasks", "fs.s3a.executor.capacity",
            "fs.s3a.multipart.", "fs.s3a.fast.upload", "fs.s3a.block.size", "fs.s3a.buffer.dir", "fs.s3a.retry.",
            "fs.s3a.attempts.maximum", "fs.s3a.socket.", "fs.s3a.readahead.range", "fs.s3a.paging.maximum",
            "fs.s3a.committer.", "fs.s3a.directory.marker.", "fs.s3a.request.timeout", "fs.s3a.input.",
            "fs.s3a.vectored.", "fs.s3a.change.detection.", "fs.s3a.bulk.delete.", "fs.s3a.performance.flags",
            "fs.s3a.create.performance", "fs.s3a.create.conditional.enabled", "fs.s3a.list.version");
    private static final List<String> CREDENTIAL_STORES = List.of(
            "hadoop.security.credential.provider.path", "fs.s3a.security.credential.provider.path");

    private StorageSettings() {
    }

    public static Configuration forExport(Configuration engine, S3Storage storage, Optional<EndpointPolicy> endpoints) {
        Configuration conf = new Configuration(engine);
        conf.setBoolean("fs.file.impl.disable.cache", true);
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        if (storage == null) {
            return conf;
        }
        List<String> refused = new ArrayList<>(CREDENTIAL_STORES);
        for (Map.Entry<String, String> entry : conf) {
            String key = entry.getKey();
            if ((key.startsWith("fs.s3a.") || key.startsWith("fs.s3.")) && ALLOWED_S3A_PREFIXES.stream().noneMatch(key::startsWith)) {
                refused.add(key);
            }
        }
        refused.forEach(conf::unset);
        conf.set("fs.s3a.impl", PathStyleBucketS3AFileSystem.class.getName());
        conf.setBoolean("fs.s3a.impl.disable.cache", true);
        // Each task opens its own S3A instance; with purging on, one would abort the uploads other tasks of the
        // export have left pending for the commit once they are older than the purge age.
        conf.setBoolean("fs.s3a.multipart.purge", false);
        endpoints.ifPresent(policy -> {
            conf.setBoolean("fs.s3a.audit.enabled", true);
            conf.set("fs.s3a.audit.execution.interceptors", EndpointGuard.class.getName());
            conf.set(EndpointGuard.POLICY_KEY, policy.spec());
        });

        // The request's settings go at the bucket level, where they win inside s3a.
        String bucketPrefix = "fs.s3a.bucket." + storage.bucket() + ".";

        if (storage.sessionToken() != null) {
            conf.set(bucketPrefix + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
            conf.set(bucketPrefix + "session.token", storage.sessionToken());
        } else {
            conf.set(bucketPrefix + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        }
        conf.set(bucketPrefix + "access.key", storage.accessKey());
        conf.set(bucketPrefix + "secret.key", storage.secretKey());
        conf.setBoolean(bucketPrefix + "path.style.access", !storage.virtualHostedStyle());
        if (storage.endpoint() != null) {
            conf.set(bucketPrefix + "endpoint", storage.endpoint().toString());
            conf.setBoolean(bucketPrefix + "connection.ssl.enabled", "https".equals(storage.endpoint().getScheme()));
            // S3-compatible stores accept any signing region; us-east-1 is the one they all know.
            conf.set(bucketPrefix + "endpoint.region", storage.region() != null ? storage.region() : "us-east-1");
        } else if (storage.region() != null) {
            conf.set(bucketPrefix + "endpoint.region", storage.region());
        }
        return conf;
    }
}
