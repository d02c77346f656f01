package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several hundred hostile requests, generated from a fixed seed: escaping paths, foreign file systems,
 * refused endpoints, values of every wrong type and size, broken bodies and media types. None may
 * answer 500, write outside the allowed root, connect to a refused address, or show a secret.
 */
class HostileRequestsFuzzTest {
    private static final int REQUESTS = 400;
    private static final String[] SEGMENTS = {"..", ".", "", "%2e%2e", "%2F", "a#b", "q?x=1", "a\\b", "a\u2215b", "\uFF0F", "\uFF0E\uFF0E",
            "a\u0000b", "line\nbreak", "\ud800", "_temporary", "x".repeat(300), "a:b", " lead", "~", "\u202Eevil", "<script>", "plain",
            "caf\u00e9", "$HOME", "*", "..."};
    private static final String[] PREFIXES = {"ROOT/", "ROOT/", "ROOT/", "/", "//", "file:", "file://", "file://host", "file://127.0.0.1:PORT",
            "hdfs://", "hdfs://127.0.0.1:PORT", "webhdfs://127.0.0.1:PORT", "swebhdfs://localhost:PORT", "viewfs://", "viewfs://c",
            "s3a://bucket", "jar:file:", "ftp://h", "ROOT/../", "relative/"};
    private static final String[] ENDPOINTS = {"http://127.0.0.1:PORT", "http://localhost:PORT", "http://[::1]:PORT", "http://2130706433:PORT",
            "http://0x7f.1:PORT", "http://0:PORT", "http://169.254.169.254", "http://[fd00:ec2::254]", "http://10.1.2.3",
            "http://192.168.1.1:PORT", "http://127.0.0.1:65536", "http://127.0.0.1:0", "https://user:pw@127.0.0.1:PORT",
            "http://127.0.0.1:PORT/path", "http://127.0.0.1:PORT?q", "file:///etc/passwd", "gopher://127.0.0.1:PORT", "",
            "http://" + "a".repeat(300) + ".com", "http://[::ffff:169.254.169.254]", "http://metadata.google.internal"};
    private static final String[] FIELDS = {"format", "mode", "row_group_size", "max_row_groups_per_file", "target_file_size_bytes",
            "include_metrics", "include_file_stats", "dataset"};

    private final TestServer server = TestServer.get();

    @Test
    void hostileRequestsGetCleanAnswersAndLeaveNoTrace() throws Exception {
        Path outside = server.workDir.getParent();
        Set<String> before = entries(outside);
        int connections;
        try (ConnectionTrap trap = new ConnectionTrap()) {
            Random random = new Random(20261124);
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                Hostile hostile = generate(random, trap.port(), i);
                TestServer.Response response = server.post(hostile.body(), Map.of("Authorization", "Bearer " + TestServer.TOKEN,
                        "Content-Type", hostile.contentType()));
                String problem = check(response);
                if (problem != null) {
                    failures.add(problem + " for " + hostile.body().substring(0, Math.min(300, hostile.body().length())));
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
            connections = trap.connections();
        }
        assertEquals(0, connections, "no connection to a refused address");
        assertEquals(before, entries(outside), "nothing written beside the allowed root");
        String log = server.log();
        assertFalse(log.contains(TestServer.SECRET_KEY) || log.contains(TestServer.TOKEN), "no secret in the log");
    }

    private record Hostile(String body, String contentType) {
    }

    private Hostile generate(Random random, int port, int index) {
        ObjectNode request = random.nextBoolean() ? server.s3Request("/fuzz/" + index) : server.localRequest(server.workDir.resolve("fuzz-" + index));
        int kind = random.nextInt(6);
        switch (kind) {
            case 0, 1 -> {
                StringBuilder path = new StringBuilder(pick(random, PREFIXES));
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    path.append(pick(random, SEGMENTS)).append(random.nextInt(4) == 0 ? "//" : "/");
                }
                path.append("fuzz-").append(index);
                request.with("export_paths").putArray("paths").add(path.toString()
                        .replace("ROOT", server.workDir.toString()).replace("PORT", Integer.toString(port)));
            }
            case 2 -> {
                ObjectNode storage = server.s3Request("/fuzz/" + index).with("export_paths").with("storage_config");
                storage.with("options").put("endpoint", pick(random, ENDPOINTS).replace("PORT", Integer.toString(port)));
                storage.with("options").put("allow_http", true);
                request.with("export_paths").set("storage_config", storage);
            }
            case 3 -> {
                // From an S3 request, whose secret key a misused field must never echo.
                request = server.s3Request("/fuzz/" + index);
                String field = pick(random, FIELDS);
                JsonNode value = TestServer.JSON.valueToTree(switch (random.nextInt(9)) {
                    case 0 -> -random.nextInt(1000);
                    case 1 -> Long.MAX_VALUE;
                    case 2 -> random.nextInt(100);
                    case 3 -> "x".repeat(random.nextInt(5000));
                    case 4 -> 1.5;
                    case 5 -> List.of(1, 2);
                    case 6 -> Map.of("a", 1);
                    case 7 -> random.nextBoolean();
                    default -> "Parquet\n" + TestServer.SECRET_KEY;
                });
                request.set(field, value);
            }
            case 4 -> {
                ObjectNode storage = server.s3Request("/fuzz/" + index).with("export_paths").with("storage_config");
                String[] targets = {"bucket", "storage_type", "credentials", "options"};
                storage.set(pick(random, targets), TestServer.JSON.valueToTree(random.nextBoolean() ? "B\u0000ad_" + index : List.of()));
                request.with("export_paths").set("storage_config", storage);
            }
            default -> {
                String json = request.toString();
                String[] bodies = {json + " trailing", json + json, json.substring(0, random.nextInt(json.length())),
                        "[".repeat(5000), "{\"export_paths\": " + "{\"a\":".repeat(2000), "\u0000\u0001garbage", "", "null", "[]",
                        "{\"" + "k".repeat(40_000) + "\": 1}"};
                String[] types = {"application/json", "application/json; charset=utf-8", "application/jsonp", "text/plain",
                        "application/json; charset=latin1", "multipart/form-data"};
                return new Hostile(pick(random, bodies), pick(random, types));
            }
        }
        return new Hostile(request.toString(), "application/json");
    }

    /** What is wrong with an answer, or null. */
    private static String check(TestServer.Response response) {
        if (response.status() >= 500 && response.status() != 502 && response.status() != 504) {
            return "status " + response.status() + " " + response.body();
        }
        JsonNode json;
        try {
            json = response.json();
        } catch (IllegalStateException e) {
            return "not the envelope: " + response.body();
        }
        if (json.get("code") == null || json.get("code").asInt() != response.status()) {
            return "code differs from status: " + response.body();
        }
        if (response.body().contains(TestServer.SECRET_KEY) || response.body().contains(TestServer.TOKEN) || response.body().contains("\tat ")) {
            return "secret or stack trace: " + response.body();
        }
        if (response.body().length() > 2000) {
            return "answer of " + response.body().length() + " characters";
        }
        return null;
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static Set<String> entries(Path directory) throws IOException {
        try (var list = Files.list(directory)) {
            return list.map(path -> path.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
