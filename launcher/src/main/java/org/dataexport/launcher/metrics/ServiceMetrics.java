package org.dataexport.launcher.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What {@code GET /metrics} serves, in Prometheus' text format: exports by final state and format,
 * their durations, the rows, bytes and files they wrote, the exports running and queued, HTTP
 * requests by method, route template and status, and the JVM's own meters. No label carries a
 * destination, bucket, key, token or export id: labels take a handful of values each, and none is
 * the caller's.
 */
public final class ServiceMetrics implements AutoCloseable {
    private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Counter rows;
    private final Counter bytes;
    private final Counter files;

    public ServiceMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        rows = Counter.builder("dataexport.rows.written").description("Rows in the files of succeeded exports").register(registry);
        bytes = Counter.builder("dataexport.bytes.written").description("Bytes of the files of succeeded exports").baseUnit("bytes").register(registry);
        files = Counter.builder("dataexport.files.written").description("Files of succeeded exports").register(registry);
    }

    /** The exports running and waiting, read at each scrape. */
    public void watchJobs(Supplier<Number> running, Supplier<Number> queued) {
        Gauge.builder("dataexport.exports.running", running).description("Exports running now").register(registry);
        Gauge.builder("dataexport.exports.queued", queued).description("Exports waiting for a worker").register(registry);
    }

    /**
     * An export ended.
     *
     * @param state  its final state (succeeded, failed, cancelled, interrupted)
     * @param format Parquet or Jsonl
     */
    public void exportEnded(String state, String format, Duration took, long rowsWritten, long bytesWritten, long filesWritten) {
        Counter.builder("dataexport.exports").description("Exports that ended, by final state and format")
                .tag("state", state).tag("format", format).register(registry).increment();
        Timer.builder("dataexport.export.duration").description("Time from an export's start to its end, by final state")
                .tag("state", state).serviceLevelObjectives(DURATION_BUCKETS).register(registry).record(took);
        if (state.equals("succeeded")) {
            rows.increment(rowsWritten);
            bytes.increment(bytesWritten);
            files.increment(filesWritten);
        }
    }

    /** An HTTP request was answered; {@code route} is the route's template ({@code /v2/data/export/{export_id}}). */
    public void requestAnswered(String method, String route, int status) {
        Counter.builder("dataexport.http.requests").description("HTTP requests answered, by method, route template and status")
                .tag("method", method).tag("route", route).tag("status", Integer.toString(status)).register(registry).increment();
    }

    /** The text a Prometheus server scrapes. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
