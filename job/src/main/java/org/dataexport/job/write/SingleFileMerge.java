package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.dataexport.job.request.ParquetTuning;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * single_file mode: the tasks encode in parallel, each into its own part, and the parts are then
 * joined into one file. Parquet row groups are copied as bytes (parquet-java's appendFile, which
 * rewrites only the offsets in the footer) but for each task's short last group, which is re-encoded
 * with the others into full groups; JSON lines are concatenated.
 */
public final class SingleFileMerge {
    private SingleFileMerge() {
    }

    /**
     * Joins the tasks' parts: their full row groups are copied as bytes, in data order; then the tasks'
     * tails (each task's last row group, when short) are read back and re-encoded, in data order, into
     * row groups of the row-group size at the end of the file. So every row group but the file's last
     * is full, and at most one row group a task is re-encoded.
     */
    public static WrittenFile parquet(FileSystem fs, List<WrittenFile> files, Path target, Configuration writeConf,
                                      FileLayout layout, ParquetTuning tuning) throws IOException {
        List<WrittenFile> parts = files.stream().filter(file -> !file.isTail()).toList();
        List<WrittenFile> tails = files.stream().filter(WrittenFile::isTail).toList();
        RollingParquetWriter.Preamble copyParts = writer -> {
            for (WrittenFile part : parts) {
                writer.appendFile(inputFile(fs, part));
            }
        };
        try (RollingParquetWriter writer = new RollingParquetWriter(writeConf, fs, new FileLayout(layout.rowGroupSizeBytes(), 0, 0),
                tuning, 0, sequence -> target, Optional.of(copyParts))) {
            for (WrittenFile tail : tails) {
                TailRows.copy(writeConf, fs, tail, writer::write);
            }
            List<WrittenFile> merged = tails.isEmpty() ? writer.finishEmpty() : writer.finish();
            return merged.get(0);
        }
    }

    public static WrittenFile jsonLines(FileSystem fs, List<WrittenFile> parts, Path target) throws IOException {
        long rows = 0;
        long uncompressed = 0;
        long bytes = 0;
        try (OutputStream out = fs.create(target, false)) {
            for (WrittenFile part : parts) {
                try (InputStream in = fs.open(new Path(part.path()))) {
                    IOUtils.copyBytes(in, out, 1 << 20, false);
                }
                rows += part.rows();
                uncompressed += part.uncompressedBytes();
                bytes += part.fileBytes();
            }
        }
        // Parts compressed as whole streams join into one file of several gzip members or zstd frames.
        return new WrittenFile(target.toString(), 0, 0, rows, 0, uncompressed, bytes);
    }

    private static FileSystemInputFile inputFile(FileSystem fs, WrittenFile file) {
        return new FileSystemInputFile(fs, new Path(file.path()), file.fileBytes());
    }
}
