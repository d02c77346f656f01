package org.dataexport.job.write;

import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;
import org.dataexport.job.progress.TaskOutput;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's rows written by directory (partition_by) as they come, without sorting them first: a
 * writer a directory, opened at the directory's first row and kept open to the end of the task, up
 * to {@code maxOpen} of them. The rows of directories met once that many are open go to Spark's
 * external sorter ({@link DirectorySort}) and are written after the open writers have finished,
 * one directory at a time. Either way each directory gets exactly one writer in a task, so its
 * files and row groups are as exact as those of an export without partition_by. Spark's own writer
 * does the same past {@code spark.sql.maxConcurrentOutputFileWriters}.
 */
final class DirectoryWriters {
    /** The most writers a task keeps open, whatever the memory allows: each holds a file (or an upload) open. */
    static final int MAX_OPEN = 64;

    /**
     * One directory's writer: its files, fed the task's rows (the written columns first, the partition
     * values after), or runs of a batch's rows (the written columns only).
     */
    record Writer(RollingWriter files, RowSink rows, RangeSink ranges) {
        /** A writer of rows only. */
        Writer(RollingWriter files, RowSink rows) {
            this(files, rows, (batch, from, to) -> {
                throw new IllegalStateException("a writer of rows only was given a batch");
            });
        }
    }

    /** Takes a row into a directory's files. */
    interface RowSink {
        void write(InternalRow row) throws IOException;
    }

    /** Takes rows {@code from} (inclusive) to {@code to} (exclusive) of a batch into a directory's files. */
    interface RangeSink {
        void write(ColumnarBatch batch, int from, int to) throws IOException;
    }

    /** Opens the writer of a directory ({@code col=value/...}). */
    interface Opener {
        Writer open(String directory) throws IOException;
    }

    private final List<String> columns;
    private final StructType rowSchema;
    private final int firstKey;
    private final int maxOpen;
    private final Opener opener;
    private final Map<Key, Directory> open = new HashMap<>();
    private final List<Directory> opened = new ArrayList<>();
    private final List<WrittenFile> files = new ArrayList<>();
    private Directory last;
    private Optional<DirectorySort> overflow = Optional.empty();
    private long finishedBytes;
    private final BatchGroups groups = new BatchGroups();

