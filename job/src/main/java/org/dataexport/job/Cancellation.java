package org.dataexport.job;

import org.dataexport.job.failure.ExportFailure;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * How an export is stopped from outside: a time limit, a caller that went away, a cancel marker. The
 * first reason wins and becomes the export's failure; the hooks (cancelling the export's Spark jobs,
 * leaving a marker for a cluster job) run once, on whichever thread cancels.
 */
public final class Cancellation implements BooleanSupplier {
    private final List<Runnable> hooks = new ArrayList<>();
    private ExportFailure reason;

    public static Cancellation none() {
        return new Cancellation();
    }

    public void cancel(ExportFailure why) {
        List<Runnable> toRun;
        synchronized (this) {
            if (reason != null) {
                return;
            }
            reason = why;
            toRun = List.copyOf(hooks);
        }
        toRun.forEach(Runnable::run);
    }

    /** Runs the hook on cancellation, at once when already cancelled. */
    public void onCancel(Runnable hook) {
        synchronized (this) {
            if (reason == null) {
                hooks.add(hook);
                return;
            }
        }
        hook.run();
    }

    public synchronized Optional<ExportFailure> reason() {
        return Optional.ofNullable(reason);
    }

    /** Throws the reason when cancelled: the driver checks this before each step of its own. */
    public void check() {
        Optional<ExportFailure> why = reason();
        if (why.isPresent()) {
            throw why.get();
        }
    }

    @Override
    public boolean getAsBoolean() {
        return reason().isPresent();
    }
}
