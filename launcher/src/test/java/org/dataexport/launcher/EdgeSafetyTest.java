package org.dataexport.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request edge: destinations confined to the allowed roots, no connection to a refused endpoint,
 * bounds on sizes and files, the API page's own requests accepted, and every malformed request a
 * clean 4xx. A socket listening on loopback ("the trap") counts every connection anything makes to it.
 */
class EdgeSafetyTest {
    private static final TestServer server = TestServer.get();
    private static ConnectionTrap trap;

    @BeforeAll
    static void setTrap() throws IOException {
        trap = new ConnectionTrap();
    }

    @AfterAll
    static void nothingReachedTheTrap() throws IOException {
        trap.close();
        assertEquals(0, trap.connections(), "no connection to a refused address");
    }

    static Path root() {
        return server.workDir;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x#/../../outside-hash", "y?q=/../../outside-query", "a%2F..%2F..%2Foutside-pct", "..%2foutside",
            "a\\..\\..\\outside-bs", "a\u2215..\u2215..\u2215outside-slash", "a\uFF0F..\uFF0F..\uFF0Foutside-fw", "../outside-dots",
            "./a/../../outside-dot", "a//..//..//outside-double", "\uFF0E\uFF0E/outside-fwdots", "a\u0000b", "a\nb", "\ud800",
            "_temporary/x", "LONG"})
    void escapesBelowTheRootAre400AndWriteNothing(String tail) throws IOException {
        Path outside = root().getParent();
        long before = countEntries(outside);
        TestServer.Response response = server.post(pathRequest(root() + "/" + (tail.equals("LONG") ? "x".repeat(300) : tail)).toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith("export_paths.paths[0]"), response.body());
        assertEquals(before, countEntries(outside), "nothing new beside the root");
    }

    @ParameterizedTest
    @ValueSource(strings = {"file://host/tmp/x", "file://127.0.0.1:22/tmp/x", "//host/dir", "hdfs:///tmp/x", "hdfs://127.0.0.1:1/tmp/x",
            "webhdfs://127.0.0.1:PORT/tmp/x", "swebhdfs://127.0.0.1:PORT/tmp/x", "viewfs://", "viewfs://cluster/tmp/x",
            "/tmp/outside-the-roots", "hdfs://nn:65536/x", "jar:file:/x!/y"})
    void otherFileSystemsAndHostsAre400BeforeAnyConnection(String path) {
        String destination = path.replace("PORT", Integer.toString(trap.port()));
        TestServer.Response response = server.post(pathRequest(destination).toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith("export_paths.paths[0]"), response.body());
    }

    @Test
    void symbolicLinkInsideTheRootPointingOutsideIsRefused() throws IOException {
        Path outside = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "outside-");
        Path link = Files.createSymbolicLink(server.newLocalDestination("link"), outside);

        TestServer.Response direct = server.post(server.localRequest(link).toString());
        TestServer.Response below = server.post(server.localRequest(link.resolve("deeper/dir")).toString());

        assertEquals(400, direct.status(), direct.body());
        assertEquals(400, below.status(), below.body());
        assertTrue(below.body().contains("symbolic link"), below.body());
        try (var entries = Files.list(outside)) {
            assertEquals(0, entries.count(), "nothing written through the link");
        }
    }

    @Test
    void parentThatIsAFileIs409() throws IOException {
        Path file = server.newLocalDestination("plain-file");
        Files.writeString(file, "data");

        TestServer.Response response = server.post(server.localRequest(file.resolve("child")).toString());

        assertEquals(409, response.status(), response.body());
        assertEquals("data", Files.readString(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:PORT", "http://localhost:PORT", "http://[::1]:PORT", "http://2130706433:PORT",
            "http://127.1:PORT", "http://0.0.0.0:PORT", "http://[::ffff:127.0.0.1]:PORT", "http://169.254.169.254",
            "http://[fd00:ec2::254]", "http://10.0.0.1:9000", "http://192.168.0.1", "https://127.0.0.1:PORT",
            "http://127.0.0.1:65536", "http://127.0.0.1:99999", "http://s3.example.invalid"})
    void refusedEndpointsAre400BeforeAnyConnection(String endpoint) {
        ObjectNode request = server.s3Request("/ssrf/attempt");
        ((ObjectNode) request.at("/export_paths/storage_config/options")).put("endpoint",
                endpoint.replace("PORT", Integer.toString(trap.port())));

        TestServer.Response response = server.post(request.toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith("export_paths.storage_config.options.endpoint"),
                response.body());
        assertFalse(response.body().contains(TestServer.SECRET_KEY));
    }

    @Test
    void redirectFromAnAllowedEndpointIsNotFollowed() throws IOException {
        HttpServer redirector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), TestServer.REDIRECT_PORT), 0);
        redirector.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + trap.port() + exchange.getRequestURI());
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        redirector.start();
        try {
            ObjectNode request = server.s3Request("/redirected");
            ((ObjectNode) request.at("/export_paths/storage_config/options")).put("endpoint", "http://127.0.0.1:" + TestServer.REDIRECT_PORT);

            TestServer.Response response = server.post(request.toString());

            assertEquals(502, response.status(), response.body());
        } finally {
            redirector.stop(0);
        }
    }

    @Test
    void aFileOrRowGroupPerRowIsRefused() throws IOException {
        Path destination = server.newLocalDestination("tiny");
        for (ObjectNode request : new ObjectNode[] {
                server.localRequest(destination).put("row_group_size", 1).put("max_row_groups_per_file", 1),
                server.localRequest(destination).put("format", "Jsonl").put("target_file_size_bytes", 1),
                server.localRequest(destination).put("row_group_size", 1L << 40)}) {
            TestServer.Response response = server.post(request.toString());
            assertEquals(400, response.status(), response.body());
        }
        assertFalse(Files.exists(destination));
    }

    @Test
    void theFileCapStopsAnExportAndLeavesNothing() throws IOException {
        Path destination = server.newLocalDestination("too-many-files");
        // About 150 files of 100 KB: more than the suite's cap of TestServer.MAX_FILES.
        TestServer.Response response = server.post(server.localRequest(destination)
                .put("format", "Jsonl").put("target_file_size_bytes", 100_000).toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().startsWith("target_file_size_bytes"), response.body());
        assertFalse(Files.exists(destination), "what the export wrote is removed");
    }

    @Test
    void theApiPagesExampleIsAcceptedInEveryFormatAndMode() {
        for (String format : new String[] {"Parquet", "Jsonl"}) {
            for (String mode : new String[] {"multi_file", "single_file"}) {
                ObjectNode request = server.s3Request("/example/" + format + "-" + mode).put("format", format).put("mode", mode);
                TestServer.Response response = server.post(request.toString());
                assertEquals(200, response.status(), format + " " + mode + ": " + response.body());
            }
        }
    }

    @Test
    void mediaTypeParametersAreUnderstood() {
        String body = server.s3Request("/media/type").put("row_group_size", -1).toString();
        assertEquals(400, server.post(body, headers("application/json; charset=utf-8")).status());
        assertEquals(400, server.post(body, headers("Application/JSON;charset=\"UTF-8\"")).status());
        assertEquals(415, server.post(body, headers("application/jsonp")).status());
        assertEquals(415, server.post(body, headers("application/json; charset=latin1")).status());
        assertEquals(415, server.post(body, headers("text/plain")).status());
    }

    @Test
    void trailingContentIsRefused() {
        String body = server.s3Request("/trailing").toString();
        for (String sent : new String[] {body + " garbage", body + body, body + "]"}) {
            TestServer.Response response = server.post(sent);
            assertEquals(400, response.status(), response.body());
        }
    }

    @Test
    void malformedChunkedBodyIs400() throws IOException {
        String raw = "POST /v2/data/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.TOKEN
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
        String answer = exchange(raw, 0);
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    }

    @Test
    void stalledBodyIs408() throws IOException {
        String raw = "POST /v2/data/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"export_paths\":";
        long started = System.nanoTime();
        String answer = exchange(raw, 0);
        assertTrue(answer.startsWith("HTTP/1.1 408") || answer.isEmpty(), answer);
        assertTrue(answer.isEmpty() || answer.contains("\"code\":408"), answer);
        assertTrue(System.nanoTime() - started < 20_000_000_000L, "answered within the body timeout");
    }

    @Test
    void unknownMethodsAndPathsGetTheEnvelope() throws IOException {
        String answer = exchange("BREW /v2/data/export HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 0);
        assertTrue(answer.contains("\"success\":false"), answer);
        TestServer.Response ambiguous = server.get("/%2e%2e/etc/passwd");
        assertTrue(ambiguous.status() == 400 || ambiguous.status() == 404, ambiguous.body());
        assertEquals(ambiguous.status(), ambiguous.json().get("code").asInt(), ambiguous.body());
        String tooLong = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n", 0);
        assertTrue(tooLong.startsWith("HTTP/1.1 431") && tooLong.contains("\"code\":431"), tooLong);
    }

    @Test
    void callerValuesAreEscapedAndCut() throws IOException {
        String forged = "x\n2026-01-01 INFO forged log line " + "y".repeat(50_000);
        ObjectNode request = server.s3Request("/escaped");
        request.put(forged, 1);
        TestServer.Response response = server.post(request.toString());

        assertEquals(400, response.status(), response.body());
        assertTrue(response.body().length() < 1000, "message cut: " + response.body().length());
        assertFalse(response.json().at("/exception/message").asText().contains("\n"));
        assertFalse(server.log().contains("\n2026-01-01 INFO forged log line"));
    }

    @Test
    void disconnectingCallerCancelsItsExport() throws Exception {
        Path destination = server.newLocalDestination("abandoned");
        String body = server.localRequest(destination).put("dataset", "slow").toString();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.launcher.port())) {
            socket.getOutputStream().write(("POST /v2/data/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            Thread.sleep(1_000);
        }
        long deadline = System.currentTimeMillis() + 15_000;
        while (!server.log().contains("cancelled: its caller disconnected") && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(server.log().contains("cancelled: its caller disconnected"), "the export was cancelled");
        assertFalse(Files.exists(destination), "nothing left behind");
    }

    @Test
    void exportsPastTheTimeLimitEndWith504AndLeaveNothing() throws Exception {
        Path conf = Files.createTempDirectory(server.workDir, "timeout-");
        Files.copy(server.workDir.resolve("conf/datasets.properties"), conf.resolve("datasets.properties"));
        Files.writeString(conf.resolve("launcher.properties"), String.join("\n", "server.port=0", "auth.tokens=" + TestServer.TOKEN,
                "exports.allowed_local_roots=" + server.workDir, "exports.timeout_seconds=1", ""));
        Path destination = server.newLocalDestination("timed-out");
        try (Launcher impatient = Launcher.start(LauncherConfig.load(conf.resolve("launcher.properties"), Map.of(), false), server.spark)) {
            TestServer.Response response = server.post("http://127.0.0.1:" + impatient.port(),
                    server.localRequest(destination).put("dataset", "slow").toString());

            assertEquals(504, response.status(), response.body());
            assertEquals("ExportTimeout", response.json().at("/exception/type").asText());
        }
        assertFalse(Files.exists(destination));
    }

    private static ObjectNode pathRequest(String path) {
        ObjectNode request = TestServer.JSON.createObjectNode();
        request.with("export_paths").putArray("paths").add(path);
        return request;
    }

    private static Map<String, String> headers(String contentType) {
        return Map.of("Authorization", "Bearer " + TestServer.TOKEN, "Content-Type", contentType);
    }

    /** Sends raw bytes to the launcher and returns what it answers (empty when it closes without answering). */
    private static String exchange(String raw, int pauseMillis) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.launcher.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            StringBuilder answer = new StringBuilder();
            int read;
            try {
                while ((read = in.read(buffer)) > 0) {
                    answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                    if (answer.indexOf("\r\n\r\n") > 0 && answer.indexOf("}") > 0) {
                        break;
                    }
                }
            } catch (java.net.SocketException e) {
                // the server closed the connection
            }
            return answer.toString();
        }
    }

    private static long countEntries(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.count();
        }
    }
}