    /**
     * @param rowSchema the rows' schema: the written columns, then the partition values (strings) from {@code firstKey} on
     * @param maxOpen   the most writers open at once
     */
    DirectoryWriters(List<String> columns, StructType rowSchema, int firstKey, int maxOpen, Opener opener) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("at least one writer must be open: " + maxOpen);
        }
        this.columns = List.copyOf(columns);
        this.rowSchema = rowSchema;
        this.firstKey = firstKey;
        this.maxOpen = maxOpen;
        this.opener = opener;
    }

    /**
     * How many writers of {@code bytesPerWriter} each a task may keep open: a quarter of the heap shared
     * by the tasks that run at once in this JVM, at most {@link #MAX_OPEN}, at least one.
     */
    static int maxOpen(long bytesPerWriter) {
        int slots = SparkEnv.get() == null ? Runtime.getRuntime().availableProcessors()
                : SparkEnv.get().conf().getInt("spark.executor.cores", Runtime.getRuntime().availableProcessors());
        long budget = Runtime.getRuntime().maxMemory() / 4 / Math.max(1, slots);
        return (int) Math.max(1, Math.min(MAX_OPEN, budget / Math.max(1, bytesPerWriter)));
    }

    /** Writes every row under its directory and returns the files written, each named with its directory. */
    List<WrittenFile> write(Iterator<InternalRow> rows) throws IOException {
        return write(output -> {
            while (rows.hasNext()) {
                InternalRow row = rows.next();
                Optional<Directory> directory = directoryOf(row);
                if (directory.isPresent()) {
                    directory.get().writer.rows().write(row);
                    output.rowWritten();
                } else {
                    sort().add(row);
                }
            }
        });
    }

    /**
     * Writes every row of the batches (the written columns, then the partition values) under its
     * directory, as {@link #write(Iterator)}: each batch's rows grouped by directory ({@link BatchGroups}),
     * each directory's run then copied into its writer.
     */
    List<WrittenFile> writeBatches(Iterator<ColumnarBatch> batches, BatchColumns columns) throws IOException {
        return write(output -> {
            while (batches.hasNext()) {
                ColumnarBatch batch = batches.next();
                output.rowsWritten(write(batch, columns));
            }
        });
    }

    private interface Feed {
        void into(TaskOutput output) throws IOException;
    }

    /** Feeds the open writers, finishes them, then writes the sorted rows of the directories that found no room. */
    private List<WrittenFile> write(Feed feed) throws IOException {
        TaskOutput output = TaskOutput.of(this::bytesWritten);
        try {
            feed.into(output);
            for (Directory directory : opened) {
                finish(directory);
            }
            opened.clear();
            open.clear();
            last = null;
            if (overflow.isPresent()) {
                DirectoryRuns runs = new DirectoryRuns(overflow.get().sorted(), columns, firstKey);
                while (runs.hasNext()) {
                    Directory directory = new Directory(null, runs.next(), -1);
                    directory.writer = opener.open(directory.name);
                    opened.add(directory);
                    for (Iterator<InternalRow> run = runs.run(); run.hasNext(); ) {
                        directory.writer.rows().write(run.next());
                        output.rowWritten();
                    }
                    finish(directory);
                    opened.clear();
                }
            }
            return List.copyOf(files);
        } finally {
            closeAll();
        }
    }

    /** Writes a batch's rows of open directories (returns how many), sorts the others for later. */
    private int write(ColumnarBatch batch, BatchColumns columns) throws IOException {
        return groups.write(batch, columns, r -> {
            InternalRow row = batch.getRow(r);
            Optional<Directory> directory = directoryOf(row);
            if (directory.isEmpty()) {
                sort().add(row);
                return -1;
            }
            return directory.get().index;
        }, (directory, grouped, from, to) -> opened.get(directory).writer.ranges().write(grouped, from, to));
    }

    /** The open directory of the row, opened if there is room; empty when there is not (the row is sorted, for later). */
    private Optional<Directory> directoryOf(InternalRow row) throws IOException {
        if (last != null && last.holds(row, firstKey)) {
            return Optional.of(last);
        }
        UTF8String[] values = new UTF8String[columns.size()];
        for (int k = 0; k < values.length; k++) {
            values[k] = DirectoryRuns.key(row, firstKey + k);
        }
        Directory directory = open.get(new Key(values));
        if (directory == null) {
            if (open.size() >= maxOpen) {
                return Optional.empty();
            }
            // The row's values point into a row Spark reuses: the key keeps copies.
            for (int k = 0; k < values.length; k++) {
                values[k] = values[k] == null ? null : values[k].clone();
            }
            directory = new Directory(new Key(values), DirectoryRuns.directory(columns, values), opened.size());
            directory.writer = opener.open(directory.name);
            open.put(directory.key, directory);
            opened.add(directory);
        }
        last = directory;
        return Optional.of(directory);
    }

    private DirectorySort sort() throws IOException {
        if (overflow.isEmpty()) {
            overflow = Optional.of(new DirectorySort(rowSchema, firstKey, columns.size()));
        }
        return overflow.get();
    }

    private void finish(Directory directory) throws IOException {
        for (WrittenFile file : directory.writer.files().finish()) {
            files.add(file.inDirectory(directory.name));
        }
        finishedBytes += directory.writer.files().bytesWritten();
        directory.writer.files().close();
        directory.writer = null;
    }

    private long bytesWritten() {
        long bytes = finishedBytes;
        for (Directory directory : opened) {
            bytes += directory.writer == null ? 0 : directory.writer.files().bytesWritten();
        }
        return bytes;
    }

    /** Abandons every writer still open (after a failure) and frees the sorter's memory. */
    private void closeAll() throws IOException {
        IOException failure = null;
        for (Directory directory : opened) {
            if (directory.writer != null) {
                try {
                    directory.writer.files().close();
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        overflow.ifPresent(DirectorySort::close);
        if (failure != null) {
            throw failure;
        }
    }

    /** A directory's partition values (null: the default partition). */
    private record Key(UTF8String[] values) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Arrays.equals(values, key.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }
    }

    /**
     * A directory written to: its key and its place among the open ones (none in the sorted rows' turn),
     * its name and its writer (null once finished).
     */
    private static final class Directory {
        private final Key key;
        private final String name;
        private final int index;
        private Writer writer;

        Directory(Key key, String name, int index) {
            this.key = key;
            this.name = name;
            this.index = index;
        }

        boolean holds(InternalRow row, int firstKey) {
            return DirectoryRuns.holds(row, firstKey, key.values);
        }
    }
}
