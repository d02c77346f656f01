package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.dataexport.job.failure.ExportFailure;

import java.io.IOException;
import java.util.Arrays;

/**
 * What a destination holds before an export claims it: nothing, or only a staging root
 * ({@code _temporary}) with a claim and what exports that no longer hold it left there.
 */
public final class DestinationContents {
    private static final String STAGING_ROOT = DestinationLease.STAGING_ROOT;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DestinationContents.class);

    private DestinationContents() {
    }

    /** True when the staging root holds nothing but the claim: no staging of another export to take over. */
    static boolean holdsOnlyTheClaim(FileSystem fs, Path stagingRoot) throws IOException {
        try {
            return Arrays.stream(fs.listStatus(stagingRoot)).allMatch(entry -> entry.getPath().getName().equals(DestinationLease.CLAIM));
        } catch (java.io.FileNotFoundException none) {
            return true;
        }
    }

    /**
     * What {@link StagedOutput#begin} would refuse, checked without writing anything: 409 when the destination holds
     * files or a live claim. An export accepted after this still claims the destination when it starts.
     */
    public static void checkAvailable(FileSystem fs, Path destination) throws IOException {
        if (checkEmpty(fs, destination)) {
            DestinationLease.checkNotHeld(fs, destination);
        }
    }

    /** False when the destination does not exist; 409 when it holds anything but a staging root. */
    static boolean checkEmpty(FileSystem fs, Path destination) throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(destination);
        } catch (java.io.FileNotFoundException e) {
            return false;
        }
        if (!status.isDirectory()) {
            throw ExportFailure.destinationNotEmpty(destination.toString(), "is a file");
        }
        try {
            RemoteIterator<FileStatus> entries = fs.listStatusIterator(destination);
            while (entries.hasNext()) {
                FileStatus entry = entries.next();
                if (!entry.getPath().getName().equals(STAGING_ROOT) || !entry.isDirectory()) {
                    throw ExportFailure.destinationNotEmpty(destination.toString(), "already holds files (" + entry.getPath().getName() + ", ...)");
                }
            }
            return true;
        } catch (java.io.FileNotFoundException removedMeanwhile) {
            // A cleanup (of an export that failed) removed it between the two looks.
            return false;
        }
    }

    static void removeAbandoned(FileSystem fs, Path stagingRoot) throws IOException {
        FileStatus[] entries;
        try {
            entries = fs.listStatus(stagingRoot);
        } catch (java.io.FileNotFoundException none) {
            return;
        }
        boolean abandoned = false;
        for (FileStatus entry : entries) {
            if (!entry.getPath().getName().equals(DestinationLease.CLAIM)) {
                abortRecordedQuietly(fs, entry.getPath());
                fs.delete(entry.getPath(), true);
                abandoned = true;
            }
        }
        PendingUploads.abortUnder(fs, stagingRoot);
        if (abandoned) {
            // An export that died may have started uploads it never recorded (on stores that can list them).
            PendingUploads.abortDataFileUploads(fs, stagingRoot.getParent());
        }
    }

    /** The uploads an abandoned export left pending at final names: best effort, as they are invisible and stay so. */
    private static void abortRecordedQuietly(FileSystem fs, Path abandonedStaging) {
        try {
            PendingUploads.abortRecorded(fs, abandonedStaging, java.util.Set.of());
        } catch (IOException | RuntimeException e) {
            LOG.info("could not abort the pending uploads recorded under {}: {}", abandonedStaging, e.getClass().getSimpleName());
        }
    }
}
