package io.flowtrace.core.internal;

import io.flowtrace.core.FlowTraceException;

/**
 * The pipeline's failure flag: the first thread that fails (a worker's flow cache threw) raises it, the source thread
 * and the other workers see it and stop waiting for each other, and the run ends with that failure. Thread-safe.
 */
final class AbortSignal {
    private final Runnable onAbort;
    private volatile Throwable cause;

    /** {@code onAbort}: stops the sources; runs on the failing thread, once per failure. */
    AbortSignal(Runnable onAbort) {
        this.onAbort = onAbort;
    }

    /** Raises the flag with {@code t} (the first cause wins) and stops the sources. */
    void abort(Throwable t) {
        synchronized (this) {
            if (cause == null) {
                cause = t;
            }
        }
        onAbort.run();
    }

    boolean aborted() {
        return cause != null;
    }

    /** The failure to throw from {@link Pipeline#run()} (and from a source thread waiting for a worker). */
    FlowTraceException failure() {
        Throwable t = cause;
        return new FlowTraceException("pipeline failed: " + t, t);
    }
}
