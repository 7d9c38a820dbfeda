package io.flowtrace.sinks.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.TestEvents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reading back what the sinks wrote as JSON; the records and snapshots themselves come from the testkit. */
public final class TestRecords {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final long BASE_NANOS = TestEvents.BASE_NANOS;

    private TestRecords() {
    }

    /** Record number {@code i}: {@link TestEvents#event}. */
    public static FlowEvent record(int i) {
        return TestEvents.event(i);
    }

    public static List<FlowEvent> records(int from, int count) {
        return TestEvents.events(from, count);
    }

    public static Snapshot snapshot(String task) {
        return TestEvents.snapshot(task);
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

    public static void assertSameIds(List<FlowEvent> expected, List<String> actual, String what) {
        TestEvents.assertSameIds(expected, actual, what);
    }

    public static List<String> idsOf(List<FlowEvent> records) {
        return TestEvents.idsOf(records);
    }
}
