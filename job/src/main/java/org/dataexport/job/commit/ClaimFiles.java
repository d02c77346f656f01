package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.Optional;

/**
 * Atomic operations on one small file, as each kind of store offers them: the claim protocol's
 * foundation. A version names one state of the file (an S3 ETag, or the content itself).
 */
interface ClaimFiles {
    /**
     * A file's content, the version it was read at, and when its holder last touched it (where a claim
     * is renewed by touching, on a file system; {@code EPOCH} where it is renewed by rewriting).
     */
    record Versioned(byte[] content, String version, java.time.Instant modified) {
    }

    /** Creates the file unless it exists; false when it exists (another writer got there first). */
    boolean createIfAbsent(Path path, byte[] content) throws IOException;

    Optional<Versioned> read(Path path) throws IOException;

    /** Replaces the file if it is still at {@code version}; false when it has changed (or is gone). */
    boolean replaceIf(Path path, Versioned expected, byte[] content) throws IOException;

    /**
     * Renews a file this writer holds: its new state, or empty when it is no longer {@code expected}
     * (taken over). {@code content} is the renewed content, where the store renews by rewriting.
     */
    Optional<Versioned> renew(Path path, Versioned expected, byte[] content) throws IOException;

    /**
     * Waits until a write that raced this writer's would have landed, before the claim is read back:
     * a store may check a condition and write in two steps (S3Proxy does), letting two conditional
     * writes through at the same moment; the read-back then shows which one it kept.
     */
    default void settle(java.time.Duration time) {
    }

    /** Removes the file; absent already is fine. */
    void delete(Path path) throws IOException;

    /** Whether two writers racing through this store are kept apart (false: check-then-write only). */
    boolean atomic() throws IOException;

    /**
     * The operations {@code fs} supports: S3 conditional writes (probed once per store, at the first
     * write that needs it, with a small object in {@code probeDir}: reading alone writes nothing), or
     * create-if-absent and rename on a file system.
     */
    static ClaimFiles of(FileSystem fs, Path probeDir) throws IOException {
        if (fs.getUri().getScheme().startsWith("s3")) {
            return ObjectStoreClaimFiles.of(fs, probeDir);
        }
        return new FileSystemClaimFiles(fs);
    }
}
