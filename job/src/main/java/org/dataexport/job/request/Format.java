package org.dataexport.job.request;

import java.util.Locale;

public enum Format {
    PARQUET("Parquet", ".parquet"),
    JSONL("Jsonl", ".jsonl");

    private final String apiName;
    private final String extension;

    Format(String apiName, String extension) {
        this.apiName = apiName;
        this.extension = extension;
    }

    public String apiName() {
        return apiName;
    }

    public String extension() {
        return extension;
    }

    /** Accepts the API names in any letter case ("Parquet", "parquet", "JSONL"). */
    static Format parse(String field, String value) {
        for (Format format : values()) {
            if (format.apiName.toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT))) {
                return format;
            }
        }
        throw new InvalidRequestException(field, "must be \"Parquet\" or \"Jsonl\" (got " + org.dataexport.job.failure.CallerText.quote(value) + ")");
    }
}
