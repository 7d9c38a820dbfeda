package io.flowtrace.testkit;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Flow events and snapshots for sink tests, numbered so that order and completeness can be checked by flow id.
 * Stateless; every method may be called from any thread.
 *
 * @since 0.1
 */
public final class TestEvents {
    /** Start time of event 0: 2024-05-01T12:00:00Z. */
    public static final long BASE_NANOS = 1_714_564_800_000_000_000L;

    private TestEvents() {
    }

    /**
     * {@return event number {@code i}: UDP 10.0.x.y:i -> 192.0.2.1:53, with a flow id of its own for every {@code i}}
     *
     * @param i the event's number, from 0
     */
    public static FlowEvent event(int i) {
        FlowKey key = FlowKey.ipv4(0x0A000000 | (i & 0xffff), 0xC0000201, 1024 + (i % 60000), 53, 17);
        long start = BASE_NANOS + i * 1_000_000L;
        return new FlowEvent(FlowEvent.flowIdOf(key, start), key, start, start + 1_500_000_000L, 2, 1, 200, 100,
                172, 86, 0, 0, EndReason.IDLE_TIMEOUT, "eth0", "sensor-1", Direction.OUTBOUND);
    }

    /**
     * {@return events {@code from} to {@code from + count - 1}, in order}
     *
     * @param from  the first event's number
     * @param count how many events
     */
    public static List<FlowEvent> events(int from, int count) {
        List<FlowEvent> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            out.add(event(i));
        }
        return out;
    }

    /**
     * {@return a count-min snapshot of task {@code task} with one row}
     *
     * @param task the task's name
     */
    public static Snapshot snapshot(String task) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("src_ip", "10.0.0.1");
        key.put("dst_port", 443);
        return new Snapshot(task, "count-min", "packets", BASE_NANOS, BASE_NANOS + 60_000_000_000L,
                List.of(new Snapshot.Row(key, 120, 100, 130)), Map.of("total_packets", 1000L));
    }

    /**
     * {@return the flow ids of {@code events}, in order}
     *
     * @param events the events
     */
    public static List<String> idsOf(List<FlowEvent> events) {
        List<String> ids = new ArrayList<>(events.size());
        for (FlowEvent e : events) {
            ids.add(e.flowId());
        }
        return ids;
    }

    /**
     * Asserts that {@code actual} holds exactly the flow ids of {@code expected}, in order; a failure says what
     * differs (sizes, missing, duplicates, first difference) rather than printing both lists.
     *
     * @param expected the events that should have arrived
     * @param actual   the flow ids that arrived
     * @param what     what is checked, for the failure message
     */
    public static void assertSameIds(List<FlowEvent> expected, List<String> actual, String what) {
        List<String> want = idsOf(expected);
        if (want.equals(actual)) {
            return;
        }
        Set<String> seen = new HashSet<>();
        int dups = 0;
        for (String id : actual) {
            if (!seen.add(id)) {
                dups++;
            }
        }
        Set<String> missing = new LinkedHashSet<>(want);
        missing.removeAll(actual);
        int firstDiff = 0;
        while (firstDiff < Math.min(want.size(), actual.size()) && want.get(firstDiff).equals(actual.get(firstDiff))) {
            firstDiff++;
        }
        int firstMissing = missing.isEmpty() ? -1 : want.indexOf(missing.iterator().next());
        fail(what + ": expected " + want.size() + " ids in order, got " + actual.size() + " (" + missing.size()
                + " missing, first missing is event " + firstMissing + "; " + dups + " duplicates; lists differ from"
                + " position " + firstDiff + ")");
    }
}
