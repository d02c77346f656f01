package org.dataexport.job.write;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.dataexport.job.failure.ExportFailure;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The all-or-nothing side of an export. Tasks write under {@code <destination>/_temporary/<export id>/};
 * only when every file is written are they renamed, in data order, to {@code part-00000<ext>}, ...,
 * and a {@code _SUCCESS} marker is written last. A failure removes what this export created and
 * nothing else: the destination was empty when it began, and no other export of this process may
 * write there meanwhile.
 */
public final class StagedOutput {
    public static final String SUCCESS_MARKER = "_SUCCESS";
    private static final String STAGING_ROOT = "_temporary";
    private static final int RENAME_THREADS = 8;

    private final FileSystem fs;
    private final Path destination;
    private final Path staging;
    private final boolean destinationExisted;
    private final Runnable releaseClaim;
    private final List<Path> committed = Collections.synchronizedList(new ArrayList<>());

    private StagedOutput(FileSystem fs, Path destination, Path staging, boolean destinationExisted, Runnable releaseClaim) {
        this.fs = fs;
        this.destination = destination;
        this.staging = staging;
        this.destinationExisted = destinationExisted;
        this.releaseClaim = releaseClaim;
    }

    /** Claims the destination: 409 if it holds anything or another export of this process writes there. */
    public static StagedOutput begin(FileSystem fs, Path destination, String exportId) throws IOException {
        Runnable releaseClaim = DestinationClaims.claim(fs.makeQualified(destination).toString());
        try {
            boolean existed = checkEmpty(fs, destination);
            Path staging = new Path(new Path(destination, STAGING_ROOT), exportId);
            if (!fs.mkdirs(staging)) {
                throw new IOException("could not create the staging directory " + staging);
            }
            return new StagedOutput(fs, destination, staging, existed, releaseClaim);
        } catch (IOException | RuntimeException e) {
            releaseClaim.run();
            throw e;
        }
    }

    private static boolean checkEmpty(FileSystem fs, Path destination) throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(destination);
        } catch (java.io.FileNotFoundException e) {
            return false;
        }
        if (!status.isDirectory()) {
            throw ExportFailure.destinationNotEmpty(destination.toString(), "is a file");
        }
        RemoteIterator<FileStatus> entries = fs.listStatusIterator(destination);
        if (entries.hasNext()) {
            String first = entries.next().getPath().getName();
            if (first.equals(STAGING_ROOT) && !entries.hasNext()) {
                throw ExportFailure.destinationNotEmpty(destination.toString(), "holds the staging directory of an export"
                        + " that is running or did not finish (" + STAGING_ROOT + "); remove it if no export is running");
            }
            throw ExportFailure.destinationNotEmpty(destination.toString(), "already holds files (" + first + ", ...)");
        }
        return true;
    }

    public Path staging() {
        return staging;
    }

    /** part-00000.parquet, part-00001.parquet, ...: contiguous, in data order. */
    public static List<String> partNames(int count, String extension) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(String.format("part-%05d%s", i, extension));
        }
        return names;
    }

    /**
     * Moves the staged files to their final names, one for one, and writes the marker last. On an
     * object store a rename is a server-side copy, so several run at once.
     */
    public void commit(List<WrittenFile> filesInDataOrder, List<String> names, String successMarker) throws IOException {
        ExecutorService renames = Executors.newFixedThreadPool(Math.max(1, Math.min(RENAME_THREADS, filesInDataOrder.size())));
        try {
            List<Future<?>> moves = new ArrayList<>();
            for (int i = 0; i < filesInDataOrder.size(); i++) {
                Path source = new Path(filesInDataOrder.get(i).path());
                Path target = new Path(destination, names.get(i));
                moves.add(renames.submit(() -> {
                    // Recorded first: a rename interrupted after its copy still leaves the target behind.
                    committed.add(target);
                    if (!fs.rename(source, target)) {
                        throw new IOException("could not move " + source + " to " + target);
                    }
                    return null;
                }));
            }
            for (Future<?> move : moves) {
                move.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while moving the files into place", e);
        } finally {
            // A failed move stops the rest; those in flight finish before abort() looks at what moved.
            renames.shutdownNow();
            awaitQuietly(renames);
        }
        removeStaging();
        Path marker = new Path(destination, SUCCESS_MARKER);
        try (OutputStream out = fs.create(marker, false)) {
            committed.add(marker);
            out.write(successMarker.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Removes everything this export created; best effort, as the export has already failed. */
    public void abort() {
        for (Path path : List.copyOf(committed)) {
            deleteQuietly(path, false);
        }
        deleteQuietly(staging, true);
        Path stagingRoot = new Path(destination, STAGING_ROOT);
        if (isEmptyDirectory(stagingRoot)) {
            deleteQuietly(stagingRoot, false);
        }
        if (!destinationExisted && isEmptyDirectory(destination)) {
            deleteQuietly(destination, true);
        }
    }

    private static void awaitQuietly(ExecutorService executor) {
        try {
            executor.awaitTermination(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes this export's staging directory, and the staging root when nothing else is in it. */
    private void removeStaging() throws IOException {
        fs.delete(staging, true);
        Path stagingRoot = new Path(destination, STAGING_ROOT);
        if (isEmptyDirectory(stagingRoot)) {
            fs.delete(stagingRoot, false);
        }
    }

    /** Lets the next export to this destination begin. */
    public void release() {
        releaseClaim.run();
    }

    private boolean isEmptyDirectory(Path path) {
        try {
            return fs.getFileStatus(path).isDirectory() && !fs.listStatusIterator(path).hasNext();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void deleteQuietly(Path path, boolean recursive) {
        try {
            fs.delete(path, recursive);
        } catch (IOException | RuntimeException e) {
            // Nothing more can be done; the caller reports the export's own failure.
        }
    }
}
