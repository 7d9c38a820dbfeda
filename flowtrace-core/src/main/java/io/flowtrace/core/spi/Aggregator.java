package io.flowtrace.core.spi;

import io.flowtrace.core.FlowEvent;

/**
 * A named analytics task (exact counts, a sketch) fed on worker threads. The pipeline creates one instance per
 * worker with {@link #newEmpty()}, feeds it packets and finished flows, and at each snapshot merges the workers'
 * {@link #copy()}s into a fresh instance whose {@link #snapshot} is delivered.
 *
 * <p>Threads: {@link #newEmpty()} is first called on the thread that builds the meter. {@link #onPacket},
 * {@link #onFlow}, {@link #copy()} and {@link #reset()} are called on the instance's worker thread only, one call
 * at a time. {@link #newEmpty()}, {@link #merge} and {@link #snapshot} on the copies are called on the worker
 * that hands in the last part of a window, under a lock (one merge at a time per meter); they never touch a
 * worker's live instance. {@link #toBytes()} is called on whichever thread ships state. A call that throws is
 * counted ({@code FlowStats.aggregatorFailures()} or {@code snapshotFailures()}) and never stops metering.
 *
 * @since 0.1
 */
public interface Aggregator {

    /** {@return the task name given in the configuration} */
    String task();

    /** {@return the provider's name, e.g. {@code exact}, {@code count-min}} */
    String type();

    /**
     * Called for every decoded IP packet on this worker, on the worker thread. On the packet path: no allocation,
     * no locks, no blocking; the view is valid only during the call.
     *
     * @param packet the decoded packet, valid only during this call
     */
    default void onPacket(PacketView packet) {
    }

    /**
     * Called for every finished flow on this worker, on the worker thread, before the event goes to the sinks.
     *
     * @param event the finished flow
     */
    default void onFlow(FlowEvent event) {
    }

    /** {@return a new, empty instance with the same parameters (and seed)} */
    Aggregator newEmpty();

    /** {@return an independent copy of the current state} Called on the worker thread at a snapshot boundary. */
    Aggregator copy();

    /**
     * Adds another instance's state to this one (another worker's copy, or another process's, read with
     * {@link AggregatorProvider#fromBytes}).
     *
     * @param other an aggregator of the same type and parameters
     * @throws IllegalArgumentException when {@code other} has different parameters: <em>expected X, got Y</em>
     */
    void merge(Aggregator other);

    /** Clears the state (start of a new period), on the worker thread. */
    void reset();

    /**
     * {@return the current result as a snapshot over the given window}
     *
     * @param startNanos the window's start, packet time in epoch nanoseconds
     * @param endNanos the window's end, packet time in epoch nanoseconds
     */
    Snapshot snapshot(long startNanos, long endNanos);

    /**
     * The current result written row by row, for results too large to hold as one {@link Snapshot} (the default
     * materialises {@link #snapshot} and writes it). Rows come largest first.
     *
     * @param startNanos the window's start, packet time in epoch nanoseconds
     * @param endNanos the window's end, packet time in epoch nanoseconds
     * @param out receives the header, the rows and the totals
     */
    default void snapshot(long startNanos, long endNanos, Snapshot.Writer out) {
        Snapshot s = snapshot(startNanos, endNanos);
        out.begin(s.task(), s.type(), s.metric(), s.startNanos(), s.endNanos());
        for (Snapshot.Row r : s.rows()) {
            out.row(r);
        }
        out.end(s.totals());
    }

    /**
     * The state in a versioned byte form (family, version, parameters, seed, state) that
     * {@link AggregatorProvider#fromBytes} of this type reads back in another process, so engines and sensors can
     * merge what each saw.
     *
     * @return the byte form
     * @throws
 UnsupportedOperationException when this aggregator has no byte form (the default)
     */
    default byte[] toBytes() {
        throw new UnsupportedOperationException("aggregator '" + task() + "' (" + type() + ") has no byte form");
    }
}
