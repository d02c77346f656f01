package org.dataexport.job.write;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.unsafe.types.UTF8String;
import org.dataexport.job.failure.CallerText;
import org.dataexport.job.request.InvalidRequestException;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A task's rows, sorted by their partition values (the trailing string columns), taken one
 * directory at a time: each run holds the rows of one Hive-style directory, named as Spark names
 * them ({@code col=value}, escaped by Spark's own {@code escapePathName}; null and the empty string
 * as {@code __HIVE_DEFAULT_PARTITION__}). Spark reuses its row objects: a row read ahead to find a
 * run's end is held, not copied, and handed out before the next is read.
 */
final class DirectoryRuns {
    private static final int MAX_SEGMENT_BYTES = 255;

    private final Iterator<InternalRow> rows;
    private final List<String> columns;
    private final int firstKey;
    private final UTF8String[] current;
    private InternalRow pending;

    DirectoryRuns(Iterator<InternalRow> rows, List<String> columns, int firstKey) {
        this.rows = rows;
        this.columns = columns;
        this.firstKey = firstKey;
        this.current = new UTF8String[columns.size()];
    }

    boolean hasNext() {
        return pending != null || rows.hasNext();
    }

    /** Starts the next run and returns its directory. */
    String next() {
        if (pending == null) {
            pending = rows.next();
        }
        for (int k = 0; k < columns.size(); k++) {
            UTF8String value = key(pending, firstKey + k);
            current[k] = value == null ? null : value.clone();
        }
        return directory(columns, current);
    }

    /**
     * The Hive-style directory of a row's partition values ({@code col=value/col2=value2}), as Spark names
     * it; a value that would make a segment longer than a file name may be is the caller's error.
     */
    static String directory(List<String> columns, UTF8String[] values) {
        StringBuilder directory = new StringBuilder();
        for (int k = 0; k < columns.size(); k++) {
            String segment = ExternalCatalogUtils.getPartitionPathString(columns.get(k), values[k] == null ? null : values[k].toString());
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw new InvalidRequestException("partition_by", "a value of " + CallerText.quote(columns.get(k))
                        + " makes a directory name longer than " + MAX_SEGMENT_BYTES + " bytes; partition by a column of shorter values");
            }
            directory.append(k == 0 ? "" : "/").append(segment);
        }
        return directory.toString();
    }

    /** The rows of the run {@link #next} started. */
    Iterator<InternalRow> run() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (pending == null && rows.hasNext()) {
                    pending = rows.next();
                }
                return pending != null && sameKey(pending);
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                InternalRow row = pending;
                pending = null;
                return row;
            }
        };
    }

    private boolean sameKey(InternalRow row) {
        return holds(row, firstKey, current);
    }

    /** Whether the row's partition values (from {@code firstKey} on) are {@code values}. */
    static boolean holds(InternalRow row, int firstKey, UTF8String[] values) {
        for (int k = 0; k < values.length; k++) {
            if (!Objects.equals(key(row, firstKey + k), values[k])) {
                return false;
            }
        }
        return true;
    }

    /** The partition value at {@code field}, null for the default partition (Spark writes an empty value there too). */
    static UTF8String key(InternalRow row, int field) {
        if (row.isNullAt(field)) {
            return null;
        }
        UTF8String value = row.getUTF8String(field);
        return value.numBytes() == 0 ? null : value;
    }
}
