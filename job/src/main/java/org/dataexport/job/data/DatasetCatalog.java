package org.dataexport.job.data;

import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.dataexport.job.request.InvalidRequestException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The datasets the service exports, by name, as declared in {@code conf/datasets.properties}:
 *
 * <pre>
 * default = lineitem
 * lineitem.type = tpch              # generated: table, scale_factor, partitions
 * orders.type = parquet             # parquet | csv | json | orc: path, optional schema (DDL), option.* reader options
 * orders.path = hdfs://nn/warehouse/orders
 * sales.type = table                # a Spark catalog table
 * sales.table = analytics.sales
 * </pre>
 */
public final class DatasetCatalog {
    /** The built-in default: TPC-H lineitem at scale factor 0.01 (about 60,000 rows). */
    public static final DatasetCatalog BUILT_IN = new DatasetCatalog("lineitem",
            Map.of("lineitem", new DatasetDefinition("lineitem", "tpch", Map.of("table", "lineitem", "scale_factor", "0.01"))));

    private final String defaultName;
    private final Map<String, DatasetDefinition> definitions;

    public DatasetCatalog(String defaultName, Map<String, DatasetDefinition> definitions) {
        this.definitions = Map.copyOf(definitions);
        if (!this.definitions.containsKey(defaultName)) {
            throw new IllegalArgumentException("the default dataset \"" + defaultName + "\" is not declared");
        }
        this.defaultName = defaultName;
    }

    public static DatasetCatalog load(Path file) throws IOException {
        return load(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses the contents of a datasets.properties file. */
    public static DatasetCatalog load(String contents) throws IOException {
        String file = "datasets.properties";
        Properties properties = new Properties();
        try (Reader reader = new java.io.StringReader(contents)) {
            properties.load(reader);
        }
        Map<String, Map<String, String>> settings = new TreeMap<>();
        String defaultName = null;
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key).trim();
            if (key.equals("default")) {
                defaultName = value;
                continue;
            }
            int dot = key.indexOf('.');
            if (dot <= 0) {
                throw new IllegalArgumentException(file + ": \"" + key + "\" is neither \"default\" nor NAME.setting");
            }
            settings.computeIfAbsent(key.substring(0, dot), name -> new LinkedHashMap<>()).put(key.substring(dot + 1), value);
        }
        Map<String, DatasetDefinition> definitions = new LinkedHashMap<>();
        settings.forEach((name, values) -> {
            String type = values.remove("type");
            if (type == null) {
                throw new IllegalArgumentException(file + ": dataset \"" + name + "\" has no " + name + ".type");
            }
            definitions.put(name, new DatasetDefinition(name, type, values));
        });
        if (defaultName == null) {
            if (definitions.size() != 1) {
                throw new IllegalArgumentException(file + ": set \"default\" to one of " + definitions.keySet());
            }
            defaultName = definitions.keySet().iterator().next();
        }
        return new DatasetCatalog(defaultName, definitions);
    }

    public DatasetDefinition definition(String requestedName) {
        String name = requestedName == null ? defaultName : requestedName;
        DatasetDefinition definition = definitions.get(name);
        if (definition == null) {
            throw new InvalidRequestException("dataset", "unknown dataset \"" + name + "\"; this server has "
                    + new TreeMap<>(definitions).keySet());
        }
        return definition;
    }

    public Dataset<Row> read(SparkSession spark, String requestedName) {
        DatasetDefinition definition = definition(requestedName);
        Map<String, String> settings = definition.settings();
        return switch (definition.type()) {
            case "tpch" -> TpchData.table(spark,
                    settings.getOrDefault("table", "lineitem"),
                    Double.parseDouble(settings.getOrDefault("scale_factor", "0.01")),
                    Integer.parseInt(settings.getOrDefault("partitions",
                            String.valueOf(spark.sparkContext().defaultParallelism()))));
            case "table" -> spark.table(definition.require("table"));
            default -> {
                DataFrameReader reader = spark.read().format(definition.type());
                if (settings.containsKey("schema")) {
                    reader.schema(settings.get("schema"));
                }
                settings.forEach((key, value) -> {
                    if (key.startsWith("option.")) {
                        reader.option(key.substring("option.".length()), value);
                    }
                });
                yield reader.load(definition.require("path"));
            }
        };
    }
}
