package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.schema.MessageType;
import org.dataexport.job.data.Selection;
import org.dataexport.job.request.ParquetTuning;
import org.apache.hadoop.mapreduce.Job;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetUtils;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import org.dataexport.job.request.Compression;

import java.io.IOException;
import java.util.List;
import java.util.function.IntPredicate;

/** The Hadoop configuration the task writers encode Parquet with, made on the driver. */
public final class ParquetWriteConf {
    private ParquetWriteConf() {
    }

    /** Spark's own Parquet write settings (timestamp type, legacy format, schema), plus the row-group size and the request's codec. */
    public static Configuration prepare(SparkSession spark, Configuration conf, StructType schema, long rowGroupSizeBytes,
                                        Compression compression) throws IOException {
        SQLConf sqlConf = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().conf();
        Job job = Job.getInstance(conf);
        ParquetUtils.prepareWrite(sqlConf, job, schema,
                new ParquetOptions(scala.collection.immutable.Map$.MODULE$.<String, String>empty(), sqlConf));
        Configuration writeConf = job.getConfiguration();
        writeConf.setLong("parquet.block.size", rowGroupSizeBytes);
        writeConf.set("parquet.compression", switch (compression.codec()) {
            case SNAPPY -> "SNAPPY";
            case ZSTD -> "ZSTD";
            case GZIP -> "GZIP";
            case LZ4_RAW -> "LZ4_RAW";
            case NONE -> "UNCOMPRESSED";
        });
        compression.explicitLevel().ifPresent(level -> writeConf.setInt("parquet.compression.codec.zstd.level", level));
        return writeConf;
    }

    /** The encoding settings: Spark's (from the configuration it prepared), then the request's parquet_options per column. */
    static ParquetProperties properties(Configuration conf, ParquetTuning tuning, MessageType schema) {
        ParquetProperties.Builder builder = ParquetProperties.builder()
                .withPageSize((int) tuning.pageSize().orElse(ParquetOutputFormat.getPageSize(conf)))
                .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
                .withDictionaryEncoding(tuning.dictionary() && ParquetOutputFormat.getEnableDictionary(conf))
                .withWriterVersion(tuning.writerVersion() == ParquetTuning.WriterVersion.V2
                        ? ParquetProperties.WriterVersion.PARQUET_2_0 : ParquetOutputFormat.getWriterVersion(conf))
                .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf));
        for (ColumnDescriptor column : schema.getColumns()) {
            String path = String.join(".", column.getPath());
            boolean bloomFilter = tuning.bloomFilterColumns().stream().anyMatch(name -> Selection.covers(name, column.getPath()));
            // parquet-java leaves out the bloom filter of a chunk whose pages are all dictionary-encoded (the
            // dictionary answers the same question): a column asked a bloom filter is written without one.
            if (bloomFilter || tuning.noDictionaryColumns().stream().anyMatch(name -> Selection.covers(name, column.getPath()))) {
                builder.withDictionaryEncoding(path, false);
            }
            if (bloomFilter) {
                builder.withBloomFilterEnabled(path, true);
            }
        }
        return builder.build();
    }

    /**
     * The encoding of a task's next row group: the columns {@code plain} names (by index) without a
     * dictionary. A column whose dictionary outgrew the dictionary page in an earlier group would
     * only build one again to throw it away (DuckDB decides per column too).
     */
    static ParquetProperties withoutDictionaries(ParquetProperties properties, MessageType schema, IntPredicate plain) {
        List<ColumnDescriptor> columns = schema.getColumns();
        ParquetProperties.Builder builder = null;
        for (int i = 0; i < columns.size(); i++) {
            if (plain.test(i)) {
                builder = builder == null ? ParquetProperties.copy(properties) : builder;
                builder.withDictionaryEncoding(String.join(".", columns.get(i).getPath()), false);
            }
        }
        return builder == null ? properties : builder.build();
    }
}
