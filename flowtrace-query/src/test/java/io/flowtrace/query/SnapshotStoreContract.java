package io.flowtrace.query;

import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.spi.SnapshotStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every snapshot store answers, whatever keeps the snapshots: extend it with {@link #createStore()} (an empty
 * store; a database store on a fresh database) and every store gives the same answers to the same writes. The
 * expectations are computed from the rows written here, not from another store's output.
 */
abstract class SnapshotStoreContract {
    static final long S = 1_000_000_000L;
    /** Snapshot times: three minutes after 2026-01-01T00:00:00Z. */
    static final long T0 = 1_767_225_600L * S;
    private SnapshotStore store;

    /** {@return a new, empty store} */
    protected abstract SnapshotStore createStore();

    @BeforeEach
    void open() {
        store = createStore();
        // exact task: per minute m (1..3), key (10.0.0.k, port 80+k) for k <= m has m*k packets, 100 bytes each,
        // first seen at minute k, last at minute m
        for (int m = 1; m <= 3; m++) {
            List<TaskSnapshot.FlowRow> rows = new ArrayList<>();
            long packets = 0;
            for (int k = 1; k <= m; k++) {
                Map<String, String> key = new LinkedHashMap<>();
                key.put("SrcIP", "10.0.0." + k);
                key.put("DstPort", String.valueOf(80 + k));
                rows.add(new TaskSnapshot.FlowRow(key, T0 + k * 60 * S, T0 + m * 60 * S, (long) m * k, m * k * 100L));
                packets += (long) m * k;
            }
            store.write(new TaskSnapshot("exact_t", TaskSnapshot.EXACT, List.of("SrcIP", "DstPort"), T0,
                    T0 + m * 60 * S, rows, List.of(), Map.of("total_packets", packets, "total_bytes", packets * 100)));
            // sketch task in two parts (packets, then bytes) and a spread task
            store.write(new TaskSnapshot("cm_t", TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + m * 60 * S,
                    List.of(), List.of(new TaskSnapshot.Hitter("10.0.0.1", 10L * m, 0),
                    new TaskSnapshot.Hitter("10.0.0.2", 20L * m, 0), new TaskSnapshot.Hitter("10.0.0.3", 5L * m, 0)),
                    Map.of("total_packets", 35L * m)));
            store.write(new TaskSnapshot("cm_t", TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + m * 60 * S,
                    List.of(), List.of(new TaskSnapshot.Hitter("10.0.0.1", 9000L * m, 1),
                    new TaskSnapshot.Hitter("10.0.0.2", 100L * m, 1)), Map.of("total_packets", 35L * m,
                    "total_bytes", 9100L * m)));
        }
        store.flush();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void tasksAreListedWithTheirKindAndTypes() {
        Map<String, Answers.TaskInfo> byName = new LinkedHashMap<>();
        store.tasks().forEach(t -> byName.put(t.name(), t));
        assertEquals(TaskSnapshot.EXACT, byName.get("exact_t").kind());
        assertEquals(List.of("SrcIP", "DstPort"), byName.get("exact_t").keyFields());
        assertEquals(TaskSnapshot.SKETCH, byName.get("cm_t").kind());
        assertEquals(List.of(0, 1), byName.get("cm_t").types());
    }

    @Test
    void aggregateSumsTheMatchingKeysOfTheLatestSnapshotAtOrBeforeTheEnd() {
        // at minute 3: keys 1..3 with 3, 6, 9 packets
        assertEquals(Optional.of(new TaskSummary("exact_t", 1800, 18, 3)),
                store.aggregate("exact_t", FlowFilter.none(), Long.MAX_VALUE));
        assertEquals(Optional.of(new TaskSummary("exact_t", 600, 6, 1)),
                store.aggregate("exact_t", FlowFilter.of(Map.of("SrcIP", "10.0.0.2")), Long.MAX_VALUE));
        // at minute 2 (an end between minutes 2 and 3): keys 1..2 with 2, 4 packets
        assertEquals(Optional.of(new TaskSummary("exact_t", 600, 6, 2)),
                store.aggregate("exact_t", FlowFilter.none(), T0 + 150 * S));
        assertEquals(Optional.of(new TaskSummary("exact_t", 0, 0, 0)),
                store.aggregate("exact_t", FlowFilter.of(Map.of("DstPort", "443")), Long.MAX_VALUE));
        assertTrue(store.aggregate("exact_t", FlowFilter.none(), T0 + 30 * S).isEmpty());
    }

    @Test
    void traceGivesFirstAndLastSeenPacketsAndBytes() {
        assertEquals(Optional.of(new FlowLifecycle(T0 + 120 * S, T0 + 180 * S, 6, 600)),
                store.trace("exact_t", FlowFilter.of(Map.of("SrcIP", "10.0.0.2", "DstPort", "82")), Long.MAX_VALUE));
        assertEquals(Optional.of(new FlowLifecycle(T0 + 60 * S, T0 + 120 * S, 2, 200)),
                store.trace("exact_t", FlowFilter.of(Map.of("SrcIP", "10.0.0.1")), T0 + 120 * S));
        assertTrue(store.trace("exact_t", FlowFilter.of(Map.of("SrcIP", "10.9.9.9")), Long.MAX_VALUE).isEmpty());
    }

    @Test
    void heavyHittersByTypeLargestFirstWithALimit() {
        assertEquals(List.of(new HeavyHitter("10.0.0.2", 60), new HeavyHitter("10.0.0.1", 30)),
                store.heavyHitters("cm_t", 0, Long.MAX_VALUE, 2));
        assertEquals(List.of(new HeavyHitter("10.0.0.1", 18000), new HeavyHitter("10.0.0.2", 200)),
                store.heavyHitters("cm_t", 1, T0 + 120 * S, 10));
        assertEquals(List.of(), store.heavyHitters("cm_t", 2, Long.MAX_VALUE, 10));
    }

    @Test
    void aSeriesHasOnePointPerSnapshotInTheRange() {
        assertEquals(List.of(new Point(T0 + 60 * S, 1), new Point(T0 + 120 * S, 6), new Point(T0 + 180 * S, 18)),
                store.series("exact_t", "total_packets", T0, T0 + 3600 * S));
        assertEquals(List.of(new Point(T0 + 120 * S, 2)), store.series("exact_t", "total_flows", T0 + 90 * S,
                T0 + 150 * S));
        assertEquals(List.of(new Point(T0 + 60 * S, 9000), new Point(T0 + 120 * S, 18000),
                new Point(T0 + 180 * S, 27000)), store.series("cm_t", "heavy_hitter_size", 0, Long.MAX_VALUE));
        assertEquals(List.of(), store.series("nope", "total_packets", 0, Long.MAX_VALUE));
    }
}
