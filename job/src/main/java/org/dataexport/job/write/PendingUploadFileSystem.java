package org.dataexport.job.write;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.util.Progressable;
import org.dataexport.job.commit.PendingUploads;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A task's S3 file system when its files go straight to their final keys: a file created at a path
 * marked {@link #direct} is a {@link PendingUploadStream}, which uploads while the task writes and
 * leaves the upload for the commit to complete (S3A's magic committer's idea: no copy at the
 * commit). Each upload is recorded under the export's staging directory as soon as it exists
 * ({@link PendingUploads#record}), so that an abort, or the next export reclaiming an abandoned
 * destination, can abort it on any store, including those that cannot list uploads. Every other
 * path is written as before.
 */
public final class PendingUploadFileSystem extends FilterFileSystem {
    /** Parts of at most 16 MB: a task holds one filling and one uploading. */
    private static final long MAX_PART_SIZE = 16L << 20;

    private final S3AFileSystem s3;
    private final Path staging;
    private final long partSize;
    private final Set<Path> direct = ConcurrentHashMap.newKeySet();
    private final Map<Path, Publication.PendingUpload> uploads = new ConcurrentHashMap<>();

    PendingUploadFileSystem(S3AFileSystem s3, Path staging) {
        super(s3);
        this.s3 = s3;
        this.staging = staging;
        long configured = Math.min(MAX_PART_SIZE, Math.max(5L << 20, s3.getConf().getLongBytes("fs.s3a.multipart.size", MAX_PART_SIZE)));
        this.partSize = (configured + PendingUploadStream.CHUNK - 1) / PendingUploadStream.CHUNK * PendingUploadStream.CHUNK;
    }

    /** Writes one file to {@code target} on the file system given: what {@link #writeOne} runs. */
    public interface FileWrite {
        WrittenFile write(FileSystem fs, Path target) throws IOException;
    }

    /**
     * Writes one file of the driver's own (single_file's merge): on S3 straight to {@code finalPath} as an
     * upload the commit completes, recorded under {@code staging}; elsewhere to {@code stagedPath}, for the
     * commit to rename.
     */
    public static WrittenFile writeOne(FileSystem fs, Path staging, Path finalPath, Path stagedPath, FileWrite write) throws IOException {
        if (!(fs instanceof S3AFileSystem s3)) {
            return write.write(fs, stagedPath);
        }
        PendingUploadFileSystem direct = new PendingUploadFileSystem(s3, staging);
        WrittenFile file = write.write(direct, direct.direct(finalPath));
        return file.uploaded(direct.upload(file.path()).orElseThrow(() -> new IOException("no upload was made for " + file.path())));
    }

    /** Marks {@code path} (a final name) to be written as a pending upload; returns it. */
    Path direct(Path path) {
        Path qualified = makeQualified(path);
        direct.add(qualified);
        return qualified;
    }

    /** The pending upload a closed direct file became, if {@code path} was one. */
    Optional<Publication.PendingUpload> upload(String path) {
        return Optional.ofNullable(uploads.get(makeQualified(new Path(path))));
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        Path path = makeQualified(f);
        if (!direct.contains(path)) {
            return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }
        String key = s3.pathToKey(path);
        Path record = new Path(new Path(staging, PendingUploads.RECORDS), UUID.randomUUID() + PendingUploads.RECORD_SUFFIX);
        PendingUploadStream stream = new PendingUploadStream(s3.getWriteOperationHelper(), key, partSize, uploadId -> PendingUploads.record(s3, record, key, uploadId),
                upload -> uploads.put(path, upload));
        return new FSDataOutputStream(stream, null);
    }
}
