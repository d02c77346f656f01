package org.dataexport.job.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.CorruptStatistics;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which source files hold row groups the export may copy as bytes: the Parquet schema, codec, page
 * encodings and calendar the export would write, and row groups within {@link #TOLERANCE} of the
 * row-group size, the bound every written group holds (a file's last may be short, after a full one).
 */
public final class SourceFooters {
    /** How far a copied row group may be from the row-group size. */
    public static final double TOLERANCE = 0.10;
    private static final String SPARK_VERSION = "org.apache.spark.version";
    // Spark's marks of dates and timestamps rebased to the hybrid calendar: copied, they would read differently.
    private static final List<String> LEGACY_KEYS = List.of("org.apache.spark.legacyDateTime", "org.apache.spark.legacyINT96");
    // What Spark writes with data pages v1: others (delta, byte stream split, v2 pages) are encoded again.
    private static final Set<Encoding> V1_ENCODINGS = Set.of(Encoding.PLAIN, Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY,
            Encoding.RLE, Encoding.BIT_PACKED);

    private SourceFooters() {
    }

    /**
     * What the export writes.
     *
     * @param correctedCalendar whether it writes dates and timestamps as they are (Spark's CORRECTED
     *                          rebase modes), as the files it copies must hold them
     */
    public record Target(MessageType schema, CompressionCodecName codec, long rowGroupSize, boolean correctedCalendar) {
        public Target {
            if (rowGroupSize <= 0) {
                throw new IllegalArgumentException("row-group size must be positive: " + rowGroupSize);
            }
        }
    }

    /** A file's footer, or empty when it cannot be read (Spark's own reader then says why, or skips it as configured). */
    static Optional<ParquetMetadata> read(Path path, Configuration conf) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            return Optional.of(reader.getFooter());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether a file's row groups are what the export would write. */
    static boolean fits(Optional<ParquetMetadata> footer, Target target) {
        if (footer.isEmpty()) {
            return false;
        }
        FileMetaData file = footer.get().getFileMetaData();
        Map<String, String> keyValues = file.getKeyValueMetaData();
        if (encrypted(file) || !file.getSchema().getFields().equals(target.schema().getFields())
                || LEGACY_KEYS.stream().anyMatch(keyValues::containsKey)
                || (hasDatesOrTimestamps(target.schema()) && !(target.correctedCalendar() && sparkSince31(keyValues.get(SPARK_VERSION))))
                // Statistics of writers known to get them wrong: readers trust what our footer's writer wrote.
                || CorruptStatistics.shouldIgnoreStatistics(file.getCreatedBy(), PrimitiveType.PrimitiveTypeName.BINARY)) {
            return false;
        }
        List<BlockMetaData> blocks = footer.get().getBlocks();
        boolean full = false;
        for (int i = 0; i < blocks.size(); i++) {
            BlockMetaData block = blocks.get(i);
            double deviation = deviation(block, target);
            boolean last = i == blocks.size() - 1;
            if (block.getRowCount() == 0 || deviation > TOLERANCE || (!last && deviation < -TOLERANCE)
                    || block.getColumns().size() != target.schema().getColumns().size()) {
                return false;
            }
            full |= deviation >= -TOLERANCE;
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                if (chunk.getCodec() != target.codec() || chunk.isEncrypted() || !V1_ENCODINGS.containsAll(chunk.getEncodings())
                        || (chunk.getEncodingStats() != null && chunk.getEncodingStats().usesV2Pages())) {
                    return false;
                }
            }
        }
        // A file of one short group is a small file: its rows go into full groups the usual way.
        return full;
    }

    /** Whether the file's last row group is short of the bound (its copy then ends a file). */
    static boolean endsShort(ParquetMetadata footer, Target target) {
        List<BlockMetaData> blocks = footer.getBlocks();
        return !blocks.isEmpty() && deviation(blocks.get(blocks.size() - 1), target) < -TOLERANCE;
    }

    private static double deviation(BlockMetaData block, Target target) {
        return (block.getCompressedSize() - target.rowGroupSize()) / (double) target.rowGroupSize();
    }

    private static boolean encrypted(FileMetaData file) {
        return file.getEncryptionType() != null && file.getEncryptionType() != FileMetaData.EncryptionType.UNENCRYPTED;
    }

    /**
     * Spark reads dates and timestamps of its own files from 3.0 (INT96 from 3.1) on as they are, unless
     * marked legacy; other files by its read settings, which the copy would not apply.
     */
    private static boolean sparkSince31(String version) {
        if (version == null) {
            return false;
        }
        String[] parts = version.split("[.-]");
        try {
            int major = Integer.parseInt(parts[0]);
            return major > 3 || (major == 3 && parts.length > 1 && Integer.parseInt(parts[1]) >= 1);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean hasDatesOrTimestamps(MessageType schema) {
        for (ColumnDescriptor column : schema.getColumns()) {
            PrimitiveType type = column.getPrimitiveType();
            LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
            if (type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT96
                    || logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
                    || logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
                return true;
            }
        }
        return false;
    }
}
