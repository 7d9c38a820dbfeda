package io.flowtrace.core.spi;

/**
 * Sees every decoded packet the meter counts, after the flow table and the aggregators, on the worker thread that
 * meters it: for publishing packets elsewhere (a sensor feeding remote engines) or for checks in tests. One instance
 * per worker, made by a {@link Factory} when the meter is built; each instance is called by its worker's thread only,
 * one call at a time. On the packet path: no allocation, no locks, no blocking; the view is valid only during the
 * call. A call that throws is logged once per worker and otherwise ignored: metering goes on.
 *
 * @since 0.1
 */
public interface PacketListener {

    /**
     * One decoded packet (its 5-tuple, lengths and time), valid only during the call.
     *
     * @param packet the packet
     */
    void onPacket(PacketView packet);

    /**
     * After each batch of packets handed to this worker, also an empty one: at least once a second of packet time
     * while packets arrive and on every heartbeat of a live source when none do, so that a listener that buffers
     * may flush there.
     *
     * @param clockNanos the source's clock (epoch nanoseconds), or {@code Long.MIN_VALUE} before any packet
     */
    default void onBatchEnd(long clockNanos) {
    }

    /** The worker has seen its last packet (the run ends); called once. */
    default void onEnd() {
    }

    /**
     * Makes the listener of each worker.
     *
     * @since 0.1
     */
    @FunctionalInterface
    interface Factory {
        /**
         * {@return the listener of one worker}
         *
         * @param worker  the worker's index, {@code 0..workers-1}
         * @param workers how many workers the meter has
         */
        PacketListener forWorker(int worker, int workers);
    }
}
