package org.dataexport.launcher.jobs;

import org.dataexport.job.progress.Progress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job store below HTTP, on a real SQLite file. */
class JobStoreTest {
    @TempDir
    Path dir;
    private JobStore store;

    @BeforeEach
    void open() {
        store = JobStore.open("jdbc:sqlite:" + dir.resolve("jobs.db"), Optional.empty(), Optional.empty());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JobRecord queued(String owner, String launcher, Instant at) {
        return JobRecord.queued(UUID.randomUUID().toString(), owner, launcher, at,
                new JobRecord.Target("s3://bucket/prefix", Optional.of("bucket"), "Parquet", "multi_file"));
    }

    @Test
    void aJobGoesThroughItsStatesOnceAndOnlyItsOwnerSeesIt() {
        JobRecord job = queued("alice", "l1", Instant.now());
        assertEquals(Optional.empty(), store.insert(job, Optional.empty(), Optional.empty()));

        assertTrue(store.start(job.exportId(), Instant.now()));
        assertFalse(store.start(job.exportId(), Instant.now()), "started once");
        assertFalse(store.progress(job.exportId(), new Progress(4, 1, 10, 100, 1)));
        assertEquals(new Progress(4, 1, 10, 100, 1), store.get(job.exportId(), "alice").orElseThrow().progress());
        assertTrue(store.finish(job.exportId(), JobState.SUCCEEDED, Instant.now(), new Progress(4, 4, 40, 400, 2),
                Optional.of("{\"code\":200}"), Optional.empty()));
        assertFalse(store.finish(job.exportId(), JobState.FAILED, Instant.now(), Progress.NONE, Optional.empty(), Optional.empty()),
                "an ended job stays as it ended");

        JobRecord ended = store.get(job.exportId(), "alice").orElseThrow();
        assertEquals(JobState.SUCCEEDED, ended.state());
        assertEquals(Optional.of("{\"code\":200}"), ended.outcome());
        assertEquals(Optional.empty(), store.get(job.exportId(), "bob"));
        assertFalse(store.requestCancel(job.exportId(), "too late"));
    }

    @Test
    void listIsTheOwnersNewestFirstInAState() {
        Instant now = Instant.now();
        JobRecord older = queued("alice", "l1", now.minusSeconds(10));
        JobRecord newer = queued("alice", "l1", now);
        JobRecord others = queued("bob", "l1", now);
        for (JobRecord job : List.of(older, newer, others)) {
            store.insert(job, Optional.empty(), Optional.empty());
        }
        store.start(newer.exportId(), now);

        assertEquals(List.of(newer.exportId(), older.exportId()), store.list("alice", Optional.empty(), 10).stream().map(JobRecord::exportId).toList());
        assertEquals(List.of(older.exportId()), store.list("alice", Optional.of(JobState.QUEUED), 10).stream().map(JobRecord::exportId).toList());
        assertEquals(1, store.list("alice", Optional.empty(), 1).size());
    }

    @Test
    void anIdempotencyKeyHoldsOneJobForADay() {
        Instant now = Instant.now();
        JobRecord first = queued("alice", "l1", now.minus(Duration.ofHours(25)));
        store.insert(first, Optional.of("key"), Optional.of("body-1"));

        JobRecord second = queued("alice", "l1", now);
        JobStore.Keyed holder = store.insert(second, Optional.of("key"), Optional.of("body-2")).orElseThrow();
        assertEquals(first.exportId(), holder.job().exportId(), "the key is taken");
        assertEquals(Optional.of("body-1"), holder.requestDigest());
        assertEquals(Optional.empty(), store.insert(queued("bob", "l1", now), Optional.of("key"), Optional.of("body-1")),
                "another owner's key is another key");

        assertEquals(Optional.empty(), store.keyHolder("alice", "key", now.minus(Duration.ofHours(24))), "forgotten after 24 hours");
        assertEquals(Optional.empty(), store.insert(second, Optional.of("key"), Optional.of("body-2")));
        assertEquals(second.exportId(), store.keyHolder("alice", "key", now.minus(Duration.ofHours(24))).orElseThrow().job().exportId());
    }

    @Test
    void aRestartInterruptsOnlyItsOwnUnfinishedJobsAndOldRecordsGo() {
        Instant now = Instant.now();
        JobRecord mine = queued("alice", "l1", now);
        JobRecord theirs = queued("alice", "l2", now);
        JobRecord old = queued("alice", "l1", now.minus(Duration.ofDays(40)));
        for (JobRecord job : List.of(mine, theirs, old)) {
            store.insert(job, Optional.empty(), Optional.empty());
        }
        store.finish(old.exportId(), JobState.FAILED, now.minus(Duration.ofDays(31)), Progress.NONE, Optional.empty(), Optional.empty());

        assertEquals(1, store.interruptAll("l1", now, "restarted"));
        assertEquals(JobState.INTERRUPTED, store.get(mine.exportId(), "alice").orElseThrow().state());
        assertEquals(Optional.of("restarted"), store.get(mine.exportId(), "alice").orElseThrow().message());
        assertEquals(JobState.QUEUED, store.get(theirs.exportId(), "alice").orElseThrow().state());
        assertEquals(1, store.deleteEndedBefore(now.minus(Duration.ofDays(30))));
        assertEquals(Optional.empty(), store.get(old.exportId(), "alice"));
    }

    @Test
    void aRecordIsConsistentAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new JobRecord("id", "o", "l", JobState.SUCCEEDED, Instant.now(),
                Optional.empty(), Optional.empty(), new JobRecord.Target("p", Optional.empty(), "Parquet", "multi_file"),
                Progress.NONE, Optional.empty(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new Progress(-1, 0, 0, 0, 0));
    }
}
