package org.dataexport.job.write;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.FileMetaData;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * single_file mode: the tasks encode in parallel, each into its own part, and the parts are then
 * joined into one file without decoding. Parquet row groups are copied as bytes (parquet-java's
 * appendFile, which rewrites only the offsets in the footer); JSON lines are concatenated.
 */
public final class SingleFileMerge {
    private SingleFileMerge() {
    }

    public static WrittenFile parquet(FileSystem fs, List<WrittenFile> parts, Path target, long rowGroupSize) throws IOException {
        FileMetaData first;
        try (ParquetFileReader reader = ParquetFileReader.open(inputFile(fs, parts.get(0)))) {
            first = reader.getFooter().getFileMetaData();
        }
        FileSystemOutputFile output = new FileSystemOutputFile(fs, target);
        ParquetFileWriter writer = new ParquetFileWriter(output, first.getSchema(),
                ParquetFileWriter.Mode.CREATE, rowGroupSize, 0, null, ParquetProperties.builder().build());
        try {
            writer.start();
            for (WrittenFile part : parts) {
                writer.appendFile(inputFile(fs, part));
            }
            writer.end(first.getKeyValueMetaData());
        } catch (IOException | RuntimeException e) {
            output.abort();
            throw e;
        }
        return RollingParquetWriter.describe(target.toString(), 0, 0, writer.getFooter(), writer.getPos());
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
