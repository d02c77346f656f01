package org.dataexport.job.data;

import java.io.Serializable;
import java.util.Map;
import java.util.Set;

/** One named dataset: its type (tpch, table, or a Spark source such as parquet, csv, json, orc) and settings. */
public record DatasetDefinition(String name, String type, Map<String, String> settings) implements Serializable {
    private static final Set<String> TYPES = Set.of("tpch", "table", "parquet", "csv", "json", "orc");

    public DatasetDefinition {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("dataset \"" + name + "\": type must be one of " + TYPES + " (got \"" + type + "\")");
        }
        settings = Map.copyOf(settings);
        if (type.equals("table") && !settings.containsKey("table")) {
            throw new IllegalArgumentException("dataset \"" + name + "\": type table needs " + name + ".table");
        }
        if (!type.equals("table") && !type.equals("tpch") && !settings.containsKey("path")) {
            throw new IllegalArgumentException("dataset \"" + name + "\": type " + type + " needs " + name + ".path");
        }
    }

    String require(String key) {
        return settings.get(key);
    }
}
