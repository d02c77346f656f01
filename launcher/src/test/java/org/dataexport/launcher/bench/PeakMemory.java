package org.dataexport.launcher.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two peaks per case, both reset before it: the process's resident memory (Linux's VmHWM, reset by
 * writing 5 to /proc/self/clear_refs), which holds whatever heap the collector chose to keep; and the
 * heap in use right after each garbage collection, the most of it seen: what the export still held
 * when its garbage was gone.
 */
final class PeakMemory {
    private static final AtomicLong PEAK_HEAP_AFTER_GC = new AtomicLong();

    static {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
                    PEAK_HEAP_AFTER_GC.accumulateAndGet(used, Math::max);
                }, null, null);
            }
        }
    }

    private PeakMemory() {
    }

    /** A case's two peaks, in bytes. */
    record Peaks(long residentBytes, long heapAfterGcBytes) {
        static final Peaks NONE = new Peaks(0, 0);
    }

    /** Both peaks since the last reset. */
    static Peaks read() {
        return new Peaks(peakResidentBytes(), PEAK_HEAP_AFTER_GC.get());
    }

    static void reset() {
        System.gc();
        PEAK_HEAP_AFTER_GC.set(0);
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // Not Linux, or not allowed: the peak then runs from the process's start.
        }
    }

    /** Bytes, or 0 where /proc is not there. */
    private static long peakResidentBytes() {
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
