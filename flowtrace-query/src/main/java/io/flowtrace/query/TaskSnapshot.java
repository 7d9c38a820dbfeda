package io.flowtrace.query;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task's cumulative state at one snapshot time (since the start of its period), in the analysis engine's terms.
 * An exact task has {@link #flows()} (its {@code flow_metrics} rows), a sketch task {@link #hitters()} (its
 * {@code heavy_hitters} rows). A Count-Min task ranked by packets and by bytes comes as two parts with the same
 * task and time (one per {@code Type}); a store keeps them as one snapshot. Immutable.
 *
 * @param task       the engine's task name
 * @param kind       {@link #EXACT} or {@link #SKETCH}
 * @param keyFields  the task's key fields in order, engine spelling ({@code SrcIP}, {@code DstIP}, {@code SrcPort},
 *                   {@code DstPort}, {@code Protocol})
 * @param startNanos start of the state (its period's start, or the first packet), epoch nanoseconds UTC
 * @param timeNanos  the snapshot's time (the end of its window), epoch nanoseconds UTC
 * @param flows      an exact task's rows, one per key
 * @param hitters    a sketch task's rows
 * @param totals     task totals ({@code total_packets}, {@code total_bytes}, {@code total_flows}, ...)
 * @since 0.1
 */
public record TaskSnapshot(String task, String kind, List<String> keyFields, long startNanos, long timeNanos,
                           List<FlowRow> flows, List<Hitter> hitters, Map<String, Long> totals) {
    /** Kind of an exact task (rows in {@code flow_metrics}). */
    public static final String EXACT = "exact";
    /** Kind of a Count-Min or SuperSpread task (rows in {@code heavy_hitters}). */
    public static final String SKETCH = "sketch";
    /** Engine heavy-hitter {@code Type}: packet count. */
    public static final int PACKETS = 0;
    /** Engine heavy-hitter {@code Type}: bytes. */
    public static final int BYTES = 1;
    /** Engine heavy-hitter {@code Type}: spread (distinct elements). */
    public static final int SPREAD = 2;

    public TaskSnapshot {
        Objects.requireNonNull(task, "task");
        if (!EXACT.equals(kind) && !SKETCH.equals(kind)) {
            throw new IllegalArgumentException("kind: " + kind + " (expected: exact or sketch)");
        }
        keyFields = List.copyOf(keyFields);
        flows = List.copyOf(flows);
        hitters = List.copyOf(hitters);
        totals = Collections.unmodifiableMap(new LinkedHashMap<>(totals));
    }

    /** {@return this snapshot with {@code part}'s hitters and totals added (a part of the same task and time)} */
    public TaskSnapshot with(TaskSnapshot part) {
        if (!part.task.equals(task) || part.timeNanos != timeNanos) {
            throw new IllegalArgumentException("part of " + part.task + " at " + part.timeNanos + " (expected: "
                    + task + " at " + timeNanos + ")");
        }
        List<Hitter> h = new java.util.ArrayList<>(hitters);
        h.addAll(part.hitters);
        List<FlowRow> f = new java.util.ArrayList<>(flows);
        f.addAll(part.flows);
        Map<String, Long> t = new LinkedHashMap<>(part.totals);
        t.putAll(totals);
        return new TaskSnapshot(task, kind, keyFields, Math.min(startNanos, part.startNanos), timeNanos, f, h, t);
    }

    /** {@return the total {@code name}, 0 when absent} */
    public long total(String name) {
        Long v = totals.get(name);
        return v == null ? 0 : v;
    }

    /**
     * One key of an exact task: a {@code flow_metrics} row.
     *
     * @param key         key field (engine spelling) to its text ({@code "10.0.0.1"}, {@code "443"}, {@code "6"}),
     *                    in the task's field order
     * @param firstNanos  its first packet, epoch nanoseconds UTC ({@code StartTime})
     * @param lastNanos   its last packet, epoch nanoseconds UTC ({@code EndTime})
     * @param packets     packets ({@code PacketCount})
     * @param bytes       wire bytes ({@code ByteCount})
     */
    public record FlowRow(Map<String, String> key, long firstNanos, long lastNanos, long packets, long bytes) {
        public FlowRow {
            key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
        }
    }

    /**
     * One row of a sketch task: a {@code heavy_hitters} row.
     *
     * @param flow  the key's field values joined by spaces, in the task's field order ({@code Flow})
     * @param value the count, bytes or spread ({@code Value})
     * @param type  {@link #PACKETS}, {@link #BYTES} or {@link #SPREAD} ({@code Type})
     */
    public record Hitter(String flow, long value, int type) {
        public Hitter {
            Objects.requireNonNull(flow, "flow");
            if (type < PACKETS || type > SPREAD) {
                throw new IllegalArgumentException("type: " + type + " (expected: 0 packets, 1 bytes, 2 spread)");
            }
        }
    }
}
