package org.dataexport.launcher.jobs;

import java.util.Objects;

/**
 * How the launcher runs jobs.
 *
 * @param launcherId    names this launcher in the store: stable across its restarts, distinct among the
 *                      launchers sharing a store (a restart marks the jobs it had interrupted)
 * @param maxRunning    exports running at once ({@code exports.max_running})
 * @param maxQueued     exports waiting beyond those ({@code exports.max_queued}); more get 429
 * @param timeoutSeconds a running export is cancelled after this long ({@code exports.timeout_seconds})
 * @param retentionDays ended jobs are deleted after this many days ({@code jobs.retention_days})
 */
public record JobSettings(String launcherId, int maxRunning, int maxQueued, long timeoutSeconds, int retentionDays) {
    public JobSettings {
        Objects.requireNonNull(launcherId, "launcherId");
        if (launcherId.isBlank() || launcherId.length() > 255) {
            throw new IllegalArgumentException("jobs.launcher_id must be 1 to 255 characters");
        }
        if (maxRunning < 1 || maxQueued < 0 || timeoutSeconds < 1 || retentionDays < 1) {
            throw new IllegalArgumentException("exports.max_running, exports.timeout_seconds and jobs.retention_days must be positive, "
                    + "exports.max_queued at least 0");
        }
    }
}
