package org.dataexport.job.commit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cleanups that failed (the storage was unreachable) retried in the background with exponential
 * backoff, from 1 s up to 5 minutes between attempts, for as long as this process runs or a day has
 * passed. Meanwhile the destination's claim expires by itself: the next export reclaims it anyway.
 */
public final class BackgroundCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundCleanup.class);
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final Duration LONGEST = Duration.ofMinutes(5);
    private static final Duration GIVE_UP = Duration.ofDays(1);
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static final ScheduledExecutorService RETRIES = Executors.newScheduledThreadPool(1, org.dataexport.job.DaemonThreads.named("export-cleanup-retry"));

    private BackgroundCleanup() {
    }

    /** One attempt at a cleanup: true when done. */
    public interface Attempt {
        boolean run();
    }

    public static void retry(String what, Attempt attempt) {
        PENDING.incrementAndGet();
        schedule(what, attempt, FIRST, System.nanoTime() + GIVE_UP.toNanos());
    }

    /** Cleanups still waiting for a retry. */
    public static int pending() {
        return PENDING.get();
    }

    private static void schedule(String what, Attempt attempt, Duration delay, long deadline) {
        RETRIES.schedule(() -> {
            if (attempt.run()) {
                PENDING.decrementAndGet();
                LOG.info("cleaned up {} after a retry", what);
            } else if (System.nanoTime() > deadline) {
                PENDING.decrementAndGet();
                LOG.warn("gave up cleaning up {} after a day of retries; the next export to it reclaims it", what);
            } else {
                Duration next = delay.multipliedBy(2).compareTo(LONGEST) > 0 ? LONGEST : delay.multipliedBy(2);
                schedule(what, attempt, next, deadline);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
}
