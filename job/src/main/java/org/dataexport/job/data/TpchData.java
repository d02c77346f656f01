package org.dataexport.job.data;

import io.trino.tpch.TpchColumn;
import io.trino.tpch.TpchEntity;
import io.trino.tpch.TpchTable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

/** A TPC-H table generated inside Spark (io.trino.tpch, the same rows as dbgen), one generator part per partition. */
public final class TpchData {
    private TpchData() {
    }

    public static Dataset<Row> table(SparkSession spark, String tableName, double scaleFactor, int partitions) {
        TpchTable<?> table = TpchTable.getTable(tableName);
        List<StructField> fields = new ArrayList<>();
        for (TpchColumn<?> column : table.getColumns()) {
            fields.add(DataTypes.createStructField(column.getSimplifiedColumnName(), sparkType(column), false));
        }
        List<Integer> parts = IntStream.rangeClosed(1, partitions).boxed().toList();
        String name = table.getTableName();
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(parts, partitions)
                .flatMap(part -> generate(name, scaleFactor, part, partitions));
        return spark.createDataFrame(rows, DataTypes.createStructType(fields));
    }

    private static Iterator<Row> generate(String tableName, double scaleFactor, int part, int partCount) {
        @SuppressWarnings("unchecked")
        TpchTable<TpchEntity> table = (TpchTable<TpchEntity>) TpchTable.getTable(tableName);
        List<TpchColumn<TpchEntity>> columns = table.getColumns();
        Iterator<TpchEntity> entities = table.createGenerator(scaleFactor, part, partCount).iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entities.hasNext();
            }

            @Override
            public Row next() {
                TpchEntity entity = entities.next();
                Object[] values = new Object[columns.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = value(columns.get(i), entity);
                }
                return RowFactory.create(values);
            }
        };
    }

    private static DataType sparkType(TpchColumn<?> column) {
        return switch (column.getType().getBase()) {
            case IDENTIFIER -> DataTypes.LongType;
            case INTEGER -> DataTypes.IntegerType;
            case DOUBLE -> DataTypes.DoubleType;
            case VARCHAR -> DataTypes.StringType;
            case DATE -> DataTypes.DateType;
        };
    }

    private static Object value(TpchColumn<TpchEntity> column, TpchEntity entity) {
        return switch (column.getType().getBase()) {
            case IDENTIFIER -> column.getIdentifier(entity);
            case INTEGER -> column.getInteger(entity);
            case DOUBLE -> column.getDouble(entity);
            case VARCHAR -> column.getString(entity);
            case DATE -> java.sql.Date.valueOf(LocalDate.ofEpochDay(column.getDate(entity)));
        };
    }
}
