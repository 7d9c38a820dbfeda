package io.flowtrace.core.internal;

import io.flowtrace.core.FlowStats;

import java.time.Duration;
import java.util.Map;

/** The one place a {@link FlowStats} is made: from the counters each part of the pipeline publishes. */
final class PipelineStats {
    private PipelineStats() {
    }

    /**
     * {@code workers}: every worker's counters summed ({@link WorkerCounters#plus}); {@code sinks}: by runner name;
     * {@code finalFlush}: zero until the run has ended.
     */
    static FlowStats of(SourceCounters source, WorkerCounters workers, Map<String, FlowStats.SinkStats> sinks,
                        long snapshotFailures, Duration elapsed, Duration finalFlush) {
        return new FlowStats(source.packetsRead(), source.bytesRead(), source.packetsDecoded(), source.nonIp(),
                source.malformed(), workers.flows().created(), workers.flowsActive(), workers.events(),
                workers.flows().endReasons(), sinks, source.own(), workers.aggregatorFailures(), snapshotFailures,
                elapsed, finalFlush);
    }
}
