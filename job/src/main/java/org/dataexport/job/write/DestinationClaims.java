package org.dataexport.job.write;

import org.dataexport.job.failure.ExportFailure;

import java.util.HashSet;
import java.util.Set;

/**
 * The destinations exports of this process are writing to. A destination is refused while it, a
 * directory above it or one below it is claimed: two exports must never write into one another's
 * output. Holds within one JVM; exports started by other processes are not seen.
 */
public final class DestinationClaims {
    private static final Set<String> CLAIMED = new HashSet<>();

    private DestinationClaims() {
    }

    /** Claims the destination (a qualified URI or path) or fails with 409; the returned action releases it. */
    public static synchronized Runnable claim(String destination) {
        String key = destination.replaceAll("/+$", "");
        for (String claimed : CLAIMED) {
            if (claimed.equals(key) || key.startsWith(claimed + "/") || claimed.startsWith(key + "/")) {
                throw ExportFailure.destinationNotEmpty(destination, "is being written by another export"
                        + (claimed.equals(key) ? "" : " (to " + claimed + ")"));
            }
        }
        CLAIMED.add(key);
        return () -> release(key);
    }

    private static synchronized void release(String key) {
        CLAIMED.remove(key);
    }
}
