package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The launcher's OpenAPI document as the tests hold the server to it: every answer the test suite
 * gets is looked up by method, route and status, and its body is checked against the response's
 * schema (JSON Schema 2020-12, as OpenAPI 3.1 defines them); a request the server accepted is checked
 * against the request body's schema. An answer the document does not describe is an error.
 */
final class OpenApiContract {
    static final JsonNode DOCUMENT = load();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final Map<String, JsonSchema> COMPILED = new ConcurrentHashMap<>();

    private OpenApiContract() {
    }

    private static JsonNode load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
            return TestServer.JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What in an exchange the document does not describe; empty when it describes all of it. */
    static List<String> check(String method, String path, String requestBody, int status, Optional<String> contentType, String body) {
        List<String> problems = new ArrayList<>();
        Optional<String> template = template(path);
        String what = method + " " + path + " -> " + status;
        if (template.isEmpty()) {
            return status == 404 || status == 405 || status == 400 ? problems : List.of(what + ": no such path in the document");
        }
        String operationPointer = "/paths/" + escape(template.get()) + "/" + method.toLowerCase(Locale.ROOT);
        if (DOCUMENT.at(operationPointer).isMissingNode()) {
            return status == 405 || status == 404 ? problems : List.of(what + ": no such operation in the document");
        }
        String responsePointer = operationPointer + "/responses/" + status;
        if (DOCUMENT.at(responsePointer).isMissingNode()) {
            responsePointer = operationPointer + "/responses/default";
        }
        JsonNode response = DOCUMENT.at(responsePointer);
        if (response.isMissingNode()) {
            return List.of(what + ": the document declares no such status");
        }
        if (response.has("$ref")) {
            responsePointer = response.get("$ref").asText().substring(1);
            response = DOCUMENT.at(responsePointer);
        }
        String type = contentType.map(value -> value.split(";")[0].trim()).orElse("");
        if (type.equals("application/json")) {
            String schemaPointer = responsePointer + "/content/" + escape("application/json") + "/schema";
            if (DOCUMENT.at(schemaPointer).isMissingNode()) {
                problems.add(what + ": the document gives no JSON schema for this response");
            } else {
                validate(what + " response", schemaPointer, body, problems);
            }
        } else if (!response.has("content") || response.at("/content/" + escape(type)).isMissingNode()) {
            problems.add(what + ": the document does not declare the content type " + type);
        }
        if (status >= 200 && status < 300 && requestBody != null && !requestBody.isEmpty()) {
            String requestPointer = operationPointer + "/requestBody/content/" + escape("application/json") + "/schema";
            if (!DOCUMENT.at(requestPointer).isMissingNode()) {
                validate(what + " request", requestPointer, requestBody, problems);
            }
        }
        return problems;
    }

    private static void validate(String what, String pointer, String json, List<String> problems) {
        JsonSchema schema = COMPILED.computeIfAbsent(pointer, p -> SCHEMAS.getSchema(SchemaLocation.of("classpath:openapi.json#" + p)));
        try {
            Set<ValidationMessage> messages = schema.validate(TestServer.JSON.readTree(json));
            for (ValidationMessage message : messages) {
                problems.add(what + ": " + message.getMessage());
            }
        } catch (IOException e) {
            problems.add(what + ": not JSON");
        }
    }

    /** The document's path template that matches a request path ({@code /v2/data/export/{export_id}}). */
    static Optional<String> template(String path) {
        String bare = path.split("\\?")[0];
        for (Iterator<String> templates = DOCUMENT.get("paths").fieldNames(); templates.hasNext(); ) {
            String template = templates.next();
            if (bare.matches(template.replaceAll("\\{[^/]+}", "[^/]+").replace(".", "\\."))) {
                return Optional.of(template);
            }
        }
        return Optional.empty();
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
