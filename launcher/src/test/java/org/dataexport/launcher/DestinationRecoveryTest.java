package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.dataexport.job.commit.DestinationLease;
import org.dataexport.job.commit.LeaseSettings;
import org.dataexport.job.failure.ExportFailure;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.dataexport.launcher.TestServer.inState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Destinations recover by themselves: abandoned staging is reclaimed once its claim's lease has
 * expired, a live claim keeps everyone else out, racing writers get one claim, and a storage fault
 * in the middle of an export blocks its destination for no longer than the lease. On S3 (S3Proxy,
 * which honours If-None-Match and If-Match) and on a local directory.
 */
class DestinationRecoveryTest {
    private final TestServer server = TestServer.get();

    private static byte[] claim(String exportId, Instant heartbeat, Duration lease) {
        return ("{\"export_id\":\"" + exportId + "\",\"owner\":\"a launcher that died\",\"heartbeat_at\":\"" + heartbeat
                + "\",\"lease_ms\":" + lease.toMillis() + "}").getBytes(StandardCharsets.UTF_8);
    }

    private void putBlob(String key, byte[] content) {
        BlobStore store = server.s3.blobStore();
        store.putBlob(TestServer.BUCKET, store.blobBuilder(key).payload(content).build());
    }

    @Test
    void abandonedStagingOnS3IsReclaimedAndTheBucketHoldsExactlyTheExport() throws Exception {
        String prefix = "recover/abandoned-" + System.nanoTime();
        putBlob(prefix + "/_temporary/_claim", claim("dead-export", Instant.now().minusSeconds(600), Duration.ofSeconds(60)));
        putBlob(prefix + "/_temporary/dead-export/00000-1-00000.parquet", "partial".getBytes(StandardCharsets.UTF_8));

        TestServer.Response response = server.post(server.s3Request("/" + prefix).toString());

        assertEquals(200, response.status(), response.body());
        WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir).assertMatches(response.json());
    }

    @Test
    void aLiveClaimOnS3Gets409NamingItsExportAndIsNotTouched() throws Exception {
        String prefix = "recover/live-" + System.nanoTime();
        byte[] live = claim("live-export-7", Instant.now(), Duration.ofSeconds(600));
        putBlob(prefix + "/_temporary/_claim", live);

        TestServer.Response response = server.post(server.s3Request("/" + prefix).toString());

        assertEquals(409, response.status(), response.body());
        String message = response.json().at("/exception/message").asText();
        assertTrue(message.contains("live-export-7") && message.contains("lease expires at"), message);
        try (var in = server.s3.blobStore().getBlob(TestServer.BUCKET, prefix + "/_temporary/_claim").getPayload().openStream()) {
            assertEquals(new String(live, StandardCharsets.UTF_8), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void abandonedStagingInALocalDirectoryIsReclaimed() throws Exception {
        java.nio.file.Path destination = server.newLocalDestination("abandoned");
        java.nio.file.Path claimFile = destination.resolve("_temporary/_claim");
        Files.createDirectories(destination.resolve("_temporary/dead-export"));
        Files.writeString(destination.resolve("_temporary/dead-export/00000-1-00000.parquet"), "partial");
        Files.write(claimFile, claim("dead-export", Instant.now().minusSeconds(600), Duration.ofSeconds(60)));
        Files.setLastModifiedTime(claimFile, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(600)));

        TestServer.Response response = server.post(server.localRequest(destination).toString());

        assertEquals(200, response.status(), response.body());
        WrittenOutput.local(destination).assertMatches(response.json());
    }

    @Test
    void writersRacingOnS3GetOneClaimAndOneReclaim() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path destination = new Path("s3a://" + TestServer.OTHER_BUCKET + "/race-" + System.nanoTime());
            assertEquals(1, race(destination, "fresh"));
            putBlob(TestServer.OTHER_BUCKET, destination.toUri().getPath().substring(1) + "/_temporary/_claim",
                    claim("dead-export", Instant.now().minusSeconds(600), Duration.ofSeconds(60)));
            assertEquals(1, race(destination, "reclaim"), "two reclaimers never both win");
        }
    }

    private void putBlob(String bucket, String key, byte[] content) {
        BlobStore store = server.s3.blobStore();
        store.putBlob(bucket, store.blobBuilder(key).payload(content).build());
    }

    private Configuration s3Conf() {
        Configuration conf = new Configuration();
        conf.set("fs.s3a.endpoint", server.s3.endpoint());
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.set("fs.s3a.path.style.access", "true");
        conf.set("fs.s3a.connection.ssl.enabled", "false");
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.access.key", TestServer.ACCESS_KEY);
        conf.set("fs.s3a.secret.key", TestServer.SECRET_KEY);
        return conf;
    }

    /** Eight writers, each with a file system of its own, claim one destination at once; returns how many won. */
    private int race(Path destination, String name) throws Exception {
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<DestinationLease>> attempts = new ArrayList<>();
        List<FileSystem> systems = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + TestServer.OTHER_BUCKET + "/"), s3Conf());
            systems.add(fs);
            String exportId = name + "-" + i;
            attempts.add(pool.submit(() -> {
                start.await();
                try {
                    return DestinationLease.acquire(fs, destination, exportId, new LeaseSettings("racer", Duration.ofSeconds(30)), lost -> { });
                } catch (ExportFailure refused) {
                    assertEquals(409, refused.status(), refused.getMessage());
                    return null;
                }
            }));
        }
        start.countDown();
        List<DestinationLease> won = new ArrayList<>();
        for (Future<DestinationLease> attempt : attempts) {
            if (attempt.get() != null) {
                won.add(attempt.get());
            }
        }
        for (DestinationLease lease : won) {
            lease.release();
        }
        pool.shutdown();
        for (FileSystem fs : systems) {
            fs.close();
        }
        return won.size();
    }

    @Test
    void failedUploadsOrCommitsLeaveNothingAndTheNextExportSucceeds() throws Exception {
        try (FaultProxy proxy = new FaultProxy(TestServer.FAULT_PROXY_PORT, server.s3.port())) {
            // The default layout's files and single_file's merged file go straight to their final keys, to be
            // completed at the commit; one row group a file is staged and copied into place at the commit.
            // FAIL_PARTS: an upload that exists and is recorded fails part way (staged files of that size go up whole).
            for (FaultProxy.Mode fault : List.of(FaultProxy.Mode.FAIL_UPLOADS, FaultProxy.Mode.FAIL_COMMITS, FaultProxy.Mode.FAIL_PARTS)) {
                for (String layout : fault == FaultProxy.Mode.FAIL_PARTS ? List.of("default")
                        : List.of("default", "max_row_groups_per_file", "single_file")) {
                    String prefix = "recover/" + fault + "-" + layout + "-" + System.nanoTime();
                    ObjectNode request = server.s3Request("/" + prefix).put("dataset", "orders");
                    if (layout.equals("max_row_groups_per_file")) {
                        request.put(layout, 1);
                    } else if (layout.equals("single_file")) {
                        request.put("mode", layout);
                    }
                    ((ObjectNode) request.at("/export_paths/storage_config/options")).put("endpoint", proxy.endpoint());
                    int before = proxy.failed();
                    proxy.mode(fault);

                    TestServer.Response failed = server.post(request.toString());

                    assertEquals(502, failed.status(), fault + " " + layout + ": " + failed.body());
                    assertTrue(proxy.failed() > before, fault + " was injected");
                    List<String> left = new ArrayList<>();
                    server.s3.blobStore().list(TestServer.BUCKET, org.jclouds.blobstore.options.ListContainerOptions.Builder
                            .prefix(prefix + "/").recursive()).forEach(entry -> left.add(entry.getName()));
                    assertEquals(List.of(), left, fault + ": nothing left in the bucket");
                    proxy.mode(FaultProxy.Mode.PASS);
                    TestServer.Response healthy = server.post(request.toString());
                    assertEquals(200, healthy.status(), fault + ": " + healthy.body());
                    WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir).assertMatches(healthy.json());
                }
            }
        }
    }

    @Test
    void aStorageFaultMidExportBlocksTheDestinationNoLongerThanTheLease() throws Exception {
        try (FaultProxy proxy = new FaultProxy(TestServer.FAULT_PROXY_PORT, server.s3.port())) {
            String prefix = "recover/fault-" + System.nanoTime();
            ObjectNode request = server.s3Request("/" + prefix).put("dataset", "slow");
            ((ObjectNode) request.at("/export_paths/storage_config/options")).put("endpoint", proxy.endpoint());
            TestServer.Response accepted = server.postWith(server.baseUrl(), request.toString(), Map.of("Prefer", "respond-async"));
            assertEquals(202, accepted.status(), accepted.body());
            String id = accepted.json().at("/data/export_id").asText();
            server.awaitJob(server.baseUrl(), id, job -> job.at("/data/progress/tasks_done").asLong() >= 1, 30_000);

            proxy.fail(true);
            JsonNode failed = server.awaitJob(server.baseUrl(), id, inState("failed"), 60_000);
            assertTrue(failed.at("/exception/type").asText().startsWith("Storage"), failed.toString());
            proxy.fail(false);

            long deadline = System.nanoTime() + Duration.ofSeconds(TestServer.LEASE_SECONDS + 20).toNanos();
            TestServer.Response retried = null;
            while (System.nanoTime() < deadline) {
                retried = server.post(request.put("dataset", "orders").toString());
                if (retried.status() != 409) {
                    break;
                }
                Thread.sleep(500);
            }
            assertNotNull(retried);
            assertEquals(200, retried.status(), retried.body());
            WrittenOutput.s3(server.s3.blobStore(), TestServer.BUCKET, prefix, server.workDir).assertMatches(retried.json());
        }
    }
}
