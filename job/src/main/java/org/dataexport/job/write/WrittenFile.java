package org.dataexport.job.write;

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

    public static final Comparator<WrittenFile> DATA_ORDER =
            Comparator.comparingInt(WrittenFile::partition).thenComparingInt(WrittenFile::sequence);
}
