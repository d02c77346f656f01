package org.dataexport.job.write;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.RebaseDateTime;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.LegacyBehaviorPolicy$;
import org.apache.spark.sql.internal.SQLConf;

import java.io.IOException;

/**
 * Reads back, in order, the rows of a tail file this service wrote, as Spark's own row-based
 * Parquet reader does: the same schema the tasks wrote with, dates and timestamps as they are
 * (no calendar rebasing either way), so that re-encoding them writes the same values.
 */
final class TailRows {
    interface RowSink {
        void accept(InternalRow row) throws IOException;
    }

    private TailRows() {
    }

    static long copy(Configuration writeConf, FileSystem fs, WrittenFile tail, RowSink sink) throws IOException {
        Configuration conf = new Configuration(writeConf);
        conf.set(ParquetReadSupport.SPARK_ROW_REQUESTED_SCHEMA(), writeConf.get(ParquetWriteSupport.SPARK_ROW_SCHEMA()));
        // What Spark's own Parquet reader puts into the configuration before it reads (ParquetFileFormat).
        for (org.apache.spark.internal.config.ConfigEntry<?> setting : java.util.List.of(SQLConf.PARQUET_BINARY_AS_STRING(),
                SQLConf.PARQUET_INT96_AS_TIMESTAMP(), SQLConf.CASE_SENSITIVE(), SQLConf.PARQUET_INFER_TIMESTAMP_NTZ_ENABLED(),
                SQLConf.LEGACY_PARQUET_NANOS_AS_LONG(), SQLConf.PARQUET_FIELD_ID_READ_ENABLED(),
                SQLConf.PARQUET_IGNORE_VARIANT_ANNOTATION(), SQLConf.PARQUET_READER_RESPECT_UNKNOWN_TYPE_ANNOTATION())) {
            conf.setIfUnset(setting.key(), SQLConf.get().getConfString(setting.key()));
        }
        RebaseDateTime.RebaseSpec asWritten = new RebaseDateTime.RebaseSpec(LegacyBehaviorPolicy$.MODULE$.CORRECTED(), scala.Option.empty());
        ReadSupport<InternalRow> support = new ParquetReadSupport(scala.Option.empty(), false, asWritten, asWritten);
        long rows = 0;
        try (ParquetReader<InternalRow> reader = new ParquetReader.Builder<InternalRow>(
                new FileSystemInputFile(fs, new Path(tail.path()), tail.fileBytes())) {
            @Override
            protected ReadSupport<InternalRow> getReadSupport() {
                return support;
            }
        }.withConf(conf).build()) {
            for (InternalRow row = reader.read(); row != null; row = reader.read()) {
                sink.accept(row);
                rows++;
            }
        }
        return rows;
    }
}
