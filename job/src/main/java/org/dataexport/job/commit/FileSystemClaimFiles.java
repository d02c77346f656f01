package org.dataexport.job.commit;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Claim files on a file system with atomic create and rename: a local disk (create-new, as
 * {@code O_CREAT|O_EXCL}) or HDFS ({@code create(overwrite=false)} at the NameNode). A conditional
 * replace first creates a marker named after the version it read, which only one writer can do. A
 * holder renews its claim by touching it: the file's modification time is its heartbeat (and part
 * of its version), so the file never disappears while it is held.
 */
final class FileSystemClaimFiles implements ClaimFiles {
    private final FileSystem fs;

    FileSystemClaimFiles(FileSystem fs) {
        this.fs = fs;
    }

    @Override
    public boolean createIfAbsent(Path path, byte[] content) throws IOException {
        fs.mkdirs(path.getParent());
        if (fs.getUri().getScheme().equals("file")) {
            // RawLocalFileSystem checks and then creates; the JDK's CREATE_NEW is one system call.
            java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
            try {
                Files.write(local, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
        }
        try (FSDataOutputStream out = fs.create(path, false)) {
            out.write(content);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    @Override
    public Optional<Versioned> read(Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            byte[] content = in.readAllBytes();
            long touched = fs.getFileStatus(path).getModificationTime();
            // The version covers the touch: a claim renewed since it was read is not replaced.
            return Optional.of(new Versioned(content, Arrays.toString(content) + "@" + touched, java.time.Instant.ofEpochMilli(touched)));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Touches the file (its modification time is the heartbeat) and checks that it is still the one held. */
    @Override
    public Optional<Versioned> renew(Path path, Versioned expected, byte[] content) throws IOException {
        try {
            fs.setTimes(path, System.currentTimeMillis(), -1);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
        return read(path).filter(now -> Arrays.equals(now.content(), expected.content()));
    }

    /**
     * Only one writer can create the marker named after the version it read, so only one replaces that
     * version; it checks the version is still there (a touch changes it), then swaps the content in.
     */
    @Override
    public boolean replaceIf(Path path, Versioned expected, byte[] content) throws IOException {
        Path marker = new Path(path.getParent(), path.getName() + ".reclaim-"
                + UUID.nameUUIDFromBytes(expected.version().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        if (!createIfAbsent(marker, new byte[0])) {
            return false;
        }
        try {
            Optional<Versioned> now = read(path);
            if (now.isEmpty() || !now.get().version().equals(expected.version())) {
                return false;
            }
            if (fs.getUri().getScheme().equals("file")) {
                // rename(2) replaces the claim in one step: there is no moment without one.
                java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
                java.nio.file.Path next = local.resolveSibling(path.getName() + ".next-" + UUID.randomUUID());
                Files.write(next, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.SYNC);
                Files.move(next, local, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return true;
            }
            // HDFS: a writer arriving between the two steps takes the claim and this replace fails: still one winner.
            fs.delete(path, false);
            return createIfAbsent(path, content);
        } finally {
            fs.delete(marker, false);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        fs.delete(path, false);
    }

    @Override
    public boolean atomic() {
        return true;
    }
}
