package org.dataexport.job.commit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.dataexport.job.failure.ExportFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The claim protocol below any export, on the local file system (create-new and rename). */
class DestinationLeaseTest {
    private static final LeaseSettings SHORT = new LeaseSettings("test", Duration.ofSeconds(2));

    @TempDir
    java.nio.file.Path dir;
    private FileSystem fs;
    private Path destination;

    @BeforeEach
    void open() throws Exception {
        fs = FileSystem.newInstance(dir.toUri(), new Configuration());
        destination = new Path(dir.resolve("dest").toUri());
    }

    @AfterEach
    void close() throws Exception {
        fs.close();
    }

    private java.nio.file.Path claimFile() {
        return dir.resolve("dest/_temporary/_claim");
    }

    private void abandonedClaim(String exportId, Instant heartbeat) throws Exception {
        Files.createDirectories(claimFile().getParent());
        Files.write(claimFile(), new Claim(exportId, "dead launcher", heartbeat, Duration.ofSeconds(2)).toBytes());
        Files.setLastModifiedTime(claimFile(), java.nio.file.attribute.FileTime.from(heartbeat));
    }

    @Test
    void aLiveClaimKeepsOthersOutAndNamesItsExport() throws Exception {
        try (DestinationLease first = DestinationLease.acquire(fs, destination, "export-1", SHORT, lost -> { })) {
            ExportFailure refused = assertThrows(ExportFailure.class,
                    () -> DestinationLease.acquire(fs, destination, "export-2", SHORT, lost -> { }));
            assertEquals(409, refused.status());
            assertTrue(refused.getMessage().contains("export-1") && refused.getMessage().contains("lease expires at"), refused.getMessage());
            first.release();
        }
        assertFalse(Files.exists(claimFile()), "released");
        DestinationLease.acquire(fs, destination, "export-3", SHORT, lost -> { }).release();
    }

    @Test
    void aHolderRenewsItsClaimPastItsLease() throws Exception {
        try (DestinationLease lease = DestinationLease.acquire(fs, destination, "export-1", SHORT, lost -> { })) {
            Thread.sleep(3000);
            assertThrows(ExportFailure.class, () -> DestinationLease.acquire(fs, destination, "export-2", SHORT, lost -> { }),
                    "renewed by its heartbeat: still held after more than a lease");
            lease.verify();
            lease.release();
        }
    }

    @Test
    void anExpiredClaimIsReclaimedAndItsHolderFindsOut() throws Exception {
        AtomicReference<ExportFailure> lostIt = new AtomicReference<>();
        DestinationLease stale = DestinationLease.acquire(fs, destination, "export-1", SHORT, lostIt::set);
        stale.close();
        Files.setLastModifiedTime(claimFile(), java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(10)));
        rewriteHeartbeat(Instant.now().minusSeconds(10));

        try (DestinationLease taker = DestinationLease.acquire(fs, destination, "export-2", SHORT, lost -> { })) {
            assertTrue(taker.reclaimed());
            ExportFailure lost = assertThrows(ExportFailure.class, stale::verify);
            assertEquals(409, lost.status());
            assertTrue(new String(Files.readAllBytes(claimFile()), StandardCharsets.UTF_8).contains("export-2"));
            stale.release();
            assertTrue(Files.exists(claimFile()), "the loser never removes the winner's claim");
            taker.release();
        }
    }

    private void rewriteHeartbeat(Instant at) throws Exception {
        Claim claim = Claim.fromBytes(Files.readAllBytes(claimFile()));
        Files.write(claimFile(), new Claim(claim.exportId(), claim.owner(), at, claim.lease()).toBytes());
        Files.setLastModifiedTime(claimFile(), java.nio.file.attribute.FileTime.from(at));
    }

    @Test
    void writersRacingForOneDestinationGetOneClaim() throws Exception {
        for (int round = 0; round < 5; round++) {
            destination = new Path(dir.resolve("dest").toUri());
            assertEquals(1, race(8, "fresh"));
            abandonedClaim("dead-export", Instant.now().minusSeconds(60));
            assertEquals(1, race(8, "reclaim"), "two reclaimers never both win");
            org.apache.commons.io.FileUtils.deleteDirectory(dir.resolve("dest").toFile());
        }
    }

    /** Starts {@code writers} acquisitions at once, each on its own file system instance; returns how many won. */
    private int race(int writers, String name) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<DestinationLease>> attempts = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String exportId = name + "-" + i;
            attempts.add(pool.submit(() -> {
                try (FileSystem own = FileSystem.newInstance(dir.toUri(), new Configuration())) {
                    start.await();
                    return DestinationLease.acquire(own, destination, exportId, SHORT, lost -> { });
                } catch (ExportFailure refused) {
                    assertEquals(409, refused.status());
                    return null;
                }
            }));
        }
        start.countDown();
        List<DestinationLease> won = new ArrayList<>();
        for (Future<DestinationLease> attempt : attempts) {
            DestinationLease lease = attempt.get();
            if (lease != null) {
                won.add(lease);
            }
        }
        // Released only once every attempt has ended: a claim released early would let a late one in.
        for (DestinationLease lease : won) {
            lease.release(fs);
        }
        pool.shutdown();
        return won.size();
    }

    @Test
    void anUnreadableClaimIsAbandoned() throws Exception {
        Files.createDirectories(claimFile().getParent());
        Files.writeString(claimFile(), "{cut sh");
        Files.setLastModifiedTime(claimFile(), java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(10)));
        try (DestinationLease lease = DestinationLease.acquire(fs, destination, "export-1", SHORT, lost -> { })) {
            assertTrue(lease.reclaimed());
            lease.release();
        }
    }
}
