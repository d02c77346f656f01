package org.dataexport.job.write;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.dataexport.job.request.Compression;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.zip.GZIPOutputStream;

/**
 * Writes JSON lines, rolling to a new file before a line would take the file past the size target
 * (a file always takes at least one line, so a single line longer than the target makes a file of
 * its own). Uncompressed, sizes are exact: they are the bytes written. Compressed (gzip, zstd: the
 * whole file is one stream), the file's size is what reached the file at the codec's last flush plus
 * the lines since, at the compression the flushes measured; the codec is flushed every 256 KB of
 * lines and more often near the target, so that the estimate stays within a few lines of the truth.
 */
public final class RollingJsonLinesWriter implements RollingWriter {
    private static final byte[] NEWLINE = {'\n'};
    private static final long FLUSH_EVERY = 256 << 10;
    private static final long MIN_BYTES_TO_MEASURE = 4096;

    private final FileSystem fs;
    private final long targetFileSize;
    private final Compression compression;
    private final int partition;
    private final IntFunction<Path> pathForSequence;
    private final List<WrittenFile> written = new ArrayList<>();

    private Path path;
    private FSDataOutputStream stream;
    private CountingStream counted;
    private OutputStream out;
    private long rowsInFile;
    private long lineBytesInFile;
    // Line bytes given to the codec since its last flush, and what a line byte becomes, as last measured.
    private long pendingBytes;
    private double ratio = 1.0;

    public RollingJsonLinesWriter(FileSystem fs, FileLayout layout, Compression compression, int partition, IntFunction<Path> pathForSequence) {
        this.fs = fs;
        this.targetFileSize = layout.effectiveTargetFileSize();
        this.compression = compression;
        this.partition = partition;
        this.pathForSequence = pathForSequence;
    }

    /** One line: the first {@code length} bytes of {@code json} (UTF-8 text), then a line break. */
    public void write(byte[] json, int length) throws IOException {
        long lineBytes = length + 1L;
        if (out != null && targetFileSize > 0 && rowsInFile > 0 && estimatedSize(lineBytes) > targetFileSize) {
            closeFile();
        }
        if (out == null) {
            openFile();
        }
        out.write(json, 0, length);
        out.write(NEWLINE);
        rowsInFile++;
        lineBytesInFile += lineBytes;
        if (compressed()) {
            pendingBytes += lineBytes;
            long room = targetFileSize > 0 ? targetFileSize - counted.count : Long.MAX_VALUE;
            if (pendingBytes >= FLUSH_EVERY || pendingBytes * ratio >= room / 4) {
                flushCodec();
            }
        }
    }

    /** Bytes written so far, the open file's buffered lines included (compressed lines as estimated). */
    public long bytesWritten() {
        return written.stream().mapToLong(WrittenFile::fileBytes).sum() + (out == null ? 0 : estimatedSize(0));
    }

    public List<WrittenFile> finish() throws IOException {
        if (out != null) {
            closeFile();
        }
        return List.copyOf(written);
    }

    /** Writes one empty file: the output of an empty dataset. */
    public List<WrittenFile> finishEmpty() throws IOException {
        if (out == null && written.isEmpty()) {
            openFile();
        }
        return finish();
    }

    private boolean compressed() {
        return compression.codec() != Compression.Codec.NONE;
    }

    private long estimatedSize(long moreBytes) {
        return counted.count + (long) Math.ceil((pendingBytes + moreBytes) * ratio);
    }

    private void flushCodec() throws IOException {
        long before = counted.count;
        out.flush();
        if (pendingBytes >= MIN_BYTES_TO_MEASURE) {
            ratio = (double) (counted.count - before) / pendingBytes;
        }
        pendingBytes = 0;
    }

    private void openFile() throws IOException {
        path = pathForSequence.apply(written.size());
        stream = fs.create(path, false);
        // What reaches the file is counted as it is written: the lines themselves, or the codec's output.
        counted = new CountingStream(new BufferedOutputStream(stream, 1 << 20));
        out = switch (compression.codec()) {
            case GZIP -> new BufferedOutputStream(new GZIPOutputStream(counted, 64 << 10, true) {
                {
                    def.setLevel(compression.explicitLevel().orElse(java.util.zip.Deflater.DEFAULT_COMPRESSION));
                }
            }, 64 << 10);
            case ZSTD -> new BufferedOutputStream(new com.github.luben.zstd.ZstdOutputStream(counted,
                    compression.explicitLevel().orElse(3)), 64 << 10);
            case NONE -> counted;
            default -> throw new IllegalArgumentException(compression.codec() + " does not apply to JSON lines");
        };
        rowsInFile = 0;
        lineBytesInFile = 0;
        pendingBytes = 0;
    }

    private void closeFile() throws IOException {
        out.close();
        out = null;
        // The JSON text's bytes are the uncompressed size; the bytes that reached the file, its size.
        written.add(new WrittenFile(path.toString(), partition, written.size(), rowsInFile, 0, lineBytesInFile, counted.count));
    }

    /** Abandons the open file after a failure (or a kill), without publishing it. */
    @Override
    public void close() throws IOException {
        if (out != null) {
            out = null;
            FileSystemOutputFile.abort(fs, path, stream);
        }
    }

    /** Counts what reaches the file; a flush stops here (the file's own buffer is flushed at close). */
    private static final class CountingStream extends FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            count += length;
        }

        @Override
        public void flush() {
        }
    }
}
