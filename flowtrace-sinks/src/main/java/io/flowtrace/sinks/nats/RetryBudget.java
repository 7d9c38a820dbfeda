package io.flowtrace.sinks.nats;

import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.Pause;

import java.util.function.LongSupplier;

/**
 * The retry timing of one NATS sink: its backoff and budget, the clock the budget counts on and the wait, so that
 * tests can drive both. Immutable; the waits happen on the calling thread.
 */
record RetryBudget(Backoff backoff, Pause pause, LongSupplier nanoTime) {

    long now() {
        return nanoTime.getAsLong();
    }

    /**
     * The wait before retry number {@code retry} of something first tried at {@code firstNanos}, or -1 when that
     * retry would start after the budget.
     */
    long delayWithin(long firstNanos, int retry) {
        long delay = backoff.delayNanos(retry);
        return backoff.allows(nanoTime.getAsLong() - firstNanos, delay) ? delay : -1;
    }

    void pause(long delayNanos) throws InterruptedException {
        pause.pause(delayNanos);
    }
}
