package org.dataexport.job.commit;

import java.time.Duration;
import java.util.Objects;

/**
 * How an export holds its destination: {@code owner} names the process in the claim (a launcher, a
 * spark-submit run), {@code lease} is how long a claim holds without a heartbeat (refreshed every
 * third of it); a claim older than that is abandoned and the next export reclaims the destination.
 */
public record LeaseSettings(String owner, Duration lease) {
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    public LeaseSettings {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lease, "lease");
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("a destination lease must be at least 1 s (exports.lease_seconds)");
        }
    }

    /** A run by hand: the host and process. */
    public static LeaseSettings forThisProcess(String kind) {
        return new LeaseSettings(kind + " " + ProcessHandle.current().pid() + "@" + host(), DEFAULT_LEASE);
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
