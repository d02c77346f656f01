package org.dataexport.job.commit;

import java.time.Duration;
import java.util.Objects;

/**
 * How an export holds its destination: {@code owner} names the process in the claim (a launcher, a
 * spark-submit run), {@code lease} is how long a claim holds without a heartbeat (refreshed every
 * third of it); a claim older than that is abandoned and the next export reclaims the destination.
 * {@code settle} is how long an object store is given before a new claim is read back (a store that
 * checks a condition and writes in two steps may keep another export's claim written at the same moment).
 */
public record LeaseSettings(String owner, Duration lease, Duration settle) {
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SETTLE = Duration.ofMillis(200);

    public LeaseSettings {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(settle, "settle");
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("a destination lease must be at least 1 s (exports.lease_seconds)");
        }
        if (settle.isNegative() || settle.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("a claim's settle time must be at least 0 and below the lease: " + settle);
        }
    }

    public LeaseSettings(String owner, Duration lease) {
        this(owner, lease, DEFAULT_SETTLE);
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
