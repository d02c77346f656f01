package org.dataexport.job.write;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.json.JSONOptions;
import org.apache.spark.sql.internal.SQLConf;
import scala.jdk.javaapi.CollectionConverters;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * The session settings Spark's {@code to_json} writes by, read on the driver and sent to the tasks:
 * the time zone dates and timestamps are written in, and whether a null field is left out or written
 * as {@code null}.
 */
public record JsonStyle(String timeZone, boolean ignoreNullFields) implements Serializable {
    public JsonStyle {
        Objects.requireNonNull(timeZone, "timeZone");
    }

    /** The session's settings (spark.sql.session.timeZone, spark.sql.jsonGenerator.ignoreNullFields). */
    public static JsonStyle of(SparkSession spark) {
        return new JsonStyle(spark.conf().get(SQLConf.SESSION_LOCAL_TIMEZONE().key()),
                Boolean.parseBoolean(spark.conf().get(SQLConf.JSON_GENERATOR_IGNORE_NULL_FIELDS().key())));
    }

    /** Spark's JSON options for these settings, as {@code to_json} without options of its own builds them. */
    JSONOptions options() {
        Map<String, String> options = Map.of("ignoreNullFields", String.valueOf(ignoreNullFields));
        return new JSONOptions(scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(options)), timeZone,
                SQLConf.get().columnNameOfCorruptRecord());
    }
}
