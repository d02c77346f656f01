package org.dataexport.job.commit;

import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Claim files on S3 with conditional writes (HADOOP-19256, AWS S3 since 2024): create with
 * {@code If-None-Match: *}, replace with {@code If-Match: <ETag>}; a 412 means another writer got
 * there first. Whether a store honours them is probed once per endpoint and bucket (a store that
 * ignores the header lets a second conditional create through); one that does not falls back to
 * check-then-write, which two writers starting within the same second can both pass.
 */
final class ObjectStoreClaimFiles implements ClaimFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectStoreClaimFiles.class);
    private static final String IF_NONE_MATCH = "fs.option.create.conditional.overwrite";
    private static final String IF_MATCH = "fs.option.create.conditional.overwrite.etag";
    private static final Map<String, Boolean> CONDITIONAL_BY_STORE = new ConcurrentHashMap<>();

    private final FileSystem fs;
    private final Path probeDir;

    private ObjectStoreClaimFiles(FileSystem fs, Path probeDir) {
        this.fs = fs;
        this.probeDir = probeDir;
    }

    static ObjectStoreClaimFiles of(FileSystem fs, Path probeDir) {
        return new ObjectStoreClaimFiles(fs, probeDir);
    }

    /** Whether the store honours conditional writes: probed at the first write that needs to know, then remembered. */
    private boolean conditional() throws IOException {
        String store = fs.getConf().getTrimmed("fs.s3a.endpoint", "aws") + " " + fs.getUri().getAuthority();
        Boolean known = CONDITIONAL_BY_STORE.get(store);
        if (known == null) {
            known = fs.getConf().getBoolean("fs.s3a.create.conditional.enabled", true) && probe(fs, probeDir);
            CONDITIONAL_BY_STORE.put(store, known);
            if (!known) {
                LOG.warn("the S3 store at {} does not honour conditional writes: destination claims there are check-then-write", store);
            }
        }
        return known;
    }

    /** Two conditional creates of one new object: a store that honours If-None-Match refuses the second. */
    private static boolean probe(FileSystem fs, Path probeDir) throws IOException {
        Path probe = new Path(probeDir, "_probe-" + UUID.randomUUID());
        try {
            write(fs, probe, new byte[] {'1'}, Optional.empty(), true);
            try {
                write(fs, probe, new byte[] {'2'}, Optional.empty(), true);
                return false;
            } catch (RemoteFileChangedException refusedByTheStore) {
                return true;
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException refusedByTheClient) {
                // s3a's own existence check, not the store's: proves nothing about a race.
                return false;
            }
        } finally {
            fs.delete(probe, false);
        }
    }

    @Override
    public boolean createIfAbsent(Path path, byte[] content) throws IOException {
        boolean conditional = conditional();
        if (!conditional) {
            if (fs.exists(path)) {
                return false;
            }
        }
        try {
            write(fs, path, content, Optional.empty(), conditional);
            return true;
        } catch (RemoteFileChangedException | org.apache.hadoop.fs.FileAlreadyExistsException taken) {
            return false;
        }
    }

    /** The content and the ETag it was read at; read again when it changes between the two (a racing writer). */
    @Override
    public Optional<Versioned> read(Path path) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                FileStatus status = fs.getFileStatus(path);
                String etag = status instanceof EtagSource source ? source.getEtag() : null;
                try (InputStream in = fs.openFile(path).withFileStatus(status).build().get()) {
                    // Renewed by rewriting: the heartbeat is in the content, never a touch.
                    return Optional.of(new Versioned(in.readAllBytes(), etag == null ? "" : etag, java.time.Instant.EPOCH));
                }
            } catch (FileNotFoundException e) {
                return Optional.empty();
            } catch (RemoteFileChangedException changed) {
                if (attempt >= 5) {
                    throw changed;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + path, e);
            }
        }
    }

    @Override
    public boolean replaceIf(Path path, Versioned expected, byte[] content) throws IOException {
        boolean conditional = conditional();
        if (!conditional || expected.version().isEmpty()) {
            Optional<Versioned> now = read(path);
            if (now.isEmpty() || !java.util.Arrays.equals(now.get().content(), expected.content())) {
                return false;
            }
        }
        try {
            write(fs, path, content, conditional && !expected.version().isEmpty() ? Optional.of(expected.version()) : Optional.empty(), false);
            return true;
        } catch (RemoteFileChangedException | FileNotFoundException changed) {
            return false;
        }
    }

    /** Rewrites the claim with its new heartbeat, on the condition that it is still the version held. */
    @Override
    public Optional<Versioned> renew(Path path, Versioned expected, byte[] content) throws IOException {
        if (!replaceIf(path, expected, content)) {
            return Optional.empty();
        }
        return read(path).filter(now -> java.util.Arrays.equals(now.content(), content));
    }

    @Override
    public void delete(Path path) throws IOException {
        fs.delete(path, false);
    }

    @Override
    public void settle(java.time.Duration time) {
        try {
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean atomic() throws IOException {
        return conditional();
    }

    private static void write(FileSystem fs, Path path, byte[] content, Optional<String> ifMatch, boolean ifNoneMatch) throws IOException {
        FSDataOutputStreamBuilder<?, ?> builder = (FSDataOutputStreamBuilder<?, ?>) fs.createFile(path).overwrite(!ifNoneMatch);
        if (ifNoneMatch) {
            builder.must(IF_NONE_MATCH, true);
        }
        ifMatch.ifPresent(etag -> builder.must(IF_MATCH, etag));
        try (FSDataOutputStream out = (FSDataOutputStream) builder.build()) {
            out.write(content);
        }
    }
}
