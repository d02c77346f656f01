package org.dataexport.job;

import java.util.concurrent.ThreadFactory;

/** Threads of the service's own timers and workers: named, and never keeping a JVM alive on their own. */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
