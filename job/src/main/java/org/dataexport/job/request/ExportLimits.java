package org.dataexport.job.request;

import java.io.Serializable;

/**
 * The bounds that protect the service from one request (each a 400 naming the field): no row group
 * or file per row, no row group larger than a task can buffer, no more files than a file system or a
 * bucket should take from one export. Set in the server's configuration.
 *
 * @param minRowGroupSize   smallest {@code row_group_size} (Parquet)
 * @param maxRowGroupSize   largest {@code row_group_size}: a row group is buffered in a task's memory
 * @param minTargetFileSize smallest {@code target_file_size_bytes}
 * @param maxFiles          most files one export may write, enforced while writing
 */
public record ExportLimits(long minRowGroupSize, long maxRowGroupSize, long minTargetFileSize, long maxFiles) implements Serializable {
    public static final ExportLimits DEFAULTS = new ExportLimits(64L << 10, 512L << 20, 1L << 20, 100_000);

    public ExportLimits {
        if (minRowGroupSize < 1 || maxRowGroupSize < minRowGroupSize || minTargetFileSize < 1 || maxFiles < 1) {
            throw new IllegalArgumentException("export limits must be positive, with min_row_group_size_bytes <= max_row_group_size_bytes: " + this);
        }
        if (maxRowGroupSize < ExportRequest.DEFAULT_ROW_GROUP_SIZE) {
            throw new IllegalArgumentException("exports.max_row_group_size_bytes must allow the API's default row_group_size "
                    + ExportRequest.DEFAULT_ROW_GROUP_SIZE);
        }
    }

    /**
     * These limits with the largest row group lowered to what one task can buffer in
     * {@code memoryPerTask} bytes (half of it, as a writer holds a group and its pages), never below the
     * API's default.
     */
    public ExportLimits fittingMemory(long memoryPerTask) {
        long fits = Math.max(ExportRequest.DEFAULT_ROW_GROUP_SIZE, memoryPerTask / 2);
        return new ExportLimits(minRowGroupSize, Math.min(maxRowGroupSize, fits), minTargetFileSize, maxFiles);
    }

    /** Refuses a request outside the bounds; the message names the field and the setting. */
    public void check(ExportRequest request) {
        if (request.format() == Format.PARQUET) {
            if (request.rowGroupSizeBytes() < minRowGroupSize) {
                throw new InvalidRequestException("row_group_size", "must be at least " + minRowGroupSize
                        + " bytes on this server (exports.min_row_group_size_bytes); got " + request.rowGroupSizeBytes());
            }
            if (request.rowGroupSizeBytes() > maxRowGroupSize) {
                throw new InvalidRequestException("row_group_size", "must be at most " + maxRowGroupSize
                        + " bytes on this server, as a row group is buffered in memory (exports.max_row_group_size_bytes); got "
                        + request.rowGroupSizeBytes());
            }
        }
        if (request.targetFileSizeBytes() > 0 && request.targetFileSizeBytes() < minTargetFileSize) {
            throw new InvalidRequestException("target_file_size_bytes", "must be at least " + minTargetFileSize
                    + " bytes on this server (exports.min_target_file_size_bytes); got " + request.targetFileSizeBytes());
        }
    }

    /** The 400 of an export that would write more than {@link #maxFiles} files, naming the field to raise. */
    public InvalidRequestException tooManyFiles(ExportRequest request) {
        String field = request.maxRowGroupsPerFile() > 0 ? "max_row_groups_per_file" : "target_file_size_bytes";
        return new InvalidRequestException(field, "the export would write more than " + maxFiles
                + " files, this server's limit (exports.max_files); raise " + field
                + (request.format() == Format.PARQUET ? " or row_group_size" : "") + " (nothing was written)");
    }

    @Override
    public String toString() {
        return "ExportLimits[minRowGroupSize=" + minRowGroupSize + ", maxRowGroupSize=" + maxRowGroupSize
                + ", minTargetFileSize=" + minTargetFileSize + ", maxFiles=" + maxFiles + "]";
    }
}
