package org.dataexport.job.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.CorruptStatistics;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.Partition;
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

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * When the dataset is a plain scan of Parquet files whose row groups already have the size asked for
 * (within {@link #TOLERANCE}, a file's last group at most that much over), encoded as the export would
 * encode them (the same Parquet schema and codec): the scan's splits, for each task to copy its row
 * groups into its files byte for byte ({@code ParquetFileWriter.appendRowGroup}, as parquet-java's
 * {@code ParquetRewriter} does) instead of decoding and encoding them again. Decided on the driver
 * from the footers; any other plan, or one file that does not fit, and nothing is copied.
 */
public final class SourceRowGroups {
    /** How far a copied row group may be from the row-group size: the bound every written group holds. */
    public static final double TOLERANCE = 0.10;
    // Footers are read on the driver (the first that does not fit ends it): a source of more files is exported the usual way.
    private static final int MAX_FILES = 1_000;
    // Spark's marks of dates and timestamps rebased to the hybrid calendar: copied, they would read differently.
    private static final List<String> LEGACY_KEYS = List.of("org.apache.spark.legacyDateTime", "org.apache.spark.legacyINT96");

    private SourceRowGroups() {
    }

    /** The part of one file a task reads: Spark gives a row group to the split holding its midpoint. */
    public record FileRange(String path, long start, long length) implements Serializable {
        public Path hadoopPath() {
            return new Path(java.net.URI.create(path));
        }
    }

    /** One task's share of the source, in data order. */
    public record Split(List<FileRange> files) implements Serializable {
        public Split {
            files = List.copyOf(files);
        }
    }

    /** What the tasks copy: the splits, and the Hadoop configuration Spark reads the source with (the relation's). */
    public record Plan(List<Split> splits, Configuration readConf) {
        public Plan {
            splits = List.copyOf(splits);
        }
    }

    /**
     * The scan's splits when every row group can be copied into files of {@code expected} schema,
     * {@code codec} and row groups of {@code rowGroupSize}; empty otherwise.
     *
     * @param splits creates the scan's RDD (its splits are fixed then), as {@link InputSplits#balanced} does
     */
    public static Optional<Plan> copyable(Dataset<Row> data, MessageType expected, CompressionCodecName codec, long rowGroupSize,
                                          java.util.function.Function<FileSourceScanExec, org.apache.spark.rdd.RDD<?>> splits) {
        Optional<FileSourceScanExec> scan = plainScan(((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().executedPlan());
        if (scan.isEmpty()) {
            return Optional.empty();
        }
        HadoopFsRelation relation = scan.get().relation();
        Configuration conf = relation.sparkSession().sessionState().newHadoopConfWithOptions(relation.options());
        List<Split> result = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        for (Partition partition : splits.apply(scan.get()).partitions()) {
            if (!(partition instanceof FilePartition files)) {
                return Optional.empty();
            }
            List<FileRange> ranges = new ArrayList<>();
            for (PartitionedFile file : files.files()) {
                String path = file.toPath().toUri().toString();
                ranges.add(new FileRange(path, file.start(), file.length()));
                paths.add(path);
            }
            result.add(new Split(ranges));
        }
        if (paths.isEmpty() || paths.size() > MAX_FILES) {
            return Optional.empty();
        }
        for (String path : paths) {
            if (!fits(footer(new Path(java.net.URI.create(path)), conf), expected, codec, rowGroupSize)) {
                return Optional.empty();
            }
        }
        return Optional.of(new Plan(result, conf));
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
                || !java.util.Arrays.equals(scan.requiredSchema().fieldNames(), relation.dataSchema().fieldNames())
                || scan.output().size() != relation.dataSchema().size()) {
            return Optional.empty();
        }
        if (projected != null && !projected.equals(scala.jdk.javaapi.CollectionConverters.asJava(scan.output()))) {
            return Optional.empty();
        }
        return Optional.of(scan);
    }

    private static Optional<ParquetMetadata> footer(Path path, Configuration conf) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            return Optional.of(reader.getFooter());
        } catch (IOException | ParquetCryptoRuntimeException e) {
            // Spark's own reader reports what is wrong with the file, when the export reads it the usual way.
            return Optional.empty();
        }
    }

    private static boolean encrypted(FileMetaData file) {
        return file.getEncryptionType() != null && file.getEncryptionType() != FileMetaData.EncryptionType.UNENCRYPTED;
    }

    /** Whether a file's row groups are what the export would write: same columns, encoding, codec and size. */
    static boolean fits(Optional<ParquetMetadata> footer, MessageType expected, CompressionCodecName codec, long rowGroupSize) {
        if (footer.isEmpty()) {
            return false;
        }
        FileMetaData file = footer.get().getFileMetaData();
        if (encrypted(file) || !file.getSchema().getFields().equals(expected.getFields())
                || LEGACY_KEYS.stream().anyMatch(file.getKeyValueMetaData()::containsKey)
                // Statistics of writers known to get them wrong: readers trust what our footer's writer wrote.
                || CorruptStatistics.shouldIgnoreStatistics(file.getCreatedBy(), PrimitiveType.PrimitiveTypeName.BINARY)) {
            return false;
        }
        List<BlockMetaData> blocks = footer.get().getBlocks();
        for (int i = 0; i < blocks.size(); i++) {
            BlockMetaData block = blocks.get(i);
            double deviation = (block.getCompressedSize() - rowGroupSize) / (double) rowGroupSize;
            boolean last = i == blocks.size() - 1;
            if (block.getRowCount() == 0 || deviation > TOLERANCE || (!last && deviation < -TOLERANCE)
                    || block.getColumns().size() != expected.getColumns().size()) {
                return false;
            }
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                if (chunk.getCodec() != codec || chunk.isEncrypted()) {
                    return false;
                }
            }
        }
        return true;
    }
}
