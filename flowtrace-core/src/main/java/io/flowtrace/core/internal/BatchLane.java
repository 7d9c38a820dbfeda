package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;

/**
 * How the source thread hands one worker its batches: on the source thread itself ({@link InlineLane}) or to the
 * worker's own thread ({@link ThreadedLane}). Every method is called on the source thread only, except
 * {@link #start()} and {@link #join()}, called on the pipeline's thread before and after the source runs.
 *
 * <p>The end protocol: {@link #end} hands over the worker's last batch, which makes the worker flush every flow and
 * take its last snapshots; {@link #join()} returns once it has.
 */
interface BatchLane {
    /** Starts the worker's thread, if it has one. */
    void start();

    /** The batch to fill first. */
    Batch first();

    /** Hands over {@code full} (its packets and clock); returns the batch to fill next. */
    Batch send(Batch full);

    /** Hands over {@code last}, now marked as the end with {@code reason}; the lane takes no batch after it. */
    void end(Batch last, EndReason reason);

    /** Waits until the worker has processed the end. */
    void join();
}
