package io.flowtrace.sinks.internal;

/**
 * Waits between retries. Injected so tests can observe and skip the waits; the real one is {@link #SLEEP}.
 */
@FunctionalInterface
public interface Pause {
    /** Sleeps with {@link Thread#sleep}; an interrupt ends the wait. */
    Pause SLEEP = nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));

    void pause(long nanos) throws InterruptedException;
}
