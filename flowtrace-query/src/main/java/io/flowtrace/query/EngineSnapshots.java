package io.flowtrace.query;

import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns flowtrace's aggregator snapshots into the engine's terms ({@link TaskSnapshot}): an exact task's rows
 * (with their {@link Snapshot.Row#counts() counts}: packets, bytes, first and last seen) into {@code flow_metrics}
 * rows, a sketch task's rows into {@code heavy_hitters} rows of one {@code Type}. Field values become the text the
 * engine writes: IP addresses as text, ports and protocols as numbers. Stateless.
 *
 * @since 0.1
 */
public final class EngineSnapshots {
    private EngineSnapshots() {
    }

    /**
     * {@return the snapshot of an exact task as {@code flow_metrics} rows}
     *
     * @param engineTask the engine's task name
     * @param keyFields  its key fields, either spelling, in order
     * @param s          the aggregator's snapshot (rows with counts, or the ranked value taken as packets)
     */
    public static TaskSnapshot exact(String engineTask, List<String> keyFields, Snapshot s) {
        List<TaskSnapshot.FlowRow> rows = new ArrayList<>(s.rows().size());
        for (Snapshot.Row r : s.rows()) {
            Map<String, Long> c = r.counts();
            long packets = c.containsKey("packets") ? c.get("packets") : r.value();
            long bytes = c.containsKey("bytes") ? c.get("bytes") : 0;
            long first = c.containsKey("first_seen") ? c.get("first_seen") : s.startNanos();
            long last = c.containsKey("last_seen") ? c.get("last_seen") : s.endNanos();
            rows.add(new TaskSnapshot.FlowRow(key(r.key()), first, last, packets, bytes));
        }
        return new TaskSnapshot(engineTask, TaskSnapshot.EXACT, engineFields(keyFields), s.startNanos(), s.endNanos(),
                rows, List.of(), s.totals());
    }

    /**
     * {@return the snapshot of a sketch task as {@code heavy_hitters} rows of one type}
     *
     * @param engineTask the engine's task name (a Count-Min task's packets and bytes parts share it)
     * @param keyFields  its key fields, either spelling, in order
     * @param type       the rows' {@code Type}: 0 packets, 1 bytes, 2 spread
     * @param s          the aggregator's snapshot
     */
    public static TaskSnapshot sketch(String engineTask, List<String> keyFields, int type, Snapshot s) {
        List<TaskSnapshot.Hitter> rows = new ArrayList<>(s.rows().size());
        for (Snapshot.Row r : s.rows()) {
            rows.add(new TaskSnapshot.Hitter(flow(key(r.key()).values()), r.value(), type));
        }
        return new TaskSnapshot(engineTask, TaskSnapshot.SKETCH, engineFields(keyFields), s.startNanos(),
                s.endNanos(), List.of(), rows, s.totals());
    }

    /** {@return the engine's {@code Flow} text: the key's values joined by spaces} */
    static String flow(Iterable<String> values) {
        return String.join(" ", values);
    }

    /** {@return a row key in the engine's spelling and text} */
    static Map<String, String> key(Map<String, Object> key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : key.entrySet()) {
            String f = FlowFilter.field(e.getKey());
            out.put(f, FlowFilter.normalise(f, String.valueOf(e.getValue())));
        }
        return out;
    }

    private static List<String> engineFields(List<String> fields) {
        List<String> out = new ArrayList<>();
        for (String f : fields) {
            out.add(FlowFilter.field(f));
        }
        return out;
    }
}
