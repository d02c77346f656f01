package org.dataexport.launcher.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two peaks per case: the process's resident memory over its timed runs (Linux's VmHWM, reset before
 * them by writing 5 to /proc/self/clear_refs), which holds whatever heap the collector chose to keep;
 * and the live heap, the most the export held: measured in one more, untimed run during which the
 * heap is collected in full every {@link #SAMPLE_MILLIS} ms and its use read right after (young
 * collections leave the old generation's garbage in place, so the heap in use after them grows with
 * the run's length, not with what the export holds).
 */
final class PeakMemory {
    private static final long SAMPLE_MILLIS = 100;

    private PeakMemory() {
    }

    /** A case's two peaks, in bytes. */
    record Peaks(long residentBytes, long liveHeapBytes) {
        static final Peaks NONE = new Peaks(0, 0);
    }

    interface Run {
        void run() throws Exception;
    }

    /** Resets the resident peak: what {@link #residentPeak} reads from now on. */
    static void reset() {
        System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // Not Linux, or not allowed: the peak then runs from the process's start.
        }
    }

    /** The most heap in use right after a full collection while {@code run} ran, in bytes. */
    static long liveHeap(Run run) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                System.gc();
                peak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "live-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            run.run();
        } finally {
            done.set(true);
            sampler.join();
        }
        return peak.get();
    }

    /** Bytes, or 0 where /proc is not there. */
    static long residentPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
