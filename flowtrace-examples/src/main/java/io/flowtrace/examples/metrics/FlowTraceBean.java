package io.flowtrace.examples.metrics;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowStats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/** {@link FlowTraceMXBean} over a {@link Monitor}. Thread-safe. */
final class FlowTraceBean implements FlowTraceMXBean {
    private final Monitor monitor;

    FlowTraceBean(Monitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public long getPacketsRead() {
        return monitor.stats().packetsRead();
    }

    @Override
    public long getBytesRead() {
        return monitor.stats().bytesRead();
    }

    @Override
    public long getPacketsDecoded() {
        return monitor.stats().packetsDecoded();
    }

    @Override
    public long getPacketsNonIp() {
        return monitor.stats().nonIp();
    }

    @Override
    public Map<String, Long> getPacketsMalformed() {
        return new LinkedHashMap<>(monitor.stats().malformed());
    }

    @Override
    public Map<String, Long> getIpFragments() {
        return new LinkedHashMap<>(monitor.stats().fragments());
    }

    @Override
    public long getKernelDroppedPackets() {
        return monitor.stats().sourceCounters().getOrDefault("kernel_dropped", 0L);
    }

    @Override
    public long getInterfaceDroppedPackets() {
        return monitor.stats().sourceCounters().getOrDefault("interface_dropped", 0L);
    }

    @Override
    public long getFlowsActive() {
        return monitor.stats().flowsActive();
    }

    @Override
    public long getEvents() {
        return monitor.stats().events();
    }

    @Override
    public Map<String, Long> getEventsByEndReason() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<EndReason, Long> e : monitor.stats().endReasons().entrySet()) {
            out.put(e.getKey().jsonName(), e.getValue());
        }
        return out;
    }

    @Override
    public Map<String, Long> getSinkDelivered() {
        return bySink(FlowStats.SinkStats::delivered);
    }

    @Override
    public Map<String, Long> getSinkRetried() {
        return bySink(FlowStats.SinkStats::retried);
    }

    @Override
    public Map<String, Long> getSinkFailed() {
        return bySink(FlowStats.SinkStats::failed);
    }

    @Override
    public Map<String, Long> getSinkDropped() {
        return bySink(FlowStats.SinkStats::dropped);
    }

    @Override
    public Map<String, Long> getSinkQueued() {
        return bySink(FlowStats.SinkStats::queued);
    }

    @Override
    public long getAggregatorFailures() {
        return monitor.stats().aggregatorFailures();
    }

    @Override
    public Map<String, Long> getAggregatorFailuresByTask() {
        return new LinkedHashMap<>(monitor.stats().aggregatorFailuresByTask());
    }

    @Override
    public long getSnapshotFailures() {
        return monitor.stats().snapshotFailures();
    }

    @Override
    public boolean isCapturing() {
        return monitor.capturing();
    }

    @Override
    public String getHealth() {
        String p = monitor.problem();
        return p == null ? "ok" : p;
    }

    private Map<String, Long> bySink(ToLongFunction<FlowStats.SinkStats> f) {
        Map<String, Long> out = new LinkedHashMap<>();
        monitor.stats().sinks().forEach((name, st) -> out.put(name, f.applyAsLong(st)));
        return out;
    }
}
