package org.dataexport.job.write;

import org.apache.hadoop.fs.Abortable;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.s3a.WriteOperationHelper;
import org.apache.hadoop.fs.s3a.impl.PutObjectOptions;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A file written as an S3 multipart upload to its final key that is never completed here: parts of
 * {@code partSize} bytes go up while the next one fills (one in flight), and closing the stream
 * uploads the last part and hands over a {@link Publication.PendingUpload}, which only the commit
 * completes. Until then nothing is visible at the key; {@link #abort} abandons the upload. The
 * parts are held in chunks of 256 KB, below the size of a humongous object in any G1 region size
 * (1 MB and up). After a failure the stream only rethrows it.
 */
final class PendingUploadStream extends OutputStream implements Abortable, StreamCapabilities {
    static final int CHUNK = 256 << 10;
    /** S3 takes at most 10,000 parts: the part size doubles every 1,000 parts, so no file runs out. */
    private static final int PARTS_PER_SIZE = 1000;

    private final WriteOperationHelper helper;
    private final String key;
    private final long partSize;
    private final Initiated onInitiated;
    private final Consumer<Publication.PendingUpload> onClosed;
    private final ExecutorService uploader = Executors.newSingleThreadExecutor(org.dataexport.job.DaemonThreads.named("pending-upload"));
    private final List<Future<String>> parts = new ArrayList<>();
    private List<byte[]> chunks = new ArrayList<>();
    private int chunkFill = CHUNK;
    private long partBytes;
    private String uploadId;
    private boolean closed;
    private boolean handedOver;
    private IOException failure;

    /**
     * @param onInitiated hears the upload id once the upload exists (before any part goes up), so that an
     *                    abort elsewhere can find it
     * @param onClosed    hears the pending upload when the stream closes
     */
    PendingUploadStream(WriteOperationHelper helper, String key, long partSize, Initiated onInitiated,
                        Consumer<Publication.PendingUpload> onClosed) {
        if (partSize < 5L << 20) {
            throw new IllegalArgumentException("S3 parts but the last are at least 5 MB: " + partSize);
        }
        this.helper = helper;
        this.key = key;
        this.partSize = partSize;
        this.onInitiated = onInitiated;
        this.onClosed = onClosed;
    }

    /** Hears of an upload once it exists. */
    interface Initiated {
        void accept(String uploadId) throws IOException;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        checkOpen();
        while (length > 0) {
            if (chunkFill == CHUNK) {
                if (partBytes >= currentPartSize()) {
                    failOn(() -> submitPart(false));
                }
                chunks.add(new byte[CHUNK]);
                chunkFill = 0;
            }
            int n = Math.min(length, CHUNK - chunkFill);
            System.arraycopy(bytes, offset, chunks.get(chunks.size() - 1), chunkFill, n);
            chunkFill += n;
            partBytes += n;
            offset += n;
            length -= n;
        }
    }

    private long currentPartSize() {
        return partSize << Math.min(20, parts.size() / PARTS_PER_SIZE);
    }

    /** Sends the filled part once the one before it has gone up: one part in flight, one filling. */
    private void submitPart(boolean last) throws IOException {
        if (uploadId == null) {
            uploadId = helper.initiateMultiPartUpload(key, PutObjectOptions.defaultOptions());
            // Not recorded, it could not be found again: abandoned at once (failOn aborts it).
            onInitiated.accept(uploadId);
        }
        if (!parts.isEmpty()) {
            await(parts.get(parts.size() - 1));
        }
        int partNumber = parts.size() + 1;
        List<byte[]> data = chunks;
        long size = partBytes;
        String id = uploadId;
        parts.add(uploader.submit(() -> {
            RequestBody body = RequestBody.fromContentProvider(() -> new ChunksStream(data, size), size, "application/octet-stream");
            return helper.uploadPart(helper.newUploadPartRequestBuilder(key, id, partNumber, last, size).build(), body, null).eTag();
        }));
        chunks = new ArrayList<>();
        chunkFill = CHUNK;
        partBytes = 0;
    }

    private static String await(Future<String> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while a part was uploading");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Uploads the last part and hands over the pending upload; the upload is aborted if that fails. */
    @Override
    public void close() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            return;
        }
        failOn(() -> {
            submitPart(true);
            List<String> etags = new ArrayList<>();
            for (Future<String> part : parts) {
                etags.add(await(part));
            }
            closed = true;
            handedOver = true;
            uploader.shutdown();
            onClosed.accept(new Publication.PendingUpload(key, uploadId, etags));
        });
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Runs a step; if it fails, the upload is abandoned and the failure kept, for every later call to rethrow. */
    private void failOn(Step step) throws IOException {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            abort();
            throw e;
        }
    }

    /**
     * Abandons the upload: nothing ever appears at the key. The part in flight is given a moment to end
     * (S3 may keep a part that was still arriving when its upload was aborted), and a task's interrupt (a
     * kill) is held back during the abort request, which would otherwise fail at once, and set again after.
     * An upload already handed over belongs to the commit and is left alone.
     */
    @Override
    public AbortableResult abort() {
        boolean wasClosed = closed;
        closed = true;
        IOException cleanup = null;
        if (!handedOver) {
            boolean interrupted = Thread.interrupted();
            try {
                uploader.shutdownNow();
                uploader.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
                if (uploadId != null) {
                    helper.abortMultipartCommit(key, uploadId);
                }
            } catch (IOException e) {
                cleanup = e;
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        IOException failure = cleanup;
        return new AbortableResult() {
            @Override
            public boolean alreadyClosed() {
                return wasClosed;
            }

            @Override
            public IOException anyCleanupException() {
                return failure;
            }
        };
    }

    @Override
    public boolean hasCapability(String capability) {
        return StreamCapabilities.ABORTABLE_STREAM.equals(capability);
    }

    private void checkOpen() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IOException("the upload to " + key + " is closed");
        }
    }

    /** A part's bytes, read again from the start whenever the SDK retries the request. */
    private static final class ChunksStream extends InputStream {
        private final List<byte[]> chunks;
        private long remaining;
        private int chunk;
        private int position;

        ChunksStream(List<byte[]> chunks, long size) {
            this.chunks = chunks;
            this.remaining = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (remaining == 0) {
                return -1;
            }
            if (position == CHUNK) {
                chunk++;
                position = 0;
            }
            int n = (int) Math.min(Math.min(length, CHUNK - position), remaining);
            System.arraycopy(chunks.get(chunk), position, into, offset, n);
            position += n;
            remaining -= n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, remaining);
        }
    }
}
