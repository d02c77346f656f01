package org.dataexport.job.request;

import com.fasterxml.jackson.databind.JsonNode;
import org.dataexport.job.failure.CallerText;

import java.io.Serializable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The request's {@code parquet_options}: how pages are encoded. Column names are those of the
 * exported schema; a nested column is named by its path ({@code info.label}), and a name covers every
 * Parquet column below it ({@code info} covers {@code info.label} and {@code info.tags...}); they are
 * checked against the schema before anything is written.
 *
 * @param dictionary          dictionary encoding for the columns not listed in {@code noDictionaryColumns}
 * @param noDictionaryColumns columns written without a dictionary
 * @param bloomFilterColumns  columns that get a bloom filter in the footer
 * @param pageSizeBytes       the data page size (uncompressed), 0 for parquet-java's 1 MiB (a plain long:
 *                            the record travels to Spark tasks, and OptionalLong is not serializable)
 * @param writerVersion       data pages v1 (as Spark writes) or v2
 * @param keyValueMetadata    string pairs written into the footer
 */
public record ParquetTuning(boolean dictionary, List<String> noDictionaryColumns, List<String> bloomFilterColumns,
                            long pageSizeBytes, WriterVersion writerVersion, Map<String, String> keyValueMetadata)
        implements Serializable {
    public static final String FIELD = "parquet_options";
    static final long MIN_PAGE_SIZE = 1024;
    static final long MAX_PAGE_SIZE = 64L << 20;
    static final int MAX_COLUMNS = 256;
    static final int MAX_METADATA_ENTRIES = 64;
    static final int MAX_METADATA_KEY = 256;
    static final int MAX_METADATA_VALUE = 4096;

    public static final ParquetTuning DEFAULT = new ParquetTuning(true, List.of(), List.of(), 0, WriterVersion.V1, Map.of());

    public enum WriterVersion { V1, V2 }

    /** Whether pages are encoded as Spark encodes them (footer pairs aside): no per-column choice, page size or version asked. */
    public boolean defaultEncoding() {
        return dictionary && noDictionaryColumns.isEmpty() && bloomFilterColumns.isEmpty() && pageSizeBytes == 0 && writerVersion == WriterVersion.V1;
    }

    public ParquetTuning {
        noDictionaryColumns = List.copyOf(noDictionaryColumns);
        bloomFilterColumns = List.copyOf(bloomFilterColumns);
        keyValueMetadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keyValueMetadata));
        checkColumns(FIELD + ".dictionary", noDictionaryColumns);
        checkColumns(FIELD + ".bloom_filter_columns", bloomFilterColumns);
        if (pageSizeBytes != 0 && (pageSizeBytes < MIN_PAGE_SIZE || pageSizeBytes > MAX_PAGE_SIZE)) {
            throw new InvalidRequestException(FIELD + ".page_size_bytes", "must be between " + MIN_PAGE_SIZE + " and " + MAX_PAGE_SIZE
                    + " (got " + pageSizeBytes + ")");
        }
        if (keyValueMetadata.size() > MAX_METADATA_ENTRIES) {
            throw new InvalidRequestException(FIELD + ".key_value_metadata", "holds at most " + MAX_METADATA_ENTRIES + " pairs");
        }
        for (Map.Entry<String, String> entry : keyValueMetadata.entrySet()) {
            String field = FIELD + ".key_value_metadata." + CallerText.escape(entry.getKey());
            if (entry.getKey().isEmpty() || entry.getKey().length() > MAX_METADATA_KEY) {
                throw new InvalidRequestException(field, "keys must have 1 to " + MAX_METADATA_KEY + " characters");
            }
            if (entry.getKey().startsWith("org.apache.spark.") || entry.getKey().startsWith("parquet.") || entry.getKey().equals("writer.model.name")) {
                throw new InvalidRequestException(field, "is a key the writer sets itself (org.apache.spark.*, parquet.*, writer.model.name)");
            }
            if (entry.getValue().length() > MAX_METADATA_VALUE) {
                throw new InvalidRequestException(field, "values have at most " + MAX_METADATA_VALUE + " characters");
            }
        }
    }

    private static void checkColumns(String field, List<String> columns) {
        if (columns.size() > MAX_COLUMNS) {
            throw new InvalidRequestException(field, "names at most " + MAX_COLUMNS + " columns");
        }
        if (new HashSet<>(columns).size() != columns.size()) {
            throw new InvalidRequestException(field, "names a column twice");
        }
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).isBlank()) {
                throw new InvalidRequestException(field + "[" + i + "]", "must not be empty");
            }
        }
    }

    /** The page size asked for, if one was. */
    public OptionalLong pageSize() {
        return pageSizeBytes == 0 ? OptionalLong.empty() : OptionalLong.of(pageSizeBytes);
    }

    /** Every column name the options use, with the field that names it, for the check against the schema. */
    public Map<String, String> namedColumns() {
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < noDictionaryColumns.size(); i++) {
            named.put(FIELD + ".dictionary[" + i + "]", noDictionaryColumns.get(i));
        }
        for (int i = 0; i < bloomFilterColumns.size(); i++) {
            named.put(FIELD + ".bloom_filter_columns[" + i + "]", bloomFilterColumns.get(i));
        }
        return named;
    }

    static ParquetTuning parse(JsonFields options) {
        boolean dictionary = true;
        List<String> noDictionary = List.of();
        Optional<JsonNode> dictionaryNode = options.optionalNode("dictionary");
        if (dictionaryNode.isPresent()) {
            if (dictionaryNode.get().isBoolean()) {
                dictionary = dictionaryNode.get().booleanValue();
            } else if (dictionaryNode.get().isArray()) {
                noDictionary = options.requiredStringArray("dictionary");
            } else {
                throw new InvalidRequestException(options.path("dictionary"),
                        "must be true, false, or a list of the columns to write without a dictionary");
            }
        }
        long pageSize = options.optionalNonNegativeLong("page_size_bytes");
        WriterVersion version = options.optionalString("writer_version").map(value -> switch (value) {
            case "v1" -> WriterVersion.V1;
            case "v2" -> WriterVersion.V2;
            default -> throw new InvalidRequestException(options.path("writer_version"),
                    "must be \"v1\" or \"v2\" (got " + CallerText.quote(value) + ")");
        }).orElse(WriterVersion.V1);
        Map<String, String> metadata = new LinkedHashMap<>();
        options.optionalObject("key_value_metadata").ifPresent(pairs -> metadata.putAll(pairs.stringValues()));
        ParquetTuning tuning = new ParquetTuning(dictionary, noDictionary, options.optionalStringArray("bloom_filter_columns"),
                pageSize, version, metadata);
        options.rejectUnknownFields();
        return tuning;
    }
}
