package org.dataexport.launcher;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.util.Properties;

/**
 * An in-process S3 server (S3Proxy over an in-memory jclouds store) bound to loopback: the embedded
 * default destination, and the S3 of the test suite.
 */
public final class EmbeddedS3 implements AutoCloseable {
    /** A TLS endpoint's key: a key store file (PKCS12) holding the server's key and certificate. */
    public record Tls(java.nio.file.Path keyStore, String password) {
    }

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final String host;

    private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, String host) {
        this.proxy = proxy;
        this.context = context;
        this.host = host;
    }

    /** Starts the server, its objects held in memory; port 0 picks a free one. */
    public static EmbeddedS3 start(String host, int port, String accessKey, String secretKey, String... buckets) throws Exception {
        return start(ContextBuilder.newBuilder("transient").overrides(new Properties()).build(BlobStoreContext.class), host, port, accessKey,
                secretKey, buckets);
    }

    /**
     * Starts the server, its objects kept as files under {@code directory} (jclouds' filesystem store),
     * as a real server keeps them: not in this JVM's heap, which the in-memory store fills with every
     * object written (and, completing a multipart upload, with a second copy of it).
     */
    public static EmbeddedS3 startOnDisk(java.nio.file.Path directory, String host, int port, String accessKey, String secretKey,
                                         String... buckets) throws Exception {
        return startOnDisk(directory, host, port, java.util.Optional.empty(), accessKey, secretKey, buckets);
    }

    /** The same, with an HTTPS endpoint beside the HTTP one on a free port when {@code tls} is given ({@link #secureEndpoint}). */
    public static EmbeddedS3 startOnDisk(java.nio.file.Path directory, String host, int port, java.util.Optional<Tls> tls, String accessKey,
                                         String secretKey, String... buckets) throws Exception {
        java.nio.file.Files.createDirectories(directory);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return start(ContextBuilder.newBuilder("filesystem").overrides(properties).build(BlobStoreContext.class), host, port, tls, accessKey,
                secretKey, buckets);
    }

    private static EmbeddedS3 start(BlobStoreContext context, String host, int port, String accessKey, String secretKey, String... buckets)
            throws Exception {
        return start(context, host, port, java.util.Optional.empty(), accessKey, secretKey, buckets);
    }

    private static EmbeddedS3 start(BlobStoreContext context, String host, int port, java.util.Optional<Tls> tls, String accessKey,
                                    String secretKey, String... buckets) throws Exception {
        S3Proxy.Builder builder = S3Proxy.builder();
        tls.ifPresent(key -> builder.secureEndpoint(URI.create("https://" + host + ":0"))
                .keyStore(key.keyStore().toAbsolutePath().toString(), key.password()));
        S3Proxy proxy = builder
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://" + host + ":" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline || "FAILED".equals(proxy.getState())) {
                context.close();
                throw new IllegalStateException("S3Proxy did not start on " + host + ":" + port + " (state " + proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
        EmbeddedS3 s3 = new EmbeddedS3(proxy, context, host);
        for (String bucket : buckets) {
            s3.createBucket(bucket);
        }
        return s3;
    }

    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    public String endpoint() {
        return "http://" + host + ":" + proxy.getPort();
    }

    /** The HTTPS endpoint of a server started with a key ({@link Tls}). */
    public String secureEndpoint() {
        return "https://" + host + ":" + proxy.getSecurePort();
    }

    public int port() {
        return proxy.getPort();
    }

    /** S3Proxy's Jetty threads are not daemons: without this the JVM never exits. */
    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
