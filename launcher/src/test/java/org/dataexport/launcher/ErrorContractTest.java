package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The contract's error table over HTTP: each bad input gets its status and a message naming the field. */
class ErrorContractTest {
    private final TestServer server = TestServer.get();

    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad("missing export_paths", r -> r.remove("export_paths"), "export_paths"),
                bad("no path", r -> r.with("export_paths").putArray("paths"), "export_paths.paths"),
                bad("two paths", r -> r.with("export_paths").putArray("paths").add("/a").add("/b"), "export_paths.paths"),
                bad("path not a string", r -> r.with("export_paths").putArray("paths").add(7), "export_paths.paths[0]"),
                bad("unknown top-level field", r -> r.put("codec", "zstd"), "codec"),
                bad("unknown option", r -> storage(r).with("options").put("use_ssl", true), "export_paths.storage_config.options.use_ssl"),
                bad("unknown credential", r -> storage(r).with("credentials").put("token", "x"), "export_paths.storage_config.credentials.token"),
                bad("format unknown", r -> r.put("format", "Csv"), "format"),
                bad("format wrong type", r -> r.put("format", 1), "format"),
                bad("mode unknown", r -> r.put("mode", "many_files"), "mode"),
                bad("row_group_size negative", r -> r.put("row_group_size", -1), "row_group_size"),
                bad("row_group_size a string", r -> r.put("row_group_size", "40MB"), "row_group_size"),
                bad("row_group_size fractional", r -> r.put("row_group_size", 1.5), "row_group_size"),
                bad("target size negative", r -> r.put("target_file_size_bytes", -5), "target_file_size_bytes"),
                bad("max row groups huge", r -> r.put("max_row_groups_per_file", new java.math.BigInteger("99999999999999999999")), "max_row_groups_per_file"),
                bad("include_metrics not boolean", r -> r.put("include_metrics", "yes"), "include_metrics"),
                bad("http endpoint without allow_http", r -> storage(r).with("options").put("allow_http", false), "export_paths.storage_config.options.endpoint"),
                bad("endpoint not a URL", r -> storage(r).with("options").put("endpoint", "ftp://host"), "export_paths.storage_config.options.endpoint"),
                bad("endpoint with credentials", r -> storage(r).with("options").put("endpoint", "http://user:pw@127.0.0.1:1"), "export_paths.storage_config.options.endpoint"),
                bad("storage type unknown", r -> storage(r).put("storage_type", "GCS"), "export_paths.storage_config.storage_type"),
                bad("secret key missing", r -> storage(r).with("credentials").remove("secret_key"), "export_paths.storage_config.credentials.secret_key"),
                bad("bucket invalid", r -> storage(r).put("bucket", "Bad Bucket!"), "export_paths.storage_config.bucket"),
                bad("underscore bucket virtual-hosted", r -> storage(r).with("options").put("virtual_hosted_style", true), "export_paths.storage_config.options.virtual_hosted_style"),
                bad("bucket root as path", r -> r.with("export_paths").putArray("paths").add("/"), "export_paths.paths[0]"),
                bad("dot-dot in path", r -> r.with("export_paths").putArray("paths").add("/a/../b"), "export_paths.paths[0]"),
                bad("staging directory in path", r -> r.with("export_paths").putArray("paths").add("/a/_temporary/b"), "export_paths.paths[0]"),
                bad("unsupported scheme", r -> {
                    r.with("export_paths").remove("storage_config");
                    r.with("export_paths").putArray("paths").add("ftp://user:pw@host/dir");
                }, "export_paths.paths[0]"),
                bad("object store URI without storage_config", r -> {
                    r.with("export_paths").remove("storage_config");
                    r.with("export_paths").putArray("paths").add("s3a://my_bucket/dir");
                }, "export_paths.paths[0]"),
                bad("single_file with target size", r -> r.put("mode", "single_file").put("target_file_size_bytes", 1000), "target_file_size_bytes"),
                bad("single_file with max row groups", r -> r.put("mode", "single_file").put("max_row_groups_per_file", 2), "max_row_groups_per_file"),
                bad("Jsonl with max row groups", r -> r.put("format", "Jsonl").put("row_group_size", 0).put("max_row_groups_per_file", 2), "max_row_groups_per_file"),
                bad("Jsonl with a row group size not the default", r -> r.put("format", "Jsonl").put("row_group_size", 1_000_000), "row_group_size"),
                bad("unknown dataset", r -> r.put("dataset", "no_such_dataset"), "dataset"),
                bad("body not an object", r -> { }, "") // replaced below by a JSON array
        );
    }

    private static Arguments bad(String name, Consumer<ObjectNode> mutation, String field) {
        return arguments(name, mutation, field);
    }

    private static ObjectNode storage(ObjectNode request) {
        return request.with("export_paths").with("storage_config");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestIs400NamingTheField(String name, Consumer<ObjectNode> mutation, String field) {
        ObjectNode request = server.s3Request("/contract/never-written");
        mutation.accept(request);
        String body = name.equals("body not an object") ? "[1, 2]" : request.toString();

        TestServer.Response response = server.post(body);

        assertEquals(400, response.status(), response.body());
        JsonNode json = response.json();
        assertEquals(400, json.get("code").asInt());
        assertFalse(json.get("success").asBoolean());
        assertTrue(json.get("data").isNull());
        assertEquals("InvalidRequest", json.at("/exception/type").asText());
        assertTrue(json.at("/exception/message").asText().startsWith(field), "message names " + field + ": " + response.body());
        assertNoSecret(response);
    }

    @Test
    void malformedJsonDoesNotEchoTheInput() {
        TestServer.Response response = server.post("{\"export_paths\": {\"secret\": " + TestServer.SECRET_KEY + "}}");

        assertEquals(400, response.status());
        assertTrue(response.json().at("/exception/message").asText().contains("malformed JSON at line 1"), response.body());
        assertNoSecret(response);
    }

    @Test
    void localDestinationOutsideTheAllowedRootsIsRefused() {
        TestServer.Response response = server.post(server.localRequest(java.nio.file.Path.of("/tmp/outside-the-roots")).toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith("export_paths.paths[0]"), response.body());
        assertTrue(java.nio.file.Files.notExists(java.nio.file.Path.of("/tmp/outside-the-roots")));
    }

    @Test
    void duplicateFieldIsRefused() {
        TestServer.Response response = server.post("{\"format\": \"Parquet\", \"format\": \"Jsonl\"}");

        assertEquals(400, response.status());
        assertTrue(response.body().contains("Duplicate field 'format'"), response.body());
    }

    @Test
    void missingTokenIs401WithChallenge() {
        TestServer.Response response = server.post(server.s3Request("/x").toString(), Map.of("Content-Type", "application/json"));

        assertEquals(401, response.status());
        assertEquals("Bearer", response.headers().get("www-authenticate").get(0));
        assertEquals("Unauthorized", response.json().at("/exception/type").asText());
    }

    @Test
    void wrongTokenIs401() {
        TestServer.Response response = server.post(server.s3Request("/x").toString(),
                Map.of("Authorization", "Bearer " + TestServer.TOKEN + "x", "Content-Type", "application/json"));

        assertEquals(401, response.status());
        assertNoSecret(response);
    }

    @Test
    void wrongContentTypeIs415() {
        TestServer.Response response = server.post(server.s3Request("/x").toString(),
                Map.of("Authorization", "Bearer " + TestServer.TOKEN, "Content-Type", "text/plain"));

        assertEquals(415, response.status());
        assertEquals(415, response.json().get("code").asInt());
    }

    @Test
    void oversizedBodyIs413() {
        ObjectNode request = server.s3Request("/x");
        request.put("padding", "x".repeat(70_000));

        TestServer.Response response = server.post(request.toString());

        assertEquals(413, response.status());
        assertEquals("PayloadTooLarge", response.json().at("/exception/type").asText());
    }

    @Test
    void healthNeedsNoToken() {
        TestServer.Response response = server.get("/healthz");

        assertEquals(200, response.status());
        assertEquals("ok", response.json().get("status").asText());
    }

    @Test
    void unknownEndpointAndMethodGetTheEnvelope() {
        assertEquals(404, server.get("/v2/data/nothing").json().get("code").asInt());
        TestServer.Response wrongMethod = server.get("/v2/data/export");
        assertEquals(405, wrongMethod.status());
        assertEquals(405, wrongMethod.json().get("code").asInt());
    }

    private static void assertNoSecret(TestServer.Response response) {
        assertFalse(response.body().contains(TestServer.SECRET_KEY), response.body());
        assertFalse(response.body().contains(TestServer.ACCESS_KEY), response.body());
        assertFalse(response.body().contains(TestServer.TOKEN), response.body());
        assertFalse(response.body().contains("\tat "), "no stack trace: " + response.body());
    }

    @AfterAll
    static void noSecretWasLogged() throws IOException {
        String log = TestServer.get().log();
        assertFalse(log.contains(TestServer.SECRET_KEY));
        assertFalse(log.contains(TestServer.TOKEN));
    }
}
