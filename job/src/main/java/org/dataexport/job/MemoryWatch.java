package org.dataexport.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak resident memory of this process while one export runs, sampled from /proc/self/status
 * (VmRSS) every 20 ms. The kernel's own high-water mark (VmHWM) covers the whole life of the process,
 * not one export, and resetting it would disturb exports running beside this one.
 */
public final class MemoryWatch implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long SAMPLE_MILLIS = 20;

    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    private MemoryWatch() {
        sample();
        sampler = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    public static MemoryWatch start() {
        return new MemoryWatch();
    }

    public long peakBytes() {
        sample();
        return peak.get();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }

    private void sample() {
        long rss = residentBytes();
        peak.accumulateAndGet(rss, Math::max);
    }

    /** VmRSS of this process in bytes, or 0 where /proc is not available. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
