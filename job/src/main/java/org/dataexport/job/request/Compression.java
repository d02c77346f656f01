package org.dataexport.job.request;

import org.dataexport.job.failure.CallerText;

import java.io.Serializable;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * How the files are compressed: the Parquet page codec, or the codec of a whole JSON lines file.
 *
 * @param level the codec's level, for zstd (1 to 22) and gzip (1 to 9, JSON lines only); 0 for the codec's default
 *              (a plain int: the record travels to Spark tasks, and OptionalInt is not serializable)
 */
public record Compression(Codec codec, int level) implements Serializable {
    public static final String FIELD = "compression";
    public static final String LEVEL_FIELD = "compression_level";

    public enum Codec {
        SNAPPY("snappy", 0, 0, ""),
        ZSTD("zstd", 1, 22, ".zst"),
        GZIP("gzip", 1, 9, ".gz"),
        LZ4_RAW("lz4_raw", 0, 0, ""),
        NONE("none", 0, 0, "");

        private final String apiName;
        private final int minLevel;
        private final int maxLevel;
        private final String jsonSuffix;

        Codec(String apiName, int minLevel, int maxLevel, String jsonSuffix) {
            this.apiName = apiName;
            this.minLevel = minLevel;
            this.maxLevel = maxLevel;
            this.jsonSuffix = jsonSuffix;
        }

        public String apiName() {
            return apiName;
        }

        boolean appliesTo(Format format) {
            return format == Format.PARQUET || this == ZSTD || this == GZIP || this == NONE;
        }
    }

    public Compression {
        if (codec == null) {
            throw new InvalidRequestException(FIELD, "is required");
        }
        if (level != 0) {
            if (codec.maxLevel == 0) {
                throw new InvalidRequestException(LEVEL_FIELD, "applies to zstd and gzip only (compression is " + codec.apiName + ")");
            }
            if (level < codec.minLevel || level > codec.maxLevel) {
                throw new InvalidRequestException(LEVEL_FIELD, "must be between " + codec.minLevel + " and " + codec.maxLevel
                        + " for " + codec.apiName + " (got " + level + ")");
            }
        }
    }

    /** What each format gets when the request names no codec: snappy pages for Parquet, plain text for JSON lines. */
    public static Compression defaultFor(Format format) {
        return new Compression(format == Format.PARQUET ? Codec.SNAPPY : Codec.NONE, 0);
    }

    /** The level asked for, if one was. */
    public OptionalInt explicitLevel() {
        return level == 0 ? OptionalInt.empty() : OptionalInt.of(level);
    }

    static Compression parse(String value, int level, Format format) {
        for (Codec codec : Codec.values()) {
            if (codec.apiName.equals(value.toLowerCase(Locale.ROOT))) {
                if (!codec.appliesTo(format)) {
                    throw new InvalidRequestException(FIELD, "must be \"gzip\", \"zstd\" or \"none\" for Jsonl (got "
                            + CallerText.quote(value) + ")");
                }
                if (codec == Codec.GZIP && format == Format.PARQUET && level != 0) {
                    throw new InvalidRequestException(LEVEL_FIELD, "applies to zstd, and to gzip for Jsonl only");
                }
                return new Compression(codec, level);
            }
        }
        throw new InvalidRequestException(FIELD, "must be one of \"snappy\", \"zstd\", \"gzip\", \"lz4_raw\", \"none\" (got "
                + CallerText.quote(value) + ")");
    }

    /** The files' name ending: {@code .parquet}, {@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst}. */
    public String extension(Format format) {
        return format == Format.PARQUET ? format.extension() : format.extension() + codec.jsonSuffix;
    }
}
