package io.flowtrace.core.internal;

import io.flowtrace.core.FlowCache;

/**
 * One worker's counters at one moment, or the sum of several workers' ({@link #plus}). Immutable; made by
 * {@link Worker#counters()} from any thread.
 *
 * @param events             flow events the worker emitted
 * @param aggregatorFailures calls into its aggregators that threw
 * @param failuresByAggregator of those, by the aggregator's index in the pipeline (not changed once made)
 * @param flowsActive        flows its cache holds now
 * @param flows              its cache's counters
 */
record WorkerCounters(long events, long aggregatorFailures, long[] failuresByAggregator, long flowsActive,
                      FlowCache.Counters flows) {
    /** All zero: the start of a sum. */
    static final WorkerCounters ZERO = new WorkerCounters(0, 0, new long[0], 0, FlowCache.Counters.ZERO);

    /** These counters plus {@code other}'s. */
    WorkerCounters plus(WorkerCounters other) {
        long[] by = java.util.Arrays.copyOf(failuresByAggregator,
                Math.max(failuresByAggregator.length, other.failuresByAggregator.length));
        for (int i = 0; i < other.failuresByAggregator.length; i++) {
            by[i] += other.failuresByAggregator[i];
        }
        return new WorkerCounters(events + other.events, aggregatorFailures + other.aggregatorFailures, by,
                flowsActive + other.flowsActive, flows.plus(other.flows));
    }
}
