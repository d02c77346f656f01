package org.dataexport.job.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.spark.Partition;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;

import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * When the dataset is a plain scan of Parquet files whose row groups already are what the export
 * would write ({@link SourceFooters#fits}): the scan's splits, for each task to copy its row groups
 * into its files column chunk by column chunk, as bytes ({@code ParquetFileWriter.appendColumnChunk},
 * as parquet-java's {@code ParquetRewriter} does), instead of decoding and encoding them again.
 * Decided on the driver from the footers; any other plan, or one file that does not fit, and nothing
 * is copied.
 */
public final class SourceRowGroups {
    // Footers are read on the driver (the first that does not fit ends it): a source of more files is exported the usual way.
    private static final int MAX_FILES = 1_000;

    private SourceRowGroups() {
    }

    /** The part of one file a task reads: Spark gives a row group to the split holding its midpoint. */
    public record FileRange(String path, long start, long length) implements Serializable {
        public Path hadoopPath() {
            return new Path(URI.create(path));
        }
    }

    /** One task's share of the source, in data order. */
    public record Split(List<FileRange> files) implements Serializable {
        public Split {
            files = List.copyOf(files);
        }
    }

    /**
     * What the tasks copy: the splits, and the Hadoop configuration Spark reads the source with (the
     * relation's; made for this export, and broadcast as it is).
     */
    public record Plan(List<Split> splits, Configuration readConf) {
        public Plan {
            splits = List.copyOf(splits);
        }
    }

    /**
     * The scan's splits when every row group can be copied into the files {@code target} describes, and
     * the copies make no more short row groups (each a file's last) than there are splits (the usual
     * writers make one a task): a source of small files is encoded again into full groups. Empty otherwise.
     *
     * @param splits creates the scan's RDD (its splits are fixed then), as {@link InputSplits#balanced} does
     */
    public static Optional<Plan> copyable(Dataset<Row> data, SourceFooters.Target target, Function<FileSourceScanExec, RDD<?>> splits) {
        Optional<FileSourceScanExec> scan = plainScan(((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().executedPlan());
        if (scan.isEmpty()) {
            return Optional.empty();
        }
        HadoopFsRelation relation = scan.get().relation();
        Configuration conf = relation.sparkSession().sessionState().newHadoopConfWithOptions(relation.options());
        List<Split> result = new ArrayList<>();
        Set<FileRange> files = new LinkedHashSet<>();
        for (Partition partition : splits.apply(scan.get()).partitions()) {
            if (!(partition instanceof FilePartition filePartition)) {
                return Optional.empty();
            }
            List<FileRange> ranges = new ArrayList<>();
            for (PartitionedFile file : filePartition.files()) {
                FileRange range = new FileRange(file.toPath().toUri().toString(), file.start(), file.length());
                ranges.add(range);
                files.add(new FileRange(range.path(), 0, 0));
            }
            result.add(new Split(ranges));
        }
        if (files.isEmpty() || files.size() > MAX_FILES) {
            return Optional.empty();
        }
        int shortGroups = 0;
        for (FileRange file : files) {
            Optional<ParquetMetadata> footer = SourceFooters.read(file.hadoopPath(), conf);
            if (!SourceFooters.fits(footer, target)) {
                return Optional.empty();
            }
            shortGroups += SourceFooters.endsShort(footer.get(), target) ? 1 : 0;
        }
        return shortGroups > result.size() ? Optional.empty() : Optional.of(new Plan(result, conf));
    }

    /** The scan, when the plan reads every column of Parquet files as they are: no filter, no partition or computed column. */
    static Optional<FileSourceScanExec> plainScan(SparkPlan plan) {
        if (plan instanceof WholeStageCodegenExec stage) {
            plan = stage.child();
        }
        List<Attribute> projected = null;
        if (plan instanceof ProjectExec project) {
            projected = new ArrayList<>();
            for (Object expression : scala.jdk.javaapi.CollectionConverters.asJava(project.projectList())) {
                if (!(expression instanceof Attribute attribute)) {
                    return Optional.empty();
                }
                projected.add(attribute);
            }
            plan = project.child();
        }
        if (plan instanceof ColumnarToRowExec toRows) {
            plan = toRows.child();
        }
        if (plan instanceof InputAdapter adapter) {
            plan = adapter.child();
        }
        if (!(plan instanceof FileSourceScanExec scan) || scan.bucketedScan() || !scan.dataFilters().isEmpty()
                || !scan.partitionFilters().isEmpty()) {
            return Optional.empty();
        }
        HadoopFsRelation relation = scan.relation();
        if (!(relation.fileFormat() instanceof ParquetFileFormat) || !relation.partitionSchema().isEmpty()
                || !Arrays.equals(scan.requiredSchema().fieldNames(), relation.dataSchema().fieldNames())
                || scan.output().size() != relation.dataSchema().size()) {
            return Optional.empty();
        }
        if (projected != null && !projected.equals(scala.jdk.javaapi.CollectionConverters.asJava(scan.output()))) {
            return Optional.empty();
        }
        return Optional.of(scan);
    }
}
