package org.dataexport.job.storage;

import org.apache.hadoop.conf.Configuration;
import org.dataexport.job.request.S3Storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the Hadoop configuration of one export. Each export gets its own copy of the engine's
 * configuration with its own credentials, and FileSystem caching is off for the schemes it writes to,
 * so no FileSystem instance (which holds credentials) is ever shared by two requests.
 */
public final class StorageSettings {
    private StorageSettings() {
    }

    public static Configuration forExport(Configuration engine, S3Storage storage) {
        Configuration conf = new Configuration(engine);
        conf.setBoolean("fs.file.impl.disable.cache", true);
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        if (storage == null) {
            return conf;
        }
        conf.set("fs.s3a.impl", PathStyleBucketS3AFileSystem.class.getName());
        conf.setBoolean("fs.s3a.impl.disable.cache", true);

        // Per-bucket keys win over global ones inside s3a, so the engine's own settings for this
        // bucket are removed and the request's are set at the bucket level.
        String bucketPrefix = "fs.s3a.bucket." + storage.bucket() + ".";
        List<String> engineBucketKeys = new ArrayList<>();
        for (Map.Entry<String, String> entry : conf) {
            if (entry.getKey().startsWith(bucketPrefix)) {
                engineBucketKeys.add(entry.getKey());
            }
        }
        engineBucketKeys.forEach(conf::unset);

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
