package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.Job;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetUtils;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;

/** The Hadoop configuration the task writers encode Parquet with, made on the driver. */
public final class ParquetWriteConf {
    private ParquetWriteConf() {
    }

    /** Spark's own Parquet write settings (codec, timestamp type, legacy format, schema), plus the row-group size. */
    public static Configuration prepare(SparkSession spark, Configuration conf, StructType schema, long rowGroupSizeBytes) throws IOException {
        SQLConf sqlConf = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().conf();
        Job job = Job.getInstance(conf);
        ParquetUtils.prepareWrite(sqlConf, job, schema,
                new ParquetOptions(scala.collection.immutable.Map$.MODULE$.<String, String>empty(), sqlConf));
        Configuration writeConf = job.getConfiguration();
        writeConf.setLong("parquet.block.size", rowGroupSizeBytes);
        return writeConf;
    }
}
