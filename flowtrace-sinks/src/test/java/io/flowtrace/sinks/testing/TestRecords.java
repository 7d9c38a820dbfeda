package io.flowtrace.sinks.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records and snapshots for sink tests, numbered so that order and completeness can be checked. */
public final class TestRecords {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** 2024-05-01T12:00:00Z. */
    public static final long BASE_NANOS = 1_714_564_800_000_000_000L;

    private TestRecords() {
    }

    /** Record number {@code i}: UDP 10.0.x.y:i -> 192.0.2.1:53, distinct flow id per {@code i}. */
    public static FlowEvent record(int i) {
        FlowKey key = FlowKey.ipv4(0x0A000000 | (i & 0xffff), 0xC0000201, 1024 + (i % 60000), 53, 17);
        long start = BASE_NANOS + i * 1_000_000L;
        return new FlowEvent(FlowEvent.flowIdOf(key, start), key, start, start + 1_500_000_000L, 2, 1, 200, 100,
                172, 86, 0, 0, EndReason.IDLE_TIMEOUT, "eth0", "sensor-1", Direction.OUTBOUND);
    }

    public static List<FlowEvent> records(int from, int count) {
        List<FlowEvent> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            out.add(record(i));
        }
        return out;
    }

    public static Snapshot snapshot(String task) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("src_ip", "10.0.0.1");
        key.put("dst_port", 443);
        return new Snapshot(task, "count-min", "packets", BASE_NANOS, BASE_NANOS + 60_000_000_000L,
                List.of(new Snapshot.Row(key, 120, 100, 130)), Map.of("total_packets", 1000L));
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The flow ids of NDJSON lines that are records (not snapshots), in order. */
    public static List<String> flowIds(List<String> lines) {
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n = parse(line);
            if (n.has("flow_id")) {
                ids.add(n.get("flow_id").asText());
            }
        }
        return ids;
    }

    /**
     * Asserts that {@code actual} holds exactly the ids of {@code expected}, in order, with a short message
     * (sizes, first difference, duplicates) rather than both lists.
     */
    public static void assertSameIds(List<FlowEvent> expected, List<String> actual, String what) {
        List<String> want = idsOf(expected);
        if (want.equals(actual)) {
            return;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        int dups = 0;
        for (String id : actual) {
            if (!seen.add(id)) {
                dups++;
            }
        }
        java.util.Set<String> missing = new java.util.LinkedHashSet<>(want);
        missing.removeAll(actual);
        int firstDiff = 0;
        while (firstDiff < Math.min(want.size(), actual.size()) && want.get(firstDiff).equals(actual.get(firstDiff))) {
            firstDiff++;
        }
        int firstMissing = missing.isEmpty() ? -1 : want.indexOf(missing.iterator().next());
        org.junit.jupiter.api.Assertions.fail(what + ": expected " + want.size() + " ids in order, got "
                + actual.size() + " (" + missing.size() + " missing, first missing is record " + firstMissing
                + "; " + dups + " duplicates; lists differ from position " + firstDiff + ")");
    }

    /** The flow ids of {@code records}, in order. */
    public static List<String> idsOf(List<FlowEvent> records) {
        List<String> ids = new ArrayList<>();
        for (FlowEvent r : records) {
            ids.add(r.flowId());
        }
        return ids;
    }
}
