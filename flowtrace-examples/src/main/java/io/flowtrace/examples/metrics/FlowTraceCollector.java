package io.flowtrace.examples.metrics;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The {@code flowtrace_*} metrics, made from one {@link FlowStats} reading per scrape. Counters are exposed with
 * {@code _total} (the client adds it to the names here). Thread-safe: a scrape runs on an HTTP server thread.
 */
final class FlowTraceCollector implements MultiCollector {
    private final Monitor monitor;

    FlowTraceCollector(Monitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public MetricSnapshots collect() {
        FlowStats s = monitor.stats();
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(counter("flowtrace_packets_read", "Frames the capture source handed over.", s.packetsRead()));
        out.add(counter("flowtrace_read_bytes", "Wire bytes of the frames read.", s.bytesRead()));
        out.add(counter("flowtrace_packets_decoded", "IP packets counted into flows.", s.packetsDecoded()));
        out.add(counter("flowtrace_packets_non_ip", "Frames without IP (ARP, LLDP, ...), skipped.", s.nonIp()));
        CounterSnapshot.Builder malformed = CounterSnapshot.builder().name("flowtrace_packets_malformed")
                .help("Frames that could not be decoded, by reason.");
        s.malformed().forEach((reason, n) -> malformed.dataPoint(point("reason", reason, n)));
        out.add(malformed.build());
        if (!s.fragments().isEmpty()) {
            CounterSnapshot.Builder fragments = CounterSnapshot.builder().name("flowtrace_ip_fragments")
                    .help("IP fragments not metered themselves (fragment_*) and reassembled or dropped datagrams "
                            + "(datagram_*), by outcome.");
            s.fragments().forEach((outcome, n) -> fragments.dataPoint(point("outcome", outcome, n)));
            out.add(fragments.build());
        }
        Long kernel = s.sourceCounters().get("kernel_dropped");
        if (kernel != null) {
            out.add(counter("flowtrace_capture_kernel_dropped_packets",
                    "Packets the kernel dropped for want of room in the capture buffer.", kernel));
        }
        Long iface = s.sourceCounters().get("interface_dropped");
        if (iface != null) {
            out.add(counter("flowtrace_capture_interface_dropped_packets",
                    "Packets the network interface or its driver dropped.", iface));
        }
        if (!s.tap().isEmpty()) {
            // the packet tee's counters: tee_frames_total, tee_written_total, tee_dropped_total, tee_failed_total, ...
            s.tap().forEach((name, n) -> {
                if (name.equals("bytes")) {
                    out.add(counter("flowtrace_tee_bytes", "Bytes in the packet tee's files.", n));
                } else {
                    out.add(counter("flowtrace_tee_" + name, "The packet tee's " + name.replace('_', ' ')
                            + " (frames, files or failed writes, as named).", n));
                }
            });
        }
        out.add(gauge("flowtrace_flows_active", "Flows tracked now.", s.flowsActive()));
        out.add(counter("flowtrace_flows_created", "Flows started.", s.flowsCreated()));
        CounterSnapshot.Builder events = CounterSnapshot.builder().name("flowtrace_events")
                .help("Flow events emitted, by end reason.");
        for (Map.Entry<EndReason, Long> e : s.endReasons().entrySet()) {
            events.dataPoint(point("end_reason", e.getKey().jsonName(), e.getValue()));
        }
        out.add(events.build());
        out.add(sinkCounter(s, "flowtrace_sink_delivered_items", "Events and snapshots the sink accepted.",
                FlowStats.SinkStats::delivered));
        out.add(sinkCounter(s, "flowtrace_sink_retried_requests", "Attempts the sink repeated.",
                FlowStats.SinkStats::retried));
        out.add(sinkCounter(s, "flowtrace_sink_failed_items",
                "Items the sink could not deliver (after its own retries).", FlowStats.SinkStats::failed));
        out.add(sinkCounter(s, "flowtrace_sink_dropped_items",
                "Items dropped because the sink's queue was full or the sink had stopped.",
                FlowStats.SinkStats::dropped));
        GaugeSnapshot.Builder queued = GaugeSnapshot.builder().name("flowtrace_sink_queued_items")
                .help("Items waiting in the sink's queue.");
        s.sinks().forEach((name, st) -> queued.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("sink", name)).value(st.queued()).build()));
        out.add(queued.build());
        CounterSnapshot.Builder aggregators = CounterSnapshot.builder().name("flowtrace_aggregator_failures")
                .help("Calls into aggregators that threw on a worker (onPacket, onFlow, copy), by task.");
        s.aggregatorFailuresByTask().forEach((task, n) -> aggregators.dataPoint(point("task", task, n)));
        out.add(aggregators.build());
        out.add(counter("flowtrace_aggregator_snapshot_failures",
                "Merges or snapshots of aggregator state that threw.", s.snapshotFailures()));
        out.add(gauge("flowtrace_capturing", "1 while the capture source is being read, else 0.",
                monitor.capturing() ? 1 : 0));
        out.add(gauge("flowtrace_healthy", "1 when /healthz answers 200, else 0.", monitor.problem() == null ? 1 : 0));
        out.add(gauge("flowtrace_uptime_seconds", "Time since the meter started.",
                s.elapsed().toNanos() / 1e9));
        io.flowtrace.alert.Alerter.Stats a = monitor.alertStats();
        if (a != null) {
            out.add(counter("flowtrace_alerts_fired", "Alerts fired (first notices and notices after a cooldown).",
                    a.fired()));
            out.add(counter("flowtrace_alerts_suppressed", "Alert conditions found true again within their cooldown.",
                    a.suppressed()));
            out.add(counter("flowtrace_alerts_resolved", "Resolved notices.", a.resolved()));
            out.add(counter("flowtrace_alerts_notified", "Alert notices delivered, once per notifier.", a.notified()));
            out.add(counter("flowtrace_alerts_failed", "Alert notices a notifier could not deliver, once per notifier.",
                    a.failed()));
        }
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot point(String label, String value, long n) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of(label, value)).value(n).build();
    }

    private static CounterSnapshot sinkCounter(FlowStats s, String name, String help,
                                               ToLongFunction<FlowStats.SinkStats> f) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help + " By sink.");
        s.sinks().forEach((sink, st) -> b.dataPoint(point("sink", sink, f.applyAsLong(st))));
        return b.build();
    }
}
