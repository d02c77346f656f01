package org.dataexport.job.write;

import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.io.IOException;

/**
 * A columnar batch's rows grouped by the directory each goes to: a counting sort of the rows, then
 * the rows gathered in that order into one batch of the task's ({@link BatchColumns#gather}, source
 * dictionary indices kept), so that each directory's rows are one run its writer copies as it copies
 * a scan's batch. A batch whose rows all go to one directory is handed over as it is.
 */
final class BatchGroups {
    // Each row's directory (-1: not written now), the rows in directory order, the vectors they are gathered in.
    private int[] directoryOf = new int[0];
    private int[] order = new int[0];
    private OnHeapColumnVector[] gathered = new OnHeapColumnVector[0];
    private int gatheredRows;

    /** Where a row goes: a directory's number (from 0, in the order they were first met), or -1 for none now. */
    interface Placement {
        int directoryOf(int row) throws IOException;
    }

    /** Takes rows {@code from} (inclusive) to {@code to} (exclusive) of a batch into a directory. */
    interface Runs {
        void write(int directory, ColumnarBatch batch, int from, int to) throws IOException;
    }

    /** Places every row of the batch, then hands each directory its rows as one run; returns the rows handed over. */
    int write(ColumnarBatch batch, BatchColumns columns, Placement placement, Runs runs) throws IOException {
        int rows = batch.numRows();
        if (directoryOf.length < rows) {
            directoryOf = new int[rows];
            order = new int[rows];
        }
        int kept = 0;
        int only = -1;
        int directories = 0;
        for (int r = 0; r < rows; r++) {
            int directory = placement.directoryOf(r);
            directoryOf[r] = directory;
            if (directory >= 0) {
                only = kept == 0 || only == directory ? directory : -1;
                directories = Math.max(directories, directory + 1);
                kept++;
            }
        }
        if (kept == rows && only >= 0) {
            // Rows that come clustered: the whole batch under one directory.
            runs.write(only, batch, 0, rows);
            return rows;
        }
        int[] starts = new int[directories + 1];
        for (int r = 0; r < rows; r++) {
            if (directoryOf[r] >= 0) {
                starts[directoryOf[r] + 1]++;
            }
        }
        for (int d = 0; d < directories; d++) {
            starts[d + 1] += starts[d];
        }
        int[] next = starts.clone();
        for (int r = 0; r < rows; r++) {
            if (directoryOf[r] >= 0) {
                order[next[directoryOf[r]]++] = r;
            }
        }
        if (gatheredRows < kept) {
            gatheredRows = rows;
            gathered = columns.vectors(gatheredRows);
        }
        ColumnarBatch grouped = columns.gather(batch, order, kept, gathered);
        for (int d = 0; d < directories; d++) {
            if (starts[d + 1] > starts[d]) {
                runs.write(d, grouped, starts[d], starts[d + 1]);
            }
        }
        return kept;
    }
}
