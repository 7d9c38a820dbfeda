package io.flowtrace.core.internal;

import io.flowtrace.core.FlowStats;

import java.time.Duration;
import java.util.Map;

/** The one place a {@link FlowStats} is made: from the counters each part of the pipeline publishes. */
final class PipelineStats {
    private PipelineStats() {
    }

    /**
     * {@code workers}: every worker's counters summed ({@link WorkerCounters#plus}); {@code tasks}: the aggregators'
     * task names, by index; {@code sinks}: by runner name; {@code finalFlush}: zero until the run has ended.
     */
    static FlowStats of(SourceCounters source, WorkerCounters workers, String[] tasks,
                        Map<String, FlowStats.SinkStats> sinks, long snapshotFailures, Duration elapsed,
                        Duration finalFlush, Map<String, Long> tap) {
        Map<String, Long> byTask = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tasks.length; i++) {
            byTask.merge(tasks[i], i < workers.failuresByAggregator().length ? workers.failuresByAggregator()[i] : 0,
                    Long::sum);
        }
        return new FlowStats(source.packetsRead(), source.bytesRead(), source.packetsDecoded(), source.nonIp(),
                source.malformed(), workers.flows().created(), workers.flowsActive(), workers.events(),
                workers.flows().endReasons(), sinks, source.own(), workers.aggregatorFailures(), byTask, snapshotFailures,
                elapsed, finalFlush, source.fragments(), source.skipped(), tap);
    }
}
