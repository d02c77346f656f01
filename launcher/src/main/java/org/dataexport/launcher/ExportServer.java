package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.dataexport.job.Cancellation;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.failure.CallerText;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.launcher.request.Admission;
import org.dataexport.launcher.request.RequestBody;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The REST layer: {@code POST /v2/data/export} and {@code GET /healthz}. Every answer, errors included,
 * is the API's envelope; checks run cheapest first (token, content type, size and arrival of the body,
 * the request, the admission rules, then the running-export limit). A running export is cancelled when
 * its caller disconnects or when it passes {@code exports.timeout_seconds}.
 */
public final class ExportServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportServer.class);
    private static final long CLIENT_POLL_MILLIS = 500;

    private final Javalin app;
    private final BearerTokens tokens;
    private final Exports exports;
    private final Admission admission;
    private final RequestBody body;
    private final Semaphore running;
    private final int maxRunning;
    private final long timeoutSeconds;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, runnable -> {
        Thread thread = new Thread(runnable, "export-timers");
        thread.setDaemon(true);
        return thread;
    });

    ExportServer(LauncherConfig config, Exports exports, Admission admission) {
        this.tokens = new BearerTokens(config.tokens());
        this.exports = exports;
        this.admission = admission;
        this.body = new RequestBody(config.maxBodyBytes(), config.bodyTimeoutMillis());
        this.maxRunning = config.maxRunningExports();
        this.running = new Semaphore(maxRunning);
        this.timeoutSeconds = config.exportTimeoutSeconds();
        this.app = Javalin.create(javalin -> {
            javalin.showJavalinBanner = false;
            javalin.http.prefer405over404 = true;
            javalin.http.maxRequestSize = config.maxBodyBytes();
            // Requests Jetty refuses before any handler (bad URIs, headers too large) get the envelope too.
            javalin.jetty.modifyServer(server -> server.setErrorHandler(new EnvelopeErrorHandler()));
            javalin.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize(config.maxHeaderBytes());
                http.setSendServerVersion(false);
            });
            // A connection that sends nothing for this long (a stalled body among them) is closed.
            javalin.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(config.host());
                connector.setPort(config.port());
                connector.setIdleTimeout(config.bodyTimeoutMillis());
                return connector;
            });
        });
        app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
        app.post("/v2/data/export", this::export);
        app.exception(ExportFailure.class, (failure, ctx) -> respond(ctx, ResponseJson.failure(failure)));
        app.exception(Exception.class, (e, ctx) -> {
            // The exception's text might quote request data; the class name is enough to investigate.
            LOG.error("unexpected {} while handling {} {}", e.getClass().getName(), ctx.method(), CallerText.quote(ctx.path()));
            respond(ctx, ResponseJson.failure(ErrorType.INTERNAL_ERROR, "the server failed unexpectedly; see its log"));
        });
        app.error(404, ctx -> respond(ctx, ResponseJson.failure(ErrorType.NOT_FOUND, "no such endpoint: "
                + ctx.method() + " " + CallerText.quote(ctx.path()))));
        app.error(405, ctx -> respond(ctx, ResponseJson.failure(ErrorType.METHOD_NOT_ALLOWED, ctx.method()
                + " is not allowed on " + CallerText.quote(ctx.path()))));
        app.start();
    }

    public int port() {
        return app.port();
    }

    private void export(Context ctx) {
        long accepted = System.nanoTime();
        if (!tokens.accepts(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            respond(ctx, ResponseJson.failure(ErrorType.UNAUTHORIZED, "missing or invalid bearer token (Authorization: Bearer <token>)"));
            return;
        }
        RequestBody.checkMediaType(ctx.contentType());
        String json = body.read(ctx.req());
        ExportRequest request;
        try {
            request = ExportRequest.fromJson(json);
            admission.check(request);
        } catch (ExportFailure refused) {
            // A caller may put a key into any field: the refusal never repeats one.
            throw new ExportFailure(refused.errorType(), Failures.redact(refused.getMessage(), ExportRequest.secretsIn(json)));
        }
        // A request beyond the limit is answered at once rather than queued where the caller cannot see it.
        if (!running.tryAcquire()) {
            throw new ExportFailure(ErrorType.TOO_MANY_EXPORTS, "the server is already running its limit of "
                    + maxRunning + " exports; retry later");
        }
        Cancellation cancellation = new Cancellation();
        ScheduledFuture<?> timeout = timers.schedule(() -> cancellation.cancel(new ExportFailure(ErrorType.EXPORT_TIMEOUT,
                "the export ran longer than this server's limit of " + timeoutSeconds
                        + " s (exports.timeout_seconds) and was cancelled; nothing was written")), timeoutSeconds, TimeUnit.SECONDS);
        ClientConnection client = ClientConnection.of(ctx.req());
        ScheduledFuture<?> watch = timers.scheduleWithFixedDelay(() -> {
            if (client.gone()) {
                cancellation.cancel(new ExportFailure(ErrorType.CANCELLED, "the caller disconnected; the export was cancelled"));
            }
        }, CLIENT_POLL_MILLIS, CLIENT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        ObjectNode response;
        try {
            response = exports.run(request, json, accepted, cancellation);
        } catch (ExportFailure failure) {
            if (client.wasGone()) {
                LOG.info("export to {} cancelled: its caller disconnected", request.destinationUri());
            }
            throw failure;
        } finally {
            watch.cancel(false);
            timeout.cancel(false);
            running.release();
        }
        if (response.get("success").asBoolean()) {
            LOG.info("export to {}: {} files, {} rows in {} ms", request.destinationUri(),
                    response.at("/data/export_result/files").size(), response.at("/data/export_result/total_row_count").asLong(),
                    (System.nanoTime() - accepted) / 1_000_000);
        } else if (client.wasGone()) {
            LOG.info("export to {} cancelled: its caller disconnected", request.destinationUri());
        }
        respond(ctx, response);
    }

    private static void respond(Context ctx, ObjectNode envelope) {
        int status = envelope.get("code").asInt();
        if (status >= 400 && status != 401) {
            // Messages carry caller values escaped and cut (CallerText), so this is one line.
            LOG.info("{} {} -> {} {}", ctx.method(), CallerText.quote(ctx.path()), status, envelope.at("/exception/message").asText());
        }
        ctx.status(status).contentType("application/json").result(envelope.toString());
    }

    @Override
    public void close() {
        app.stop();
        timers.shutdownNow();
    }
}
