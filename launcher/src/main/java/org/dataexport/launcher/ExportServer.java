package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.failure.CallerText;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.failure.Failures;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.launcher.jobs.ExportJobs;
import org.dataexport.launcher.metrics.ServiceMetrics;
import org.dataexport.launcher.request.Admission;
import org.dataexport.launcher.request.JobRequests;
import org.dataexport.launcher.request.RequestBody;
import org.dataexport.launcher.response.JobJson;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The REST layer: {@code POST /v2/data/export} (synchronous, or with {@code Prefer: respond-async} a
 * 202 and a job to poll), {@code GET} and {@code DELETE /v2/data/export/{export_id}},
 * {@code GET /v2/data/exports}, {@code GET /healthz} (the process answers) and {@code GET /readyz} (the
 * Spark session and the job store answer too), {@code GET /metrics} (Prometheus), {@code GET /openapi.json},
 * and the exports page at {@code /} (static files). Every answer, errors included, is the API's
 * envelope; checks run cheapest first (token, content type, size and arrival of the body, the request,
 * the admission rules, then the job service's queue). A synchronous export is cancelled when its
 * caller disconnects, unless it carries an Idempotency-Key (a retry may come back for it).
 */
public final class ExportServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportServer.class);
    private static final long CLIENT_POLL_MILLIS = 500;
    private static final String ENVELOPED = "dataexport.enveloped";

    private final Javalin app;
    private final BearerTokens tokens;
    private final ExportJobs jobs;
    private final Admission admission;
    private final RequestBody body;
    private final ServiceMetrics metrics;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, org.dataexport.job.DaemonThreads.named("client-watch"));

    ExportServer(LauncherConfig config, ExportJobs jobs, Admission admission, java.util.function.BooleanSupplier sparkAnswers,
                 ServiceMetrics metrics) {
        this.metrics = metrics;
        this.tokens = new BearerTokens(config.tokens());
        this.jobs = jobs;
        this.admission = admission;
        this.body = new RequestBody(config.maxBodyBytes(), config.bodyTimeoutMillis());
        this.app = Javalin.create(javalin -> {
            javalin.showJavalinBanner = false;
            javalin.http.prefer405over404 = true;
            javalin.http.maxRequestSize = config.maxBodyBytes();
            // The exports page: static files, no build step, no CDN; its script may load only from here.
            javalin.staticFiles.add(staticFiles -> {
                staticFiles.hostedPath = "/";
                staticFiles.directory = "/web";
                staticFiles.location = io.javalin.http.staticfiles.Location.CLASSPATH;
                staticFiles.headers = java.util.Map.of(
                        "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                        "X-Content-Type-Options", "nosniff",
                        "Referrer-Policy", "no-referrer",
                        "Cache-Control", "no-cache");
            });
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
        // A pooled thread never carries the previous request's export into this one's log lines.
        app.before(ctx -> org.slf4j.MDC.remove("export_id"));
        app.after(ctx -> {
            org.slf4j.MDC.remove("export_id");
            metrics.requestAnswered(ctx.method().name(), route(ctx), ctx.statusCode());
        });
        // The API's description (OpenAPI 3.1), held to the server by the tests; without a token.
        String openApi = openApiDocument();
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        // Prometheus' text format; like /healthz, without a token (it names no caller, path or key).
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
        // Ready only when what an export needs answers: the Spark session (local mode) and the job store.
        app.get("/readyz", ctx -> {
            boolean spark = sparkAnswers.getAsBoolean();
            boolean store = jobs.storeAnswers();
            ObjectNode checks = ResponseJson.MAPPER.createObjectNode();
            checks.put("spark", spark ? "ok" : "down");
            checks.put("job_store", store ? "ok" : "down");
            ObjectNode body = ResponseJson.MAPPER.createObjectNode();
            body.put("status", spark && store ? "ready" : "not ready");
            body.set("checks", checks);
            ctx.status(spark && store ? 200 : 503).contentType("application/json").result(body.toString());
        });
        app.post("/v2/data/export", this::export);
        app.get("/v2/data/export/{export_id}", ctx -> {
            String owner = owner(ctx);
            respond(ctx, JobJson.job(jobs.get(JobRequests.exportId(ctx.pathParam("export_id")), owner)
                    .orElseThrow(() -> JobRequests.notFound(ctx.pathParam("export_id")))));
        });
        app.delete("/v2/data/export/{export_id}", ctx -> {
            String owner = owner(ctx);
            String exportId = JobRequests.exportId(ctx.pathParam("export_id"));
            org.slf4j.MDC.put("export_id", exportId);
            ObjectNode envelope = JobJson.job(jobs.cancel(exportId, owner));
            envelope.put("code", 202);
            respond(ctx, envelope);
        });
        app.get("/v2/data/exports", ctx -> {
            String owner = owner(ctx);
            respond(ctx, JobJson.list(jobs.list(owner, JobRequests.state(ctx.queryParam("state")), JobRequests.limit(ctx.queryParam("limit")))));
        });
        app.exception(ExportFailure.class, (failure, ctx) -> respond(ctx, ResponseJson.failure(failure)));
        app.exception(Exception.class, (e, ctx) -> {
            // The exception's text might quote request data; the class name is enough to investigate.
            LOG.error("unexpected {} while handling {} {}", e.getClass().getName(), ctx.method(), CallerText.quote(ctx.path()));
            respond(ctx, ResponseJson.failure(ErrorType.INTERNAL_ERROR, "the server failed unexpectedly; see its log"));
        });
        app.error(404, ctx -> {
            // A 404 of the job API (no such job) has its envelope already; only unknown routes get this one.
            if (ctx.attribute(ENVELOPED) == null) {
                respond(ctx, ResponseJson.failure(ErrorType.NOT_FOUND, "no such endpoint: " + ctx.method() + " " + CallerText.quote(ctx.path())));
            }
        });
        app.error(405, ctx -> respond(ctx, ResponseJson.failure(ErrorType.METHOD_NOT_ALLOWED, ctx.method()
                + " is not allowed on " + CallerText.quote(ctx.path()))));
        app.start();
    }

    public int port() {
        return app.port();
    }

    private static String openApiDocument() {
        try (java.io.InputStream in = ExportServer.class.getResourceAsStream("/openapi.json")) {
            return new String(java.util.Objects.requireNonNull(in, "openapi.json is packaged with the launcher").readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The matched route's template, never the path itself (whose ids and typos would make a label without end). */
    private static String route(Context ctx) {
        String template = ctx.endpointHandlerPath();
        return template == null || template.isEmpty() || template.equals("*") ? "unmatched" : template;
    }

    /** The caller's owner digest; 401 without a valid token. */
    private String owner(Context ctx) {
        Optional<String> owner = tokens.owner(ctx.header("Authorization"));
        if (owner.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ExportFailure(ErrorType.UNAUTHORIZED, "missing or invalid bearer token (Authorization: Bearer <token>)");
        }
        return owner.get();
    }

    private void export(Context ctx) throws InterruptedException {
        long accepted = System.nanoTime();
        String owner = owner(ctx);
        RequestBody.checkMediaType(ctx.contentType());
        Optional<String> idempotencyKey = JobRequests.idempotencyKey(ctx.header("Idempotency-Key"));
        boolean async = JobRequests.prefersAsync(java.util.Collections.list(ctx.req().getHeaders("Prefer")));
        String json = body.read(ctx.req());
        ExportRequest request;
        try {
            request = ExportRequest.fromJson(json);
            admission.check(request);
        } catch (ExportFailure refused) {
            // A caller may put a key into any field: the refusal never repeats one.
            throw new ExportFailure(refused.errorType(), Failures.redact(refused.getMessage(), ExportRequest.secretsIn(json)));
        }
        ExportJobs.Accepted job = jobs.submit(new ExportJobs.Submission(owner, request, json, idempotencyKey, accepted, async));
        String exportId = job.job().exportId();
        org.slf4j.MDC.put("export_id", exportId);
        ctx.header("Location", JobJson.statusUrl(exportId));
        if (async) {
            ctx.header("Preference-Applied", "respond-async");
            respond(ctx, JobJson.accepted(job.job()));
            return;
        }
        ClientConnection client = ClientConnection.of(ctx.req());
        // A synchronous caller that goes away takes its export with it, unless a retry may come back for it.
        ScheduledFuture<?> watch = idempotencyKey.isPresent() || job.existing() ? null : timers.scheduleWithFixedDelay(() -> {
            if (client.gone()) {
                jobs.cancelHere(exportId, new ExportFailure(ErrorType.CANCELLED, "the caller disconnected; the export was cancelled"));
            }
        }, CLIENT_POLL_MILLIS, CLIENT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        ObjectNode response;
        try {
            response = job.outcome().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("an export's outcome is always an envelope", e);
        } finally {
            if (watch != null) {
                watch.cancel(false);
            }
        }
        if (response.get("success").asBoolean()) {
            LOG.info("export {} to {}: {} files, {} rows in {} ms", exportId, request.destinationUri(),
                    response.at("/data/export_result/files").size(), response.at("/data/export_result/total_row_count").asLong(),
                    (System.nanoTime() - accepted) / 1_000_000);
        } else if (client.wasGone()) {
            LOG.info("export {} to {} cancelled: its caller disconnected", exportId, request.destinationUri());
        }
        respond(ctx, response);
    }

    private static void respond(Context ctx, ObjectNode envelope) {
        int status = envelope.get("code").asInt();
        if (status >= 400 && status != 401) {
            // Messages carry caller values escaped and cut (CallerText), so this is one line.
            LOG.info("{} {} -> {} {}", ctx.method(), CallerText.quote(ctx.path()), status, envelope.at("/exception/message").asText());
        }
        ctx.attribute(ENVELOPED, true);
        ctx.status(status).contentType("application/json").result(envelope.toString());
    }

    @Override
    public void close() {
        app.stop();
        timers.shutdownNow();
        metrics.close();
    }
}
