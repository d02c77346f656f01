package org.dataexport.job.write;

import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import java.io.Serializable;
import java.util.Comparator;

/**
 * One file a task wrote, with figures taken from the writer's own footer (Parquet) or byte count (Jsonl).
 *
 * @param partition          the input partition that produced it; with {@code sequence}, its place in data order
 * @param uncompressedBytes  Parquet: the sum of the row groups' uncompressed sizes; Jsonl: the JSON text's bytes
 * @param directory          with partition_by, the file's Hive-style directory under the destination
 *                           ({@code col=value/col2=value2}); empty otherwise
 * @param publication        how the commit makes it visible: a staged file's rename, or an S3 upload's completion
 */
public record WrittenFile(String path, int partition, int sequence, long rows, int rowGroups,
                          long uncompressedBytes, long fileBytes, String directory, Publication publication) implements Serializable {

    public WrittenFile(String path, int partition, int sequence, long rows, int rowGroups, long uncompressedBytes, long fileBytes) {
        this(path, partition, sequence, rows, rowGroups, uncompressedBytes, fileBytes, "", Publication.STAGED);
    }

    /** The sequence of a task's tail (single_file): after every file of its task. */
    public static final int TAIL_SEQUENCE = Integer.MAX_VALUE;

    /** By directory, then in data order within each: the order of the listing and of the part numbers. */
    public static final Comparator<WrittenFile> DATA_ORDER = Comparator.comparing(WrittenFile::directory)
            .thenComparingInt(WrittenFile::partition).thenComparingInt(WrittenFile::sequence);

    public WrittenFile inDirectory(String name) {
        return new WrittenFile(path, partition, sequence, rows, rowGroups, uncompressedBytes, fileBytes, name, publication);
    }

    /** The same file, published by completing its pending upload. */
    public WrittenFile uploaded(Publication.PendingUpload upload) {
        return new WrittenFile(path, partition, sequence, rows, rowGroups, uncompressedBytes, fileBytes, directory, upload);
    }

    /** The name it is published under: {@code part-00003.parquet}, or {@code dir/part-00003.parquet} with partition_by. */
    public String publishedName(int partNumber, String extension) {
        String name = partName(partNumber, extension);
        return directory.isEmpty() ? name : directory + "/" + name;
    }

    /** {@code part-00003.parquet}: a data file's name in its directory. */
    public static String partName(int partNumber, String extension) {
        return String.format("part-%05d%s", partNumber, extension);
    }

    /** A task's last, short row group, written apart for single_file's merge to re-encode with the others. */
    public boolean isTail() {
        return sequence == TAIL_SEQUENCE;
    }

    /** A Parquet file's figures, from the footer its writer produced. */
    public static WrittenFile fromFooter(String path, int partition, int sequence, ParquetMetadata footer, long fileBytes) {
        long rows = 0;
        long uncompressed = 0;
        for (BlockMetaData block : footer.getBlocks()) {
            rows += block.getRowCount();
            uncompressed += block.getTotalByteSize();
        }
        return new WrittenFile(path, partition, sequence, rows, footer.getBlocks().size(), uncompressed, fileBytes);
    }
}
