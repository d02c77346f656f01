package org.dataexport.job.write;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Writes JSON lines, rolling to a new file before a line would take the file past the size target
 * (a file always takes at least one line, so a single line longer than the target makes a file of
 * its own). Sizes are exact: they are the bytes written.
 */
public final class RollingJsonLinesWriter implements AutoCloseable {
    private static final byte[] NEWLINE = {'\n'};

    private final FileSystem fs;
    private final long targetFileSize;
    private final int partition;
    private final IntFunction<Path> pathForSequence;
    private final List<WrittenFile> written = new ArrayList<>();

    private Path path;
    private FSDataOutputStream stream;
    private OutputStream out;
    private long bytesInFile;
    private long rowsInFile;

    public RollingJsonLinesWriter(FileSystem fs, FileLayout layout, int partition, IntFunction<Path> pathForSequence) {
        this.fs = fs;
        this.targetFileSize = layout.effectiveTargetFileSize();
        this.partition = partition;
        this.pathForSequence = pathForSequence;
    }

    public void write(String json) throws IOException {
        byte[] line = json.getBytes(StandardCharsets.UTF_8);
        long lineBytes = line.length + 1L;
        if (out != null && targetFileSize > 0 && rowsInFile > 0 && bytesInFile + lineBytes > targetFileSize) {
            closeFile();
        }
        if (out == null) {
            openFile();
        }
        out.write(line);
        out.write(NEWLINE);
        bytesInFile += lineBytes;
        rowsInFile++;
    }

    /** Bytes written so far, the open file's buffered lines included. */
    public long bytesWritten() {
        return written.stream().mapToLong(WrittenFile::fileBytes).sum() + (out == null ? 0 : bytesInFile);
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

    private void openFile() throws IOException {
        path = pathForSequence.apply(written.size());
        stream = fs.create(path, false);
        out = new BufferedOutputStream(stream, 1 << 20);
        bytesInFile = 0;
        rowsInFile = 0;
    }

    private void closeFile() throws IOException {
        out.close();
        out = null;
        written.add(new WrittenFile(path.toString(), partition, written.size(), rowsInFile, 0, bytesInFile, bytesInFile));
    }

    /** Abandons the open file after a failure (or a kill), without publishing it. */
    @Override
    public void close() throws IOException {
        if (out != null) {
            out = null;
            FileSystemOutputFile.abort(fs, path, stream);
        }
    }
}
