package org.dataexport.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for the shared-store tests, from the binaries zonky ships as a Maven
 * artifact. As an ordinary user it is zonky's EmbeddedPostgres. PostgreSQL refuses to run as root (as
 * CI containers often are): then the same binaries are unpacked and run as the user nobody (setpriv).
 */
final class TestPostgres implements AutoCloseable {
    private static final String NOBODY = "65534";

    private final EmbeddedPostgres embedded;
    private final Path home;
    private final String url;
    private boolean closed;

    private TestPostgres(EmbeddedPostgres embedded, Path home, String url) {
        this.embedded = embedded;
        this.home = home;
        this.url = url;
    }

    static TestPostgres start() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            return new TestPostgres(postgres, null, postgres.getJdbcUrl("postgres", "postgres"));
        }
        Path home = Files.createTempDirectory(Path.of("/tmp"), "test-pg-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream jar = TestPostgres.class.getResourceAsStream("/postgres-linux-x86_64.txz");
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(jar))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = home.resolve(entry.getName()).normalize();
                if (!target.startsWith(home)) {
                    continue;
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    if ((entry.getMode() & 0100) != 0) {
                        target.toFile().setExecutable(true, false);
                    }
                }
            }
        }
        run(List.of("chown", "-R", NOBODY + ":" + NOBODY, home.toString()), false);
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path data = home.resolve("data");
        run(List.of(home.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-D", data.toString(), "-E", "UTF-8"), true);
        run(List.of(home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("postgres.log").toString(),
                "-o", "-p " + port + " -h 127.0.0.1 -k " + home, "-w", "start"), true);
        return new TestPostgres(null, home, "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
    }

    private static void run(List<String> command, boolean asNobody) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asNobody) {
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed: " + output);
        }
    }

    /** A JDBC URL of the server's database, user postgres, no password (trust on loopback). */
    String jdbcUrl() {
        return url;
    }

    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (embedded != null) {
            embedded.close();
            return;
        }
        run(List.of(home.resolve("bin/pg_ctl").toString(), "-D", home.resolve("data").toString(), "-m", "immediate", "stop"), true);
    }
}
