package org.dataexport.job;

import org.dataexport.job.write.WrittenFile;

import java.util.List;

/**
 * What an export wrote, as the API reports it. Every figure is summed from the written files' own
 * footers (Parquet) or byte counts (Jsonl), never from a second scan of the data.
 *
 * @param files     names relative to the destination, in data order: part-00000.parquet, ...
 * @param fileStats one entry per file, in the same order; reported only on request
 * @param partitions with partition_by, one entry per directory, in the listing's order; empty otherwise
 */
public record ExportResult(
        List<String> files,
        String outputPrefix,
        String mode,
        long totalRowCount,
        long numRowGroups,
        long totalUncompressedByteSize,
        long averageUncompressedRowGroupSize,
        List<FileStats> fileStats,
        List<PartitionStats> partitions) {

    /** @param inputPartition the input partition (Spark task) that wrote the file */
    public record FileStats(String file, long rows, long rowGroups, long bytes, long uncompressedBytes, int inputPartition) {
    }

    /** One partition directory's figures: {@code directory} is relative to the destination ({@code col=a/col2=b}). */
    public record PartitionStats(String directory, long files, long rows, long bytes) {
    }

    public ExportResult {
        files = List.copyOf(files);
        fileStats = List.copyOf(fileStats);
        partitions = List.copyOf(partitions);
    }

    static ExportResult of(String outputPrefix, String mode, List<String> names, List<WrittenFile> written) {
        long rows = 0;
        long rowGroups = 0;
        long uncompressed = 0;
        List<FileStats> stats = new java.util.ArrayList<>();
        java.util.Map<String, PartitionStats> partitions = new java.util.LinkedHashMap<>();
        for (int i = 0; i < written.size(); i++) {
            WrittenFile file = written.get(i);
            rows += file.rows();
            rowGroups += file.rowGroups();
            uncompressed += file.uncompressedBytes();
            stats.add(new FileStats(names.get(i), file.rows(), file.rowGroups(), file.fileBytes(), file.uncompressedBytes(),
                    file.partition()));
            if (!file.directory().isEmpty()) {
                partitions.merge(file.directory(), new PartitionStats(file.directory(), 1, file.rows(), file.fileBytes()),
                        (a, b) -> new PartitionStats(a.directory(), a.files() + 1, a.rows() + b.rows(), a.bytes() + b.bytes()));
            }
        }
        return new ExportResult(names, outputPrefix, mode, rows, rowGroups, uncompressed,
                rowGroups == 0 ? 0 : uncompressed / rowGroups, stats, List.copyOf(partitions.values()));
    }
}
