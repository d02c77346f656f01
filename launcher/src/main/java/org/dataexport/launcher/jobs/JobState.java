package org.dataexport.launcher.jobs;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The states of an export job: {@code queued -> running -> succeeded / failed / cancelled}; a job that
 * was queued or running when its launcher stopped reads {@code interrupted}.
 */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED;

    /** The name in the API and in the job store. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean ended() {
        return this != QUEUED && this != RUNNING;
    }

    public static Optional<JobState> fromApiName(String name) {
        return Arrays.stream(values()).filter(state -> state.apiName().equals(name)).findFirst();
    }
}
