package org.dataexport.job.data;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The batches a dataset is read in, when its plan is nothing but a columnar scan turned into rows
 * (Parquet or ORC read by Spark's vectorized readers, columns pruned in the scan, perhaps picked in
 * another order or renamed, no filter, no computed column): writers
 * can then take the batches as they are instead of rows built from them.
 */
public final class ColumnarScan {
    private ColumnarScan() {
    }

    /**
     * The scan's batches, holding exactly the {@code written} columns in order (a projection that only
     * picks, orders or renames the scan's columns is applied to each batch); empty for any other plan.
     */
    public static Optional<RDD<ColumnarBatch>> of(Dataset<Row> data, StructType written) {
        SparkPlan plan = ((org.apache.spark.sql.classic.Dataset<Row>) data).queryExecution().executedPlan();
        if (plan instanceof WholeStageCodegenExec stage) {
            plan = stage.child();
        }
        Optional<Seq<NamedExpression>> projection = Optional.empty();
        if (plan instanceof ProjectExec project) {
            projection = Optional.of(project.projectList());
            plan = project.child();
        }
        if (!(plan instanceof ColumnarToRowExec toRows)) {
            return Optional.empty();
        }
        SparkPlan scan = toRows.child();
        if (scan instanceof InputAdapter adapter) {
            scan = adapter.child();
        }
        if (!scan.supportsColumnar()) {
            return Optional.empty();
        }
        List<Attribute> scanned = CollectionConverters.asJava(scan.output());
        Optional<int[]> ordinals = projection.isEmpty() ? Optional.of(IntStream.range(0, scanned.size()).toArray())
                : ordinals(CollectionConverters.asJava(projection.get()), scanned);
        if (ordinals.isEmpty() || !sameTypes(ordinals.get(), scanned, written)) {
            return Optional.empty();
        }
        RDD<ColumnarBatch> batches = scan.executeColumnar();
        int[] picked = ordinals.get();
        if (Arrays.equals(picked, IntStream.range(0, scanned.size()).toArray())) {
            return Optional.of(batches);
        }
        return Optional.of(batches.toJavaRDD().map(batch -> pick(batch, picked)).rdd());
    }

    /** Where each projected column is among the scan's, when every one is a scan column (renamed or not). */
    private static Optional<int[]> ordinals(List<NamedExpression> projection, List<Attribute> scanned) {
        int[] ordinals = new int[projection.size()];
        for (int i = 0; i < ordinals.length; i++) {
            Object expression = projection.get(i);
            if (expression instanceof Alias alias) {
                expression = alias.child();
            }
            if (!(expression instanceof Attribute attribute)) {
                return Optional.empty();
            }
            ordinals[i] = -1;
            for (int j = 0; j < scanned.size(); j++) {
                if (scanned.get(j).exprId().equals(attribute.exprId())) {
                    ordinals[i] = j;
                }
            }
            if (ordinals[i] < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(ordinals);
    }

    private static boolean sameTypes(int[] ordinals, List<Attribute> scanned, StructType written) {
        StructField[] want = written.fields();
        if (ordinals.length != want.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (!scanned.get(ordinals[i]).dataType().equals(want[i].dataType())) {
                return false;
            }
        }
        return true;
    }

    private static ColumnarBatch pick(ColumnarBatch batch, int[] ordinals) {
        ColumnVector[] columns = new ColumnVector[ordinals.length];
        for (int i = 0; i < ordinals.length; i++) {
            columns[i] = batch.column(ordinals[i]);
        }
        return new ColumnarBatch(columns, batch.numRows());
    }
}
