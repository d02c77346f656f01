package org.dataexport.job.write;

import java.io.Serializable;

/**
 * When a task's writer closes a row group and when it rolls to a new file.
 *
 * @param rowGroupSizeBytes   close a row group when its size as written (compressed pages) reaches this
 * @param maxRowGroupsPerFile roll after this many row groups; 0 = no limit; wins over the size target
 * @param targetFileSizeBytes roll when the file reaches this size; 0 = no target
 */
public record FileLayout(long rowGroupSizeBytes, long maxRowGroupsPerFile, long targetFileSizeBytes) implements Serializable {
    public FileLayout {
        if (rowGroupSizeBytes <= 0 || maxRowGroupsPerFile < 0 || targetFileSizeBytes < 0) {
            throw new IllegalArgumentException("invalid layout " + rowGroupSizeBytes + "/" + maxRowGroupsPerFile + "/" + targetFileSizeBytes);
        }
    }

    /** The size target applies only when no row-group count is set: the count takes precedence. */
    public long effectiveTargetFileSize() {
        return maxRowGroupsPerFile > 0 ? 0 : targetFileSizeBytes;
    }
}
