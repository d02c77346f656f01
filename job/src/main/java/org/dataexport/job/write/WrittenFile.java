package org.dataexport.job.write;

import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import java.io.Serializable;
import java.util.Comparator;

/**
 * One file a task wrote, with figures taken from the writer's own footer (Parquet) or byte count (Jsonl).
 *
 * @param partition          the input partition that produced it; with {@code sequence}, its place in data order
 * @param uncompressedBytes  Parquet: the sum of the row groups' uncompressed sizes; Jsonl: bytes written
 */
public record WrittenFile(String path, int partition, int sequence, long rows, int rowGroups,
                          long uncompressedBytes, long fileBytes) implements Serializable {

    /** The sequence of a task's tail (single_file): after every file of its task. */
    public static final int TAIL_SEQUENCE = Integer.MAX_VALUE;

    public static final Comparator<WrittenFile> DATA_ORDER =
            Comparator.comparingInt(WrittenFile::partition).thenComparingInt(WrittenFile::sequence);

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
