package org.dataexport.job.write;

import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.UnsafeExternalRowSorter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.collection.unsafe.sort.PrefixComparators;
import org.apache.spark.util.collection.unsafe.sort.RecordComparator;

import java.io.IOException;
import java.util.Iterator;

/**
 * A task's rows sorted by their partition values (the string columns from {@code firstKey} on, null
 * first), in Spark's own external sorter: it takes its memory from the task's execution memory and
 * spills to local disk past it. What {@link DirectoryWriters} falls back to for the rows of
 * directories it cannot keep a writer open for. The sorted rows are the sorter's, reused from one to
 * the next.
 */
final class DirectorySort implements AutoCloseable {
    private final UnsafeExternalRowSorter sorter;
    private final UnsafeProjection toUnsafe;

    DirectorySort(StructType schema, int firstKey, int keys) throws IOException {
        this.toUnsafe = UnsafeProjection.create(schema);
        int fields = schema.size();
        this.sorter = UnsafeExternalRowSorter.createWithRecordComparator(schema, () -> new KeyComparator(fields, firstKey, keys),
                PrefixComparators.STRING, new UnsafeExternalRowSorter.PrefixComputer() {
                    private final Prefix prefix = new Prefix();

                    @Override
                    public Prefix computePrefix(InternalRow row) {
                        prefix.isNull = row.isNullAt(firstKey);
                        prefix.value = prefix.isNull ? 0 : row.getUTF8String(firstKey).getPrefix();
                        return prefix;
                    }
                }, SparkEnv.get().memoryManager().pageSizeBytes(), false);
    }

    void add(InternalRow row) throws IOException {
        sorter.insertRow(row instanceof UnsafeRow unsafe ? unsafe : toUnsafe.apply(row));
    }

    /** The rows added, by directory; the sorter frees its memory once they are read to the end. */
    Iterator<InternalRow> sorted() throws IOException {
        return scala.jdk.javaapi.CollectionConverters.asJava(sorter.sort());
    }

    @Override
    public void close() {
        sorter.cleanupResources();
    }

    /** Orders rows by their partition values, as binary strings, null first. */
    private static final class KeyComparator extends RecordComparator {
        private final UnsafeRow left;
        private final UnsafeRow right;
        private final int firstKey;
        private final int keys;

        KeyComparator(int fields, int firstKey, int keys) {
            this.left = new UnsafeRow(fields);
            this.right = new UnsafeRow(fields);
            this.firstKey = firstKey;
            this.keys = keys;
        }

        @Override
        public int compare(Object leftBase, long leftOffset, int leftLength, Object rightBase, long rightOffset, int rightLength) {
            left.pointTo(leftBase, leftOffset, leftLength);
            right.pointTo(rightBase, rightOffset, rightLength);
            for (int k = firstKey; k < firstKey + keys; k++) {
                boolean leftNull = left.isNullAt(k);
                boolean rightNull = right.isNullAt(k);
                if (leftNull || rightNull) {
                    if (leftNull != rightNull) {
                        return leftNull ? -1 : 1;
                    }
                    continue;
                }
                UTF8String a = left.getUTF8String(k);
                int order = a.binaryCompare(right.getUTF8String(k));
                if (order != 0) {
                    return order;
                }
            }
            return 0;
        }
    }
}
