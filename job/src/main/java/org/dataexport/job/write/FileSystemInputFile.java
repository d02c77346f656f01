package org.dataexport.job.write;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

import java.io.IOException;

/** A Parquet input file on a FileSystem instance the caller owns; see {@link FileSystemOutputFile}. */
record FileSystemInputFile(FileSystem fs, Path path, long length) implements InputFile {
    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
        return HadoopStreams.wrap(fs.open(path));
    }
}
