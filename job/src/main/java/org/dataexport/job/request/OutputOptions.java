package org.dataexport.job.request;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What is written beyond the layout: the codec, Parquet's encoding options, which columns and which
 * rows. Checked here for what the request alone can tell; the column names and the filter are checked
 * against the dataset's schema before any job runs ({@code data/Selection}).
 *
 * @param columns                the columns to export, in this order; empty for all of them
 * @param filter                 a boolean expression over the dataset's columns, in Spark SQL syntax
 * @param partitionBy            columns whose values name Hive-style directories ({@code col=value/}); empty for none
 * @param writePartitionColumns  whether the files keep the partition columns too
 */
public record OutputOptions(Compression compression, ParquetTuning parquet, List<String> columns, Optional<String> filter,
                            List<String> partitionBy, boolean writePartitionColumns) {
    public static final int MAX_FILTER_LENGTH = 4096;
    static final int MAX_COLUMNS = 1024;
    static final int MAX_PARTITION_COLUMNS = 8;

    public OutputOptions {
        columns = names("columns", columns, MAX_COLUMNS);
        partitionBy = names("partition_by", partitionBy, MAX_PARTITION_COLUMNS);
        if (writePartitionColumns && partitionBy.isEmpty()) {
            throw new InvalidRequestException("write_partition_columns", "applies with partition_by only");
        }
        if (filter.isPresent() && (filter.get().isBlank() || filter.get().length() > MAX_FILTER_LENGTH)) {
            throw new InvalidRequestException("filter", "must be a non-empty expression of at most " + MAX_FILTER_LENGTH + " characters");
        }
    }

    /** A list of column names: bounded, none empty, none twice (in any letter case). */
    private static List<String> names(String field, List<String> names, int max) {
        if (names.size() > max) {
            throw new InvalidRequestException(field, "names at most " + max + " columns");
        }
        HashSet<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).isBlank()) {
                throw new InvalidRequestException(field + "[" + i + "]", "must not be empty");
            }
            if (!seen.add(names.get(i).toLowerCase(Locale.ROOT))) {
                throw new InvalidRequestException(field + "[" + i + "]", "names a column a second time");
            }
        }
        return List.copyOf(names);
    }

    public static OutputOptions defaultFor(Format format) {
        return new OutputOptions(Compression.defaultFor(format), ParquetTuning.DEFAULT, List.of(), Optional.empty(), List.of(), false);
    }

    static OutputOptions parse(JsonFields request, Format format) {
        int compressionLevel = (int) Math.min(request.optionalNonNegativeLong(Compression.LEVEL_FIELD), Integer.MAX_VALUE);
        Compression compression = request.optionalString(Compression.FIELD)
                .map(value -> Compression.parse(value, compressionLevel, format))
                .orElseGet(() -> new Compression(Compression.defaultFor(format).codec(), compressionLevel));
        Optional<JsonFields> parquetOptions = request.optionalObject(ParquetTuning.FIELD);
        if (parquetOptions.isPresent() && format != Format.PARQUET) {
            throw new InvalidRequestException(ParquetTuning.FIELD, "applies to Parquet only");
        }
        ParquetTuning parquet = parquetOptions.map(ParquetTuning::parse).orElse(ParquetTuning.DEFAULT);
        return new OutputOptions(compression, parquet, request.optionalStringArray("columns"), request.optionalString("filter"),
                request.optionalStringArray("partition_by"), request.optionalBoolean("write_partition_columns").orElse(false));
    }
}
