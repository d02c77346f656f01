package org.dataexport.job.data;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.MessageType;
import org.dataexport.job.failure.CallerText;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.request.Format;
import org.dataexport.job.request.InvalidRequestException;
import org.dataexport.job.request.OutputOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;

/**
 * The rows and columns an export writes: the dataset, filtered by the request's {@code filter} and
 * cut to its {@code columns}, with every column name the request uses checked against the schema.
 * Runs on the driver and reads no data (Spark analyses the plan eagerly), so that a bad name or
 * predicate is a 400 before any job runs.
 */
public final class Selection {
    private Selection() {
    }

    /**
     * What the tasks get: with partition_by, the written columns first, then each partition column's
     * value as a string (null for the default partition), which names the row's directory.
     *
     * @param data              the rows, as the tasks read them
     * @param written           the columns the files hold
     * @param partitionColumns  the partition columns, as the schema names them; their values follow the written columns
     * @param keyed             with partition_by, when every partition column is a string (its value names its directory
     *                          as it is): the written columns, then the partition columns unchanged, picked from the
     *                          source, so that a plain scan can give them as columnar batches
     */
    public record Selected(Dataset<Row> data, StructType written, List<String> partitionColumns, Optional<Dataset<Row>> keyed) {
        public Selected {
            partitionColumns = List.copyOf(partitionColumns);
        }

    }

    public static Selected apply(SparkSession spark, Dataset<Row> data, ExportRequest request) {
        Dataset<Row> selected = select(spark, data, request);
        List<String> partitionColumns = new ArrayList<>();
        for (int i = 0; i < request.options().partitionBy().size(); i++) {
            String name = schemaName(selected, "partition_by[" + i + "]", request.options().partitionBy().get(i));
            DataType type = selected.schema().apply(name).dataType();
            if (!(type instanceof AtomicType) || type instanceof BinaryType) {
                throw new InvalidRequestException("partition_by[" + i + "]", CallerText.quote(name) + " is of type "
                        + type.simpleString() + "; partition columns must be of a plain type (numbers, strings, dates, booleans)");
            }
            partitionColumns.add(name);
        }
        if (partitionColumns.isEmpty()) {
            return checked(spark, request, new Selected(selected, selected.schema(), List.of(), Optional.empty()));
        }
        List<Column> columns = new ArrayList<>();
        for (String name : selected.schema().fieldNames()) {
            if (request.options().writePartitionColumns() || !partitionColumns.contains(name)) {
                columns.add(selected.col(quoted(name)));
            }
        }
        if (columns.isEmpty()) {
            throw new InvalidRequestException("partition_by", "leaves no column to write; send write_partition_columns: true to keep them in the files");
        }
        int written = columns.size();
        for (int i = 0; i < partitionColumns.size(); i++) {
            // As Spark names directories: the empty string joins NULL in the default partition.
            Column value = selected.col(quoted(partitionColumns.get(i))).cast("string");
            columns.add(functions.when(value.equalTo(""), functions.lit(null).cast("string")).otherwise(value).as("__partition_" + i));
        }
        Optional<Dataset<Row>> keyed = Optional.empty();
        if (partitionColumns.stream().allMatch(name -> selected.schema().apply(name).dataType() instanceof StringType)) {
            List<Column> picked = new ArrayList<>(columns.subList(0, written));
            for (int i = 0; i < partitionColumns.size(); i++) {
                picked.add(selected.col(quoted(partitionColumns.get(i))).as("__partition_" + i));
            }
            keyed = Optional.of(selected.select(picked.toArray(Column[]::new)));
        }
        Dataset<Row> projected = selected.select(columns.toArray(Column[]::new));
        StructType writtenSchema = new StructType(java.util.Arrays.copyOf(projected.schema().fields(), written));
        return checked(spark, request, new Selected(projected, writtenSchema, partitionColumns, keyed));
    }

    private static Selected checked(SparkSession spark, ExportRequest request, Selected selected) {
        if (request.format() == Format.PARQUET) {
            checkParquetColumns(spark, selected.written(), request.options().parquet().namedColumns());
        }
        return selected;
    }

    private static Dataset<Row> select(SparkSession spark, Dataset<Row> data, ExportRequest request) {
        OutputOptions options = request.options();
        Dataset<Row> selected = data;
        if (options.filter().isPresent()) {
            Column predicate = ExpressionUtils.column(FilterExpression.parse(spark, options.filter().get()));
            try {
                selected = selected.filter(predicate);
            } catch (Exception e) {
                // Spark analyses eagerly and throws AnalysisException (checked, undeclared) for an unknown
                // column or a predicate that is not boolean.
                if (e instanceof AnalysisException analysis) {
                    throw new InvalidRequestException(FilterExpression.FIELD, "is not a boolean expression over the dataset's columns ("
                            + describe(analysis) + ")");
                }
                throw e;
            }
        }
        if (!options.columns().isEmpty()) {
            List<Column> columns = new ArrayList<>();
            for (int i = 0; i < options.columns().size(); i++) {
                columns.add(selected.col(quoted(schemaName(selected, "columns[" + i + "]", options.columns().get(i)))));
            }
            selected = selected.select(columns.toArray(Column[]::new));
        }
        return selected;
    }

    private static String schemaName(Dataset<Row> data, String field, String name) {
        for (String column : data.schema().fieldNames()) {
            if (column.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return column;
            }
        }
        throw new InvalidRequestException(field, CallerText.quote(name) + " is not a column of the dataset (its columns: "
                + String.join(", ", data.schema().fieldNames()) + ")");
    }

    /** Names in parquet_options must be a written column or a path above some of its Parquet leaves. */
    private static void checkParquetColumns(SparkSession spark, StructType written, Map<String, String> named) {
        if (named.isEmpty()) {
            return;
        }
        SQLConf conf = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().conf();
        MessageType schema = new SparkToParquetSchemaConverter(conf).convert(written);
        for (Map.Entry<String, String> entry : named.entrySet()) {
            boolean found = false;
            for (ColumnDescriptor leaf : schema.getColumns()) {
                found |= covers(entry.getValue(), leaf.getPath());
            }
            if (!found) {
                throw new InvalidRequestException(entry.getKey(), CallerText.quote(entry.getValue())
                        + " is not a column of the export (its columns: " + String.join(", ", written.fieldNames()) + ")");
            }
        }
    }

    /** Whether a column name (a dotted path, any letter case) is the Parquet leaf or a path above it. */
    public static boolean covers(String name, String[] leafPath) {
        String path = String.join(".", leafPath).toLowerCase(Locale.ROOT);
        String lower = name.toLowerCase(Locale.ROOT);
        return path.equals(lower) || path.startsWith(lower + ".");
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static String describe(AnalysisException e) {
        String condition = e.getCondition() == null ? "" : e.getCondition();
        Object column = e.getMessageParameters().get("objectName");
        return column == null ? condition : condition + ": " + CallerText.quote(String.valueOf(column));
    }
}
