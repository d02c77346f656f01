package org.dataexport.job.commit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.request.Destination;
import org.dataexport.job.storage.ExportFileSystems;
import org.dataexport.job.write.DestinationClaims;
import org.dataexport.job.write.WrittenFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The all-or-nothing side of an export. The export first claims its destination
 * ({@link DestinationLease}: one writer at a time, across processes); tasks write under
 * {@code <destination>/_temporary/<export id>/}; only when every file is written are they renamed, in
 * data order, to {@code part-00000<ext>}, ..., and a {@code _SUCCESS} marker is written last. A failure
 * removes what this export created and nothing else, retrying in the background when the storage
 * cannot be reached; a destination left with only abandoned staging is reclaimed by the next export.
 */
public final class StagedOutput {
    public static final String SUCCESS_MARKER = "_SUCCESS";
    private static final java.util.concurrent.Executor CONFIRMATIONS =
            java.util.concurrent.Executors.newCachedThreadPool(org.dataexport.job.DaemonThreads.named("destination-claim-read-back"));
    private static final String STAGING_ROOT = DestinationLease.STAGING_ROOT;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StagedOutput.class);

    private final FileSystem fs;
    private final Path destination;
    private final Path staging;
    private final boolean destinationExisted;
    private final Runnable releaseJvmClaim;
    private final DestinationLease lease;
    // The claim's read-back (DestinationLease.confirm): done before begin returns, or while the tasks write.
    private final CompletableFuture<Void> confirmation;
    private final List<Path> committed = Collections.synchronizedList(new ArrayList<>());
    // Partition directories the commit created (local, HDFS), parents first.
    private final List<Path> createdDirectories = Collections.synchronizedList(new ArrayList<>());

    private StagedOutput(FileSystem fs, Path destination, Path staging, boolean destinationExisted, Runnable releaseJvmClaim,
                         DestinationLease lease, CompletableFuture<Void> confirmation) {
        this.fs = fs;
        this.destination = destination;
        this.staging = staging;
        this.destinationExisted = destinationExisted;
        this.releaseJvmClaim = releaseJvmClaim;
        this.lease = lease;
        this.confirmation = confirmation;
    }

    /**
     * Claims the destination: 409 if it holds anything but abandoned staging, or another export (of
     * this process, or any process holding a live claim) writes there. {@code onLost} hears of a claim
     * taken over while the export runs (its lease had expired).
     */
    public static StagedOutput begin(FileSystem fs, Path destination, String exportId, LeaseSettings settings,
                                     Consumer<ExportFailure> onLost) throws IOException {
        Runnable releaseJvmClaim = DestinationClaims.claim(fs.makeQualified(destination).toString());
        DestinationLease lease = null;
        CompletableFuture<Void> confirmation = null;
        boolean existed = true;
        try {
            existed = DestinationContents.checkEmpty(fs, destination);
            lease = DestinationLease.take(fs, destination, exportId, settings, onLost);
            Path stagingRoot = new Path(destination, STAGING_ROOT);
            if (!lease.reclaimed() && Destination.isObjectStore(fs.getScheme()) && DestinationContents.holdsOnlyTheClaim(fs, stagingRoot)) {
                // Nothing to take over: the claim's read-back (which waits for the store to settle) runs while
                // the tasks write their own staging and uploads; the commit waits for it, and a claim found
                // to be another export's cancels the export.
                DestinationLease taken = lease;
                confirmation = CompletableFuture.runAsync(() -> confirmOrCancel(taken, onLost), CONFIRMATIONS);
            } else {
                lease.confirm();
                // Whatever else is under _temporary was abandoned by an export that no longer holds the claim.
                DestinationContents.removeAbandoned(fs, stagingRoot);
                confirmation = CompletableFuture.completedFuture(null);
            }
            Path staging = new Path(stagingRoot, exportId);
            if (!fs.mkdirs(staging)) {
                throw new IOException("could not create the staging directory " + staging);
            }
            return new StagedOutput(fs, destination, staging, existed, releaseJvmClaim, lease, confirmation);
        } catch (IOException | RuntimeException e) {
            if (lease != null) {
                // Nothing was staged yet: give the destination back as it was, or let the claim expire.
                if (confirmation != null) {
                    confirmation.exceptionally(failed -> null).join();
                }
                lease.close();
                try {
                    lease.release();
                    deleteIfEmpty(fs, new Path(destination, STAGING_ROOT));
                    if (!existed) {
                        deleteIfEmpty(fs, destination);
                    }
                } catch (IOException | RuntimeException cleanupFailed) {
                    e.addSuppressed(cleanupFailed);
                }
            }
            releaseJvmClaim.run();
            throw e;
        }
    }

    private static void confirmOrCancel(DestinationLease lease, Consumer<ExportFailure> onLost) {
        try {
            lease.confirm();
        } catch (IOException | RuntimeException e) {
            onLost.accept(Failures.classify(e));
            throw new CompletionException(e);
        }
    }

    /** Whether this export holds the destination: waits for the claim's read-back if it is still running. */
    private boolean confirmed() {
        try {
            confirmation.join();
            return true;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return false;
        }
    }

    public Path staging() {
        return staging;
    }

    public Path destination() {
        return destination;
    }

    /**
     * part-00000.parquet, part-00001.parquet, ...: contiguous, in data order, within each directory
     * (partition_by: {@code col=a/part-00000.parquet}, {@code col=b/part-00000.parquet}).
     */
    public static List<String> partNames(List<WrittenFile> filesInOrder, String extension) {
        List<String> names = new ArrayList<>();
        java.util.Map<String, Integer> next = new java.util.HashMap<>();
        for (WrittenFile file : filesInOrder) {
            int number = next.merge(file.directory(), 1, Integer::sum) - 1;
            names.add(file.publishedName(number, extension));
        }
        return names;
    }

    /**
     * Publishes the files under their final names once the claim is confirmed ({@link Publisher}: pending
     * uploads completed, staged files moved), aborts the uploads of attempts whose files were not taken
     * (speculative or retried tasks), and writes the marker last.
     */
    public void commit(List<WrittenFile> filesInDataOrder, List<String> names, String successMarker) throws IOException {
        try {
            confirmation.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw Failures.classify(e.getCause());
        }
        lease.verify();
        List<Path> targets = names.stream().map(name -> new Path(destination, name)).toList();
        java.util.Set<String> completed = new Publisher(fs, staging, path -> {
            createParent(path);
            committed.add(path);
        }).publish(filesInDataOrder, targets);
        if (PendingUploads.recorded(fs, staging) > completed.size()) {
            // Every file is published: uploads of attempts that were not taken are cleaned up as well as can be.
            try {
                PendingUploads.abortRecorded(fs, staging, completed);
            } catch (IOException | RuntimeException e) {
                LOG.info("could not abort the uploads of task attempts not taken under {}: {}", staging, e.getClass().getSimpleName());
            }
        }
        fs.delete(staging, true);
        lease.release();
        deleteIfEmpty(fs, new Path(destination, STAGING_ROOT));
        Path marker = new Path(destination, SUCCESS_MARKER);
        try (OutputStream out = fs.create(marker, false)) {
            committed.add(marker);
            out.write(successMarker.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A partition's directory, before a file moves into it: created where directories are real (local,
     * HDFS) and noted for an abort to remove; an object store needs none and gets no marker objects.
     */
    private void createParent(Path target) throws IOException {
        if (target.getParent().equals(destination) || org.dataexport.job.request.Destination.isObjectStore(fs.getScheme())) {
            return;
        }
        synchronized (createdDirectories) {
            List<Path> missing = new ArrayList<>();
            for (Path dir = target.getParent(); !dir.equals(destination) && !fs.exists(dir); dir = dir.getParent()) {
                missing.add(0, dir);
            }
            for (Path dir : missing) {
                createdDirectories.add(dir);
                fs.mkdirs(dir);
            }
        }
    }

    /**
     * Removes everything this export created. Returns false when the storage could not be reached: the
     * cleanup then goes on in the background (through a file system of its own) and the claim, no
     * longer renewed, expires by itself.
     */
    public boolean abort() {
        boolean holder = confirmed();
        lease.close();
        if (cleanUp(fs, holder)) {
            return true;
        }
        Configuration conf = fs.getConf();
        BackgroundCleanup.retry("the staging of " + destination, () -> {
            try (FileSystem retryFs = ExportFileSystems.open(destination, conf)) {
                return cleanUp(retryFs, holder);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
        return false;
    }

    /** {@code holder}: the claim was confirmed as this export's; if not, only this export's own staging and uploads go. */
    private boolean cleanUp(FileSystem on, boolean holder) {
        try {
            for (Path path : List.copyOf(committed)) {
                on.delete(path, false);
            }
            List<Path> directories = new ArrayList<>(createdDirectories);
            java.util.Collections.reverse(directories);
            for (Path directory : directories) {
                deleteIfEmpty(on, directory);
            }
            PendingUploads.abortRecorded(on, staging, java.util.Set.of());
            on.delete(staging, true);
            PendingUploads.abortUnder(on, staging);
            if (holder) {
                // Uploads at part- keys are this export's only while it holds the destination.
                PendingUploads.abortDataFileUploads(on, destination);
            }
            lease.release(on);
            deleteIfEmpty(on, new Path(destination, STAGING_ROOT));
            if (!destinationExisted) {
                deleteIfEmpty(on, destination);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Lets the next export of this process to this destination begin. */
    public void release() {
        lease.close();
        releaseJvmClaim.run();
    }

    private static void deleteIfEmpty(FileSystem on, Path path) throws IOException {
        try {
            if (on.getFileStatus(path).isDirectory() && !on.listStatusIterator(path).hasNext()) {
                on.delete(path, false);
            }
        } catch (java.io.FileNotFoundException e) {
            // already gone
        }
    }
}
