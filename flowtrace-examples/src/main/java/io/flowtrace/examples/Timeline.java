package io.flowtrace.examples;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packets and bytes per step of packet time, for {@code report}: at most {@value #MAX} steps, in arrays made once;
 * a capture that spans more doubles the step (folding neighbours) until it fits, so a capture over years costs what
 * one over minutes does. Steps are aligned to the epoch (step times 2^k), so workers' timelines merge exactly. One
 * row per step from the first packet's to the last's: key {@code start_ns}, value packets, count {@code bytes}.
 * Not thread-safe.
 */
final class Timeline implements Aggregator {
    static final int MAX = 4096;
    private final String task;
    private final long step;
    private final long[] packets = new long[MAX];
    private final long[] bytes = new long[MAX];
    private long width;
    private long first; // the step index (at width) of slot 0
    private long last;  // the highest step index used
    private boolean empty = true;

    Timeline(String task, long stepNanos) {
        if (stepNanos <= 0) {
            throw new IllegalArgumentException("step: " + stepNanos + " ns (expected: more than 0)");
        }
        this.task = task;
        this.step = stepNanos;
        this.width = stepNanos;
    }

    @Override
    public String task() {
        return task;
    }

    @Override
    public String type() {
        return "timeline";
    }

    @Override
    public void onPacket(PacketView p) {
        add(p.timestampNanos(), 1, p.wireLength());
    }

    /** Adds traffic at time {@code t}, widening the step while the span does not fit. */
    private void add(long t, long p, long b) {
        long at = Math.floorDiv(t, width);
        if (empty) {
            first = at;
            last = at;
            empty = false;
        }
        while (Math.max(last, at) - Math.min(first, at) >= MAX) {
            widen();
            at = Math.floorDiv(t, width);
        }
        if (at < first) {
            int d = (int) (first - at);
            System.arraycopy(packets, 0, packets, d, MAX - d);
            System.arraycopy(bytes, 0, bytes, d, MAX - d);
            Arrays.fill(packets, 0, d, 0);
            Arrays.fill(bytes, 0, d, 0);
            first = at;
        }
        last = Math.max(last, at);
        int i = (int) (at - first);
        packets[i] += p;
        bytes[i] += b;
    }

    /** Doubles the step: each slot moves to slot (index / 2) of the new first, which is never after it. */
    private void widen() {
        long newFirst = Math.floorDiv(first, 2);
        for (int i = 0; i < MAX; i++) {
            int j = (int) (Math.floorDiv(first + i, 2) - newFirst);
            long p = packets[i];
            long b = bytes[i];
            packets[i] = 0;
            bytes[i] = 0;
            packets[j] += p;
            bytes[j] += b;
        }
        width *= 2;
        first = newFirst;
        last = Math.floorDiv(last, 2);
    }

    @Override
    public Aggregator newEmpty() {
        return new Timeline(task, step);
    }

    @Override
    public Aggregator copy() {
        Timeline c = new Timeline(task, step);
        c.merge(this);
        return c;
    }

    @Override
    public void merge(Aggregator other) {
        if (!(other instanceof Timeline o) || o.step != step) {
            throw new IllegalArgumentException("merge: expected a timeline of step " + step + ", got " + other);
        }
        if (o.empty) {
            return;
        }
        while (width < o.width) {
            if (empty) {
                width = o.width;
                break;
            }
            widen();
        }
        for (int i = 0; i < MAX; i++) {
            if (o.packets[i] != 0 || o.bytes[i] != 0) {
                add((o.first + i) * o.width, o.packets[i], o.bytes[i]);
            }
        }
    }

    @Override
    public void reset() {
        Arrays.fill(packets, 0);
        Arrays.fill(bytes, 0);
        width = step;
        empty = true;
    }

    /** {@return the step the rows are per, nanoseconds} (the asked one, or a doubling of it) */
    long width() {
        return width;
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        long tp = 0;
        long tb = 0;
        // every step from the first to the last, empty ones too: a gap in the traffic shows as zero
        for (int i = 0; !empty && i <= last - first; i++) {
            {
                Map<String, Object> key = new LinkedHashMap<>();
                key.put("start_ns", (first + i) * width);
                rows.add(new Snapshot.Row(key, packets[i], packets[i], packets[i], Map.of("bytes", bytes[i])));
                tp += packets[i];
                tb += bytes[i];
            }
        }
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("total_packets", tp);
        totals.put("total_bytes", tb);
        totals.put("step_ns", width);
        return new Snapshot(task, type(), "packets", startNanos, endNanos, rows, totals);
    }
}
