package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.dataexport.job.write.Publication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Multipart uploads on S3: those tasks leave pending at their final keys for the commit to complete
 * ({@link Publication.PendingUpload}), each recorded under its export's staging directory
 * ({@code uploads/<uuid>.upload}: the key and the upload id) as soon as it exists; and those left
 * open by a task killed mid-file or a driver that died, invisible in listings but billed until
 * aborted. Other file systems have none.
 */
public final class PendingUploads {
    public static final String RECORDS = "uploads";
    public static final String RECORD_SUFFIX = ".upload";
    private static final Logger LOG = LoggerFactory.getLogger(PendingUploads.class);

    private PendingUploads() {
    }

    /** Notes an upload that exists, under a staging directory, before any of its parts goes up. */
    public static void record(FileSystem fs, Path record, String key, String uploadId) throws IOException {
        try (OutputStream out = fs.create(record, true)) {
            out.write((key + "\n" + uploadId + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Completes a task's upload: the object appears at its key, whole. */
    static void complete(FileSystem fs, Publication.PendingUpload upload, long length) throws IOException {
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 0; i < upload.etags().size(); i++) {
            parts.add(CompletedPart.builder().partNumber(i + 1).eTag(upload.etags().get(i)).build());
        }
        ((S3AFileSystem) fs).getWriteOperationHelper().commitUpload(upload.key(), upload.uploadId(), parts, length);
    }

    /**
     * Aborts the uploads recorded under {@code exportStaging} (one export's staging directory) but those in
     * {@code keep} (completed ones); returns how many it aborted. An upload already completed or aborted
     * is passed over.
     */
    static int abortRecorded(FileSystem fs, Path exportStaging, Set<String> keep) throws IOException {
        if (!(fs instanceof S3AFileSystem s3)) {
            return 0;
        }
        int aborted = 0;
        for (Path record : records(fs, exportStaging)) {
            String[] lines;
            try (InputStream in = fs.open(record)) {
                lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            } catch (FileNotFoundException gone) {
                continue;
            }
            if (lines.length < 2 || keep.contains(lines[1])) {
                continue;
            }
            try {
                s3.getWriteOperationHelper().abortMultipartCommit(lines[0], lines[1]);
                aborted++;
            } catch (FileNotFoundException alreadyEnded) {
                // completed, or aborted by its own task
            } catch (java.nio.file.AccessDeniedException | org.apache.hadoop.fs.s3a.AWSServiceIOException refused) {
                // A store that answers and will not abort it (no permission, an operation it lacks) would refuse
                // again: the upload stays invisible and the bucket's lifecycle rules end it. A store that is busy,
                // failing (5xx, throttled) or unreachable is retried: thrown on, the cleanup goes on in the background.
                if (!isFinalRefusal(refused)) {
                    throw refused;
                }
                LOG.info("the store refused to abort the upload recorded in {}: {}", record, refused.getClass().getSimpleName());
            }
        }
        return aborted;
    }

    private static boolean isFinalRefusal(IOException refused) {
        if (refused instanceof org.apache.hadoop.fs.s3a.AWSServiceIOException service) {
            int status = service.statusCode();
            return status >= 400 && status < 500 && status != 408 && status != 429
                    && !(refused instanceof org.apache.hadoop.fs.s3a.AWSServiceThrottledException);
        }
        return true;
    }

    /** How many uploads are recorded under {@code exportStaging}: one listing, no reads. */
    static int recorded(FileSystem fs, Path exportStaging) throws IOException {
        return records(fs, exportStaging).size();
    }

    /** The upload records under one export's staging directory; none off S3, where no upload is made. */
    private static List<Path> records(FileSystem fs, Path exportStaging) throws IOException {
        List<Path> records = new ArrayList<>();
        if (!(fs instanceof S3AFileSystem)) {
            return records;
        }
        try {
            for (FileStatus entry : fs.listStatus(new Path(exportStaging, RECORDS))) {
                if (entry.getPath().getName().endsWith(RECORD_SUFFIX)) {
                    records.add(entry.getPath());
                }
            }
        } catch (FileNotFoundException none) {
            // no upload was recorded
        }
        return records;
    }

    /**
     * Aborts every pending upload under {@code dir}; returns how many. Best effort: a store that cannot
     * list uploads (S3Proxy answers 501) is left to its own lifecycle rules.
     */
    static int abortUnder(FileSystem fs, Path dir) {
        return fs instanceof S3AFileSystem s3 ? abortUnderKeys(s3, dir, s3.pathToKey(dir) + "/") : 0;
    }

    /**
     * Aborts the pending uploads to a destination's data files ({@code part-*} keys directly in it): those
     * tasks left at their final keys whose records were lost (a task killed between starting an upload and
     * recording it). Only while the destination is claimed, so that none of them is another export's.
     */
    static int abortDataFileUploads(FileSystem fs, Path destination) {
        return fs instanceof S3AFileSystem s3 ? abortUnderKeys(s3, destination, s3.pathToKey(destination) + "/part-") : 0;
    }

    private static int abortUnderKeys(S3AFileSystem s3, Path dir, String prefix) {
        int aborted = 0;
        try {
            RemoteIterator<MultipartUpload> uploads = s3.listUploads(prefix);
            while (uploads.hasNext()) {
                s3.abortMultipartUpload(uploads.next());
                aborted++;
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("could not list or abort the pending uploads under {}: {}", dir, e.getClass().getSimpleName());
        }
        if (aborted > 0) {
            LOG.info("aborted {} pending multipart uploads under {}", aborted, dir);
        }
        return aborted;
    }
}
