package org.dataexport.job.write;

import java.io.IOException;
import java.util.List;

/** A writer that rolls its rows into files as the layout says: Parquet or JSON lines. */
interface RollingWriter extends AutoCloseable {
    /** Bytes written so far: the closed files and what the open one holds on its stream. */
    long bytesWritten();

    /** Closes the open file, if any, and returns every file written, in order. */
    List<WrittenFile> finish() throws IOException;

    /** Abandons the open file after a failure (or a kill), without publishing it. */
    @Override
    void close() throws IOException;
}
