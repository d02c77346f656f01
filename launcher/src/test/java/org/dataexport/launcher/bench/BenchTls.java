package org.dataexport.launcher.bench;

import org.dataexport.launcher.EmbeddedS3;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A key for the benchmark's HTTPS S3 endpoint (a self-signed certificate for 127.0.0.1, made once with
 * the JDK's keytool), trusted by this JVM: the same file is its trust store, set before any TLS
 * connection is made. Over HTTPS the AWS SDK sends payloads unsigned, as it does to AWS; over plain
 * HTTP it signs every byte, and the server checks it.
 */
final class BenchTls {
    private static final String PASSWORD = "bench-tls";

    private BenchTls() {
    }

    static EmbeddedS3.Tls trusted(Path work) throws Exception {
        Path keyStore = work.resolve("s3-tls.p12");
        if (!Files.exists(keyStore)) {
            Files.createDirectories(work);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                    "-alias", "s3", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                    "-validity", "3650", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
        }
        System.setProperty("javax.net.ssl.trustStore", keyStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        return new EmbeddedS3.Tls(keyStore, PASSWORD);
    }
}
