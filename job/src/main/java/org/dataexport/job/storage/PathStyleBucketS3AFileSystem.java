package org.dataexport.job.storage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.s3a.S3AFileSystem;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;

/**
 * s3a for buckets whose names are not valid host names, such as {@code my_bucket}: java.net.URI parses
 * {@code s3a://my_bucket/} with a null host, and S3AFileSystem takes the bucket from the host ("bucket is
 * null/empty"). This hands S3AFileSystem a URI whose host is the authority. Presto solved the same
 * problem in its own file system by reading the authority. Path-style requests only: a
 * virtual-hosted request would need the bucket in a host name.
 */
public class PathStyleBucketS3AFileSystem extends S3AFileSystem {

    @Override
    public void initialize(URI name, Configuration originalConf) throws IOException {
        super.initialize(withAuthorityAsHost(name), originalConf);
    }

    static URI withAuthorityAsHost(URI uri) {
        if (uri.getHost() != null || uri.getRawAuthority() == null) {
            return uri;
        }
        URI copy = URI.create(uri.toString());
        try {
            // Spark's JVM options already open java.base/java.net to unnamed modules.
            Field host = URI.class.getDeclaredField("host");
            host.setAccessible(true);
            host.set(copy, uri.getRawAuthority());
            return copy;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("bucket \"" + uri.getRawAuthority()
                    + "\" is not a valid host name and this JVM does not allow s3a to address it"
                    + " (run with --add-opens=java.base/java.net=ALL-UNNAMED)", e);
        }
    }
}
