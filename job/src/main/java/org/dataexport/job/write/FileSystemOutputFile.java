package org.dataexport.job.write;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

import java.io.IOException;

/**
 * A Parquet output file on a FileSystem instance the caller owns. HadoopOutputFile would look the file
 * system up from the configuration, and with caching off (each export has its own credentials) that
 * would create, and leak, a new instance per file. It can also abandon the file: {@link #abort}.
 */
final class FileSystemOutputFile implements OutputFile {
    private final FileSystem fs;
    private final Path path;
    private FSDataOutputStream stream;

    FileSystemOutputFile(FileSystem fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        stream = fs.create(path, false);
        return HadoopStreams.wrap(stream);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        stream = fs.create(path, true);
        return HadoopStreams.wrap(stream);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return path.toString();
    }

    /**
     * Abandons a file being written without publishing it: an object store's upload is aborted (closing
     * it would upload the partial object, possibly after the export's cleanup has run); elsewhere the
     * partial file is closed and deleted.
     */
    void abort() throws IOException {
        abort(fs, path, stream);
    }

    static void abort(FileSystem fs, Path path, FSDataOutputStream stream) throws IOException {
        if (stream == null) {
            return;
        }
        if (stream.hasCapability("fs.capability.outputstream.abortable")) {
            stream.abort();
        } else {
            stream.close();
            fs.delete(path, false);
        }
    }
}
