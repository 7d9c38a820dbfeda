package io.flowtrace.core.internal;

import io.flowtrace.core.FlowCache;

/**
 * One worker's counters at one moment, or the sum of several workers' ({@link #plus}). Immutable; made by
 * {@link Worker#counters()} from any thread.
 *
 * @param events             flow events the worker emitted
 * @param aggregatorFailures calls into its aggregators that threw
 * @param flowsActive        flows its cache holds now
 * @param flows              its cache's counters
 */
record WorkerCounters(long events, long aggregatorFailures, long flowsActive, FlowCache.Counters flows) {
    /** All zero: the start of a sum. */
    static final WorkerCounters ZERO = new WorkerCounters(0, 0, 0, FlowCache.Counters.ZERO);

    /** These counters plus {@code other}'s. */
    WorkerCounters plus(WorkerCounters other) {
        return new WorkerCounters(events + other.events, aggregatorFailures + other.aggregatorFailures,
                flowsActive + other.flowsActive, flows.plus(other.flows));
    }
}
