package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;

/**
 * Multipart uploads left open under a directory on S3 (a task killed mid-file, a driver that died):
 * invisible in listings but billed until aborted. Other file systems have none.
 */
final class PendingUploads {
    private static final Logger LOG = LoggerFactory.getLogger(PendingUploads.class);

    private PendingUploads() {
    }

    /**
     * Aborts every pending upload under {@code dir}; returns how many. Best effort: a store that cannot
     * list uploads (S3Proxy answers 501) is left to its own lifecycle rules.
     */
    static int abortUnder(FileSystem fs, Path dir) {
        if (!(fs instanceof S3AFileSystem s3)) {
            return 0;
        }
        String prefix = s3.pathToKey(dir) + "/";
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
