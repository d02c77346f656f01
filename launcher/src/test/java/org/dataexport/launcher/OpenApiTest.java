package org.dataexport.launcher;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /openapi.json: an OpenAPI 3.1 document that swagger-parser reads without a message, that
 * names every route the server has, and that the server's answers conform to (every answer of the
 * suite is checked as it arrives, in TestServer; here a few that no other test asks for).
 */
class OpenApiTest {
    private final TestServer server = TestServer.get();

    @Test
    void theDocumentIsValidOpenApi31() throws Exception {
        TestServer.Response served = server.get("/openapi.json");
        assertEquals(200, served.status());
        assertEquals(OpenApiContract.DOCUMENT, TestServer.JSON.readTree(served.body()), "the served document is the packaged one");

        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(served.body(), null, options);
        assertNotNull(result.getOpenAPI(), String.valueOf(result.getMessages()));
        assertEquals(List.of(), result.getMessages());
        assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
        for (String route : List.of("/v2/data/export", "/v2/data/export/{export_id}", "/v2/data/exports", "/healthz", "/readyz",
                "/metrics", "/openapi.json")) {
            assertNotNull(result.getOpenAPI().getPaths().get(route), "the document describes " + route);
        }
        assertEquals(7, result.getOpenAPI().getPaths().size(), "and nothing the server does not have");
    }

    @Test
    void answersNoOtherTestAsksForConform() throws Exception {
        // Each call is checked against the document as it is answered (TestServer); these assert they were.
        assertEquals(200, server.get("/readyz").status());
        assertEquals(200, server.get("/healthz").status());
        assertEquals(200, server.get("/metrics").status());
        assertEquals(401, server.call("GET", server.baseUrl(), "/v2/data/exports", "wrong-token").status());
        assertEquals(400, server.call("GET", "/v2/data/exports?limit=0").status());
        assertTrue(OpenApiContract.check("GET", "/v2/data/exports", null, 200, Optional.of("application/json"),
                "{\"code\": \"two hundred\"}").size() > 0, "a body the document refuses is caught");
        assertTrue(OpenApiContract.check("GET", "/nowhere", null, 200, Optional.of("application/json"), "{}").size() > 0,
                "a path the document does not have is caught");
    }
}
