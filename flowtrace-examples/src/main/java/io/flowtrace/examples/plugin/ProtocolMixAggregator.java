package io.flowtrace.examples.plugin;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An example aggregator plugin: packets, bytes and flows per IP protocol. It shows the contract a user's
 * aggregator keeps: {@link #onPacket} does no allocation (three arrays indexed by protocol number), state merges
 * exactly (sums), and {@link #snapshot} turns it into rows, largest first. One instance per worker thread; not
 * thread-safe.
 */
public final class ProtocolMixAggregator implements Aggregator {
    private final String task;
    private final String metric;
    private final long[] packets = new long[256];
    private final long[] bytes = new long[256];
    private final long[] flows = new long[256];

    /**
     * @param task   the task's name
     * @param metric what rows are ordered by: {@code packets}, {@code bytes} or {@code flows}
     */
    public ProtocolMixAggregator(String task, String metric) {
        if (!metric.equals("packets") && !metric.equals("bytes") && !metric.equals("flows")) {
            throw new IllegalArgumentException("metric: '" + metric + "' (expected: packets, bytes or flows)");
        }
        this.task = task;
        this.metric = metric;
    }

    @Override
    public String task() {
        return task;
    }

    @Override
    public String type() {
        return ProtocolMixAggregatorProvider.NAME;
    }

    @Override
    public void onPacket(PacketView p) {
        int proto = p.protocol() & 0xff;
        packets[proto]++;
        bytes[proto] += p.wireLength();
    }

    @Override
    public void onFlow(FlowEvent record) {
        flows[record.key().protocol()]++;
    }

    @Override
    public Aggregator newEmpty() {
        return new ProtocolMixAggregator(task, metric);
    }

    @Override
    public Aggregator copy() {
        ProtocolMixAggregator c = new ProtocolMixAggregator(task, metric);
        c.merge(this);
        return c;
    }

    @Override
    public void merge(Aggregator other) {
        if (!(other instanceof ProtocolMixAggregator)) {
            throw new IllegalArgumentException("merge: expected " + type() + ", got " + other.type());
        }
        ProtocolMixAggregator o = (ProtocolMixAggregator) other;
        if (!o.metric.equals(metric)) {
            throw new IllegalArgumentException("merge: expected metric " + metric + ", got " + o.metric);
        }
        for (int i = 0; i < 256; i++) {
            packets[i] += o.packets[i];
            bytes[i] += o.bytes[i];
            flows[i] += o.flows[i];
        }
    }

    @Override
    public void reset() {
        java.util.Arrays.fill(packets, 0);
        java.util.Arrays.fill(bytes, 0);
        java.util.Arrays.fill(flows, 0);
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        long[] by = metric.equals("packets") ? packets : metric.equals("bytes") ? bytes : flows;
        List<Snapshot.Row> rows = new ArrayList<>();
        long tp = 0;
        long tb = 0;
        long tf = 0;
        for (int i = 0; i < 256; i++) {
            tp += packets[i];
            tb += bytes[i];
            tf += flows[i];
            if (packets[i] > 0 || flows[i] > 0) {
                Map<String, Object> key = new LinkedHashMap<>();
                key.put("protocol", IpText.protocolName(i));
                rows.add(Snapshot.Row.exact(key, by[i]));
            }
        }
        rows.sort((a, b) -> Long.compare(b.value(), a.value()));
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("total_packets", tp);
        totals.put("total_bytes", tb);
        totals.put("total_flows", tf);
        return new Snapshot(task, type(), metric, startNanos, endNanos, rows, totals);
    }
}
