package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.dataexport.job.ExportFailure;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.request.ExportRequest;
import org.dataexport.job.request.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Semaphore;

/**
 * The REST layer: {@code POST /v2/data/export} and {@code GET /healthz}. Every answer, errors included,
 * is the API's envelope; checks run cheapest first (token, content type, size, then the request).
 */
public final class ExportServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportServer.class);

    private final Javalin app;
    private final BearerTokens tokens;
    private final Exports exports;
    private final long maxBodyBytes;
    private final Semaphore running;
    private final java.util.List<String> allowedLocalRoots;
    private final int maxRunning;

    ExportServer(LauncherConfig config, Exports exports) {
        this.tokens = new BearerTokens(config.tokens());
        this.exports = exports;
        this.maxBodyBytes = config.maxBodyBytes();
        this.maxRunning = config.maxRunningExports();
        this.running = new Semaphore(maxRunning);
        this.allowedLocalRoots = config.allowedLocalRoots();
        this.app = Javalin.create(javalin -> {
            javalin.showJavalinBanner = false;
            javalin.http.prefer405over404 = true;
            javalin.http.maxRequestSize = config.maxBodyBytes();
        });
        app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
        app.post("/v2/data/export", this::export);
        app.exception(ExportFailure.class, (failure, ctx) -> respond(ctx, ResponseJson.failure(failure.status(), failure.type(), failure.getMessage())));
        app.exception(Exception.class, (e, ctx) -> {
            // The exception's text might quote request data; the class name is enough to investigate.
            LOG.error("unexpected {} while handling {} {}", e.getClass().getName(), ctx.method(), ctx.path());
            respond(ctx, ResponseJson.failure(500, "InternalError", "the server failed unexpectedly; see its log"));
        });
        app.error(404, ctx -> respond(ctx, ResponseJson.failure(404, "NotFound", "no such endpoint: " + ctx.method() + " " + ctx.path())));
        app.error(405, ctx -> respond(ctx, ResponseJson.failure(405, "MethodNotAllowed", ctx.method() + " is not allowed on " + ctx.path())));
        app.start(config.host(), config.port());
    }

    public int port() {
        return app.port();
    }

    private void export(Context ctx) throws IOException {
        long accepted = System.nanoTime();
        if (!tokens.accepts(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            respond(ctx, ResponseJson.failure(401, "Unauthorized", "missing or invalid bearer token (Authorization: Bearer <token>)"));
            return;
        }
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            respond(ctx, ResponseJson.failure(415, "UnsupportedMediaType", "send the request as Content-Type: application/json"));
            return;
        }
        byte[] body = readBody(ctx);
        if (body == null) {
            respond(ctx, ResponseJson.failure(413, "PayloadTooLarge", "the request body exceeds " + maxBodyBytes + " bytes"));
            return;
        }
        String json = new String(body, StandardCharsets.UTF_8);
        ExportRequest request = ExportRequest.fromJson(json);
        checkAllowedRoot(request);
        // A request beyond the limit is answered at once rather than queued where the caller cannot see it.
        if (!running.tryAcquire()) {
            throw new ExportFailure(429, "TooManyExports", "the server is already running its limit of "
                    + maxRunning + " exports; retry later");
        }
        ObjectNode response;
        try {
            response = exports.run(request, json, accepted);
        } finally {
            running.release();
        }
        if (response.get("success").asBoolean()) {
            LOG.info("export to {}: {} files, {} rows in {} ms", request.destinationUri(),
                    response.at("/data/export_result/files").size(), response.at("/data/export_result/total_row_count").asLong(),
                    (System.nanoTime() - accepted) / 1_000_000);
        }
        respond(ctx, response);
    }

    /** Destinations on the engine's file system must lie under a configured root, when roots are configured. */
    private void checkAllowedRoot(ExportRequest request) {
        if (request.storage() != null || allowedLocalRoots.isEmpty()) {
            return;
        }
        String destination = request.destinationUri();
        for (String root : allowedLocalRoots) {
            if (destination.startsWith(root + "/")) {
                return;
            }
        }
        throw new InvalidRequestException("export_paths.paths[0]", "must be a directory inside one of " + allowedLocalRoots
                + " (this server's exports.allowed_local_roots), or an S3 destination with storage_config");
    }

    /** The body, or null when it is larger than allowed (whatever Content-Length claims). */
    private byte[] readBody(Context ctx) throws IOException {
        if (ctx.req().getContentLengthLong() > maxBodyBytes) {
            return null;
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 1, maxBodyBytes + 1));
            return body.length > maxBodyBytes ? null : body;
        }
    }

    private static void respond(Context ctx, ObjectNode envelope) {
        int status = envelope.get("code").asInt();
        if (status >= 400 && status != 401) {
            LOG.info("{} {} -> {} {}", ctx.method(), ctx.path(), status, envelope.at("/exception/message").asText());
        }
        ctx.status(status).contentType("application/json").result(envelope.toString());
    }

    @Override
    public void close() {
        app.stop();
    }
}
