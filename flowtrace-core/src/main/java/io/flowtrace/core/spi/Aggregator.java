package io.flowtrace.core.spi;

import io.flowtrace.core.FlowEvent;

/**
 * A named analytics task (exact counts, a sketch) fed on one worker thread. The pipeline creates one instance per
 * worker with {@link #newEmpty()}, feeds it packets and finished flows, and at each snapshot merges the workers'
 * {@link #copy()}s into a fresh instance. {@link #onPacket} is on the packet path: no allocation, no locks.
 * An instance is used by one thread at a time.
 */
public interface Aggregator {

    /** The task name given in the configuration. */
    String task();

    /** The provider's name, e.g. {@code exact}, {@code count-min}. */
    String type();

    /** Called for every decoded IP packet on this worker. */
    default void onPacket(PacketView packet) {
    }

    /** Called for every finished flow event on this worker. */
    default void onFlow(FlowEvent record) {
    }

    /** A new, empty instance with the same parameters. */
    Aggregator newEmpty();

    /** An independent copy of the current state. */
    Aggregator copy();

    /**
     * Adds another instance's state to this one.
     *
     * @throws IllegalArgumentException when {@code other} has different parameters: <em>expected X, got Y</em>
     */
    void merge(Aggregator other);

    /** Clears the state (start of a new period). */
    void reset();

    /** The current result as a snapshot over the given window. */
    Snapshot snapshot(long startNanos, long endNanos);
}
