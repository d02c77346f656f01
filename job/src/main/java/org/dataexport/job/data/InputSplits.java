package org.dataexport.job.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.internal.SQLConf;

import java.util.List;
import java.util.function.Supplier;

/**
 * Sizes a file scan's splits so that every core has work to the end. Spark caps a split at
 * {@code spark.sql.files.maxPartitionBytes} (128 MB by default): 600 MB on two cores become five
 * splits, and the last runs alone on one core while the other idles. Here the splits are the same
 * size within that cap, as many as a whole number of waves of the session's parallelism needs.
 */
public final class InputSplits {
    private static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";
    // The session's SQL conf is shared by the warm session's concurrent exports: one sets it at a time.
    private static final Object SESSION_CONF = new Object();

    private InputSplits() {
    }

    /** The split size for {@code totalBytes} read by {@code parallelism} cores with splits of at most {@code cap}. */
    static long splitBytes(long totalBytes, int parallelism, long cap) {
        long slots = Math.max(parallelism, 1);
        long waves = Math.max(1, ceilDiv(totalBytes, slots * cap));
        return Math.max(1, ceilDiv(totalBytes, slots * waves));
    }

    /**
     * Creates the export's RDD with {@code create} (a file scan's splits are fixed then, on the driver)
     * under balanced split sizes; plans other than one file scan are created as they are.
     */
    public static <T> T balanced(Dataset<Row> data, Supplier<T> create) {
        org.apache.spark.sql.classic.Dataset<Row> classic = (org.apache.spark.sql.classic.Dataset<Row>) data;
        List<SparkPlan> leaves = scala.jdk.javaapi.CollectionConverters.asJava(classic.queryExecution().executedPlan().collectLeaves());
        if (leaves.size() != 1 || !(leaves.get(0) instanceof FileSourceScanExec scan) || scan.bucketedScan()) {
            return create.get();
        }
        SQLConf conf = classic.sparkSession().sessionState().conf();
        long total = scan.selectedPartitions().calculateTotalPartitionBytes();
        long split = splitBytes(total, classic.sparkSession().leafNodeDefaultParallelism(), conf.filesMaxPartitionBytes());
        synchronized (SESSION_CONF) {
            String before = conf.getConfString(MAX_PARTITION_BYTES, null);
            conf.setConfString(MAX_PARTITION_BYTES, Long.toString(split));
            try {
                return create.get();
            } finally {
                if (before == null) {
                    conf.unsetConf(MAX_PARTITION_BYTES);
                } else {
                    conf.setConfString(MAX_PARTITION_BYTES, before);
                }
            }
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
