package org.dataexport.job.storage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/** Opens the file system an export writes to: a fresh instance the caller closes, never a cached one. */
public final class ExportFileSystems {
    private ExportFileSystems() {
    }

    public static FileSystem open(Path path, Configuration exportConf) throws IOException {
        FileSystem fs = FileSystem.newInstance(path.toUri(), exportConf);
        // The local file system would write a .crc file beside each data file; the destination must
        // hold the data files and the marker only.
        fs.setWriteChecksum(false);
        return fs;
    }
}
