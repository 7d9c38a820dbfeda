package io.flowtrace.query;

import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.query.memory.MemoryStore;
import io.flowtrace.query.spi.SnapshotStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryStoreTest {
    private static final long S = 1_000_000_000L;

    /** An exact snapshot at {@code second} whose one key has {@code packets} packets. */
    private static TaskSnapshot exact(String task, long second, long packets) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("src_ip", "10.0.0.1");
        Map<String, Long> counts = Map.of("packets", packets, "bytes", packets * 100, "first_seen", S,
                "last_seen", second * S);
        Snapshot s = new Snapshot(task, "exact", "packets", 0, second * S,
                List.of(new Snapshot.Row(key, packets, packets, packets, counts)),
                Map.of("total_packets", packets, "total_bytes", packets * 100));
        return EngineSnapshots.exact(task, List.of("src_ip"), s);
    }

    @Test
    void snapshotsOlderThanTheRetentionAreLetGoAndCounted() {
        MemoryStore store = new MemoryStore(Duration.ofSeconds(120), 1 << 30);
        for (int i = 1; i <= 10; i++) {
            store.write(exact("t", i * 60L, i));
        }
        // kept: the newest (600 s) and those at most 120 s older: 480, 540, 600
        List<Long> times = new ArrayList<>();
        store.series("t", "total_packets", 0, Long.MAX_VALUE).forEach(p -> times.add(p.timeNanos() / S));
        assertEquals(List.of(480L, 540L, 600L), times);
        SnapshotStore.Stats st = store.stats();
        assertEquals(10, st.written());
        assertEquals(7, st.dropped());
        assertEquals(3, st.snapshots());
        // an end before what is kept has no answer; one within, the snapshot at or before it
        assertTrue(store.latest("t", 300 * S).isEmpty());
        assertEquals(9, store.latest("t", 599 * S).orElseThrow().total("total_packets"));
    }

    @Test
    void pastTheByteBoundTheOldestOfAnyTaskIsLetGo() {
        long one = estimateOf(exact("a", 60, 1));
        MemoryStore store = new MemoryStore(Duration.ofDays(1), one * 3);
        store.write(exact("a", 60, 1));
        store.write(exact("b", 61, 1));
        store.write(exact("a", 120, 2));
        store.write(exact("b", 121, 2)); // four past the bound of three: a@60 goes
        assertEquals(1, store.stats().dropped());
        assertEquals(3, store.stats().snapshots());
        assertTrue(store.stats().bytes() <= one * 3);
        assertTrue(store.latest("a", 60 * S).isEmpty());
        assertEquals(1, store.latest("b", 61 * S).orElseThrow().total("total_packets"));
    }

    @Test
    void countMinPartsOfOneTimeAreOneSnapshot() {
        MemoryStore store = new MemoryStore();
        Map<String, Object> key = Map.of("src_ip", "10.0.0.7");
        Snapshot packets = new Snapshot("cm", "count-min", "packets", 0, 60 * S,
                List.of(new Snapshot.Row(key, 5, 5, 5)), Map.of("total_packets", 5L));
        Snapshot bytes = new Snapshot("cm_bytes", "count-min", "bytes", 0, 60 * S,
                List.of(new Snapshot.Row(key, 500, 500, 500)), Map.of("total_packets", 5L, "total_bytes", 500L));
        store.write(EngineSnapshots.sketch("cm", List.of("SrcIP"), 0, packets));
        store.write(EngineSnapshots.sketch("cm", List.of("SrcIP"), 1, bytes));
        assertEquals(1, store.stats().snapshots());
        QueryService q = new QueryService(store, List.of());
        assertEquals(List.of(new Answers.HeavyHitter("10.0.0.7", 5)), q.heavyHitters("cm", 0, 0, 0));
        assertEquals(List.of(new Answers.HeavyHitter("10.0.0.7", 500)), q.heavyHitters("cm", 1, 0, 0));
        QueryException e = assertThrows(QueryException.class, () -> q.heavyHitters("cm", 2, 0, 0));
        assertEquals(400, e.status());
        assertEquals(404, assertThrows(QueryException.class, () -> q.heavyHitters("x", 0, 0, 0)).status());
    }

    @Test
    void filtersAcceptBothSpellingsAndNormaliseValues() {
        FlowFilter f = FlowFilter.of(Map.of("src_ip", "2001:DB8:0:0::1", "Protocol", "tcp", "DstPort", "0443"));
        assertEquals(Map.of("SrcIP", "2001:db8::1", "Protocol", "6", "DstPort", "443"), f.fields());
        assertThrows(IllegalArgumentException.class, () -> FlowFilter.of(Map.of("SrcMac", "x")));
        assertThrows(IllegalArgumentException.class, () -> FlowFilter.of(Map.of("SrcIP", "example.com")));
        assertThrows(IllegalArgumentException.class, () -> FlowFilter.of(Map.of("DstPort", "70000")));
    }

    private static long estimateOf(TaskSnapshot s) {
        MemoryStore m = new MemoryStore();
        m.write(s);
        return m.stats().bytes();
    }
}
