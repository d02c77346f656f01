package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed and refused exports: the right status, nothing partial left, nothing already there touched, no secret shown. */
class ExportSafetyTest {
    private final TestServer server = TestServer.get();

    @Test
    void localDestinationHoldingFilesIsRefusedAndUntouched() throws Exception {
        Path destination = server.newLocalDestination("occupied");
        Files.createDirectories(destination);
        Files.writeString(destination.resolve("keep.txt"), "precious");

        TestServer.Response response = server.post(server.localRequest(destination).toString());

        assertEquals(409, response.status());
        assertEquals("DestinationNotEmpty", response.json().at("/exception/type").asText());
        assertEquals(new TreeSet<>(List.of("keep.txt")), WrittenOutput.local(destination).entries());
        assertEquals("precious", Files.readString(destination.resolve("keep.txt")));
    }

    @Test
    void stagingLeftWithoutAClaimIsReclaimed() throws Exception {
        Path destination = server.newLocalDestination("crashed-before");
        Files.createDirectories(destination.resolve("_temporary/an-old-export"));
        Files.writeString(destination.resolve("_temporary/an-old-export/00000-1-00000.parquet"), "partial");

        TestServer.Response response = server.post(server.localRequest(destination).toString());

        assertEquals(200, response.status(), response.body());
        WrittenOutput.local(destination).assertMatches(response.json());
    }

    @Test
    void destinationThatIsAFileIsRefused() throws Exception {
        Path destination = server.newLocalDestination("a-file");
        Files.writeString(destination, "not a directory");

        assertEquals(409, server.post(server.localRequest(destination).toString()).status());
        assertEquals("not a directory", Files.readString(destination));
    }

    @Test
    void s3DestinationHoldingObjectsIsRefusedAndUntouched() {
        server.s3.blobStore().putBlob(TestServer.BUCKET,
                server.s3.blobStore().blobBuilder("occupied/prefix/data.csv").payload("a,b\n1,2\n").build());

        TestServer.Response response = server.post(server.s3Request("/occupied/prefix").toString());

        assertEquals(409, response.status(), response.body());
        assertEquals(List.of("occupied/prefix/data.csv"), keys("occupied/"));
    }

    @Test
    void wrongSecretIsAStorageRefusalAndWritesNothing() {
        ObjectNode request = server.s3Request("/wrong/secret");
        ((ObjectNode) request.at("/export_paths/storage_config/credentials")).put("secret_key", "wrong-secret-3f9a1c7e");

        TestServer.Response response = server.post(request.toString());

        assertEquals(502, response.status(), response.body());
        assertEquals("StorageError", response.json().at("/exception/type").asText());
        assertTrue(response.json().at("/exception/message").asText().contains("AccessDenied"), response.body());
        assertFalse(response.body().contains("wrong-secret-3f9a1c7e"));
        assertEquals(List.of(), keys("wrong/"));
    }

    @Test
    void credentialsAreNotReusedAcrossRequests() {
        assertEquals(200, server.post(server.s3Request("/reuse/first").toString()).status());

        ObjectNode second = server.s3Request("/reuse/second");
        ((ObjectNode) second.at("/export_paths/storage_config/credentials")).put("secret_key", "another-wrong-secret");
        assertEquals(502, server.post(second.toString()).status(), "a request with a wrong secret must not ride on a cached client");
        assertTrue(keys("reuse/second").isEmpty());
    }

    @Test
    void missingBucketIsAStorageRefusal() {
        ObjectNode request = server.s3Request("/export/dir");
        ((ObjectNode) request.at("/export_paths/storage_config")).put("bucket", "no-such-bucket");

        TestServer.Response response = server.post(request.toString());

        assertEquals(502, response.status(), response.body());
        assertTrue(response.json().at("/exception/message").asText().contains("NoSuchBucket"), response.body());
    }

    @Test
    void unreachableStorageIsA502() throws IOException {
        int closedPort = TestServer.CLOSED_PORT;
        ObjectNode request = server.s3Request("/export/dir");
        ((ObjectNode) request.at("/export_paths/storage_config/options")).put("endpoint", "http://127.0.0.1:" + closedPort);

        TestServer.Response response = server.post(request.toString());

        assertEquals(502, response.status(), response.body());
        assertEquals("StorageUnreachable", response.json().at("/exception/type").asText());
    }

    @Test
    void failureWhileWritingLeavesNoLocalFiles() throws Exception {
        Path destination = server.newLocalDestination("broken");
        TestServer.Response response = server.post(server.localRequest(destination).put("dataset", "broken").toString());

        assertEquals(500, response.status(), response.body());
        assertEquals("ExportFailed", response.json().at("/exception/type").asText());
        assertFalse(response.body().contains("\tat "), "no stack trace in the response");
        assertFalse(Files.exists(destination), "the directory the export created is gone again");
    }

    @Test
    void failureWhileWritingLeavesExistingEmptyDirectoryAsItWas() throws Exception {
        Path destination = server.newLocalDestination("broken-existing");
        Files.createDirectories(destination);

        assertEquals(500, server.post(server.localRequest(destination).put("dataset", "broken").toString()).status());
        assertTrue(Files.isDirectory(destination));
        assertEquals(new TreeSet<>(), WrittenOutput.local(destination).entries());
    }

    @Test
    void failureWhileWritingLeavesNoS3Objects() {
        TestServer.Response response = server.post(server.s3Request("/broken/s3").put("dataset", "broken").toString());

        assertEquals(500, response.status(), response.body());
        assertEquals(List.of(), keys("broken/"));
    }

    @AfterAll
    static void noSecretWasLogged() throws IOException {
        String log = TestServer.get().log();
        assertFalse(log.contains(TestServer.SECRET_KEY), "the secret key appears in the log");
        assertFalse(log.contains(TestServer.ACCESS_KEY), "the access key appears in the log");
        assertFalse(log.contains(TestServer.TOKEN), "the API token appears in the log");
        assertFalse(log.contains("wrong-secret-3f9a1c7e"), "a rejected secret appears in the log");
    }

    private List<String> keys(String prefix) {
        Iterable<? extends StorageMetadata> listing = server.s3.blobStore()
                .list(TestServer.BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive());
        return StreamSupport.stream(listing.spliterator(), false)
                .map(StorageMetadata::getName)
                .filter(name -> !name.endsWith("/"))
                .sorted()
                .toList();
    }
}
