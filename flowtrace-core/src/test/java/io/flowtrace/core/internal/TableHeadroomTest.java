package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.spi.HeapRoom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table whose heap check says no stops growing where it is, as when the heap cannot hold the arrays: its size
 * becomes its bound and every further flow evicts one, counted and reported, whatever the JVM's real heap.
 */
class TableHeadroomTest {
    private static final int FLOWS = 10_000;

    @Test
    void aTableWithoutHeadroomForFourTimesGrowsTwiceThenStaysAndEvicts() {
        // room for arrays up to 300,000 bytes: 2,048 flows fit ((2,048 x 16 + 6) longs and an index of 4,096 ints:
        // 278,576 bytes), 4,096 flows (557,104 bytes) do not
        List<Long> asked = new ArrayList<>();
        Run r = run(bytes -> {
            asked.add(bytes);
            return bytes <= 300_000;
        });
        assertEquals(2048, r.table.capacity());
        assertEquals(2048, r.table.size());
        assertEquals(FLOWS - 2048, r.table.counters().evicted());
        assertEquals(FLOWS - 2048, r.evicted);
        assertEquals(FLOWS - 2048, r.records);
        // asked only when growing: 16 -> 64 -> 256 -> 1024 (4x each), then 4,096 (no), 2,048 (yes), then 8,192 and
        // 4,096 (no) once, never again once the table has capped itself
        assertEquals(List.of(8_752L, 34_864L, 139_312L, 557_104L, 278_576L, 1_114_160L, 557_104L), asked);
    }

    @Test
    void aTableWithoutHeadroomAtAllStaysAtItsFirstSize() {
        Run r = run(bytes -> false);
        assertEquals(16, r.table.capacity());
        assertEquals(FLOWS - 16, r.table.counters().evicted());
        assertEquals(FLOWS - 16, r.records);
    }

    @Test
    void withRoomTheTableGrowsToItsBound() {
        Run r = run(bytes -> true);
        assertEquals(FLOWS, r.table.size());
        assertEquals(0, r.table.counters().evicted());
        assertEquals(0, r.records);
    }

    @Test
    void theRuleKeepsTheGrowthsSizeAndAnEighthOfTheHeapFree() {
        long max = 800;
        assertTrue(HeapRoom.allows(100, 100, max, 600)); // 100 left: at least 100 and 800/8
        assertFalse(HeapRoom.allows(100, 100, max, 601));
        assertTrue(HeapRoom.allows(200, 200, max, 400)); // 200 left: the growth's own size binds
        assertFalse(HeapRoom.allows(200, 200, max, 401));
        assertTrue(HeapRoom.allows(10, 10, max, 690)); // 100 left: the eighth binds
        assertFalse(HeapRoom.allows(10, 10, max, 691));
        assertTrue(HeapRoom.allows(10, 300, max, 490)); // 300 left: what the caller keeps free binds
        assertFalse(HeapRoom.allows(10, 300, max, 491));
        long live = HeapRoom.liveBytes();
        assertTrue(live > 0 && live <= Runtime.getRuntime().maxMemory(), "live " + live);
        assertFalse(HeapRoom.allows(Runtime.getRuntime().maxMemory()));
    }

    private record Run(SingleWriterFlowTable table, long records, long evicted) {
    }

    /** {@link #FLOWS} one-packet flows, 1 ns apart, into a table of bound 1M starting at 16 flows. */
    private static Run run(java.util.function.LongPredicate room) {
        long[] records = new long[2];
        SingleWriterFlowTable t = new SingleWriterFlowTable(FlowOptions.defaults(), 1 << 20, 16, r -> {
            records[0]++;
            if (r.endReason() == EndReason.EVICTED) {
                records[1]++;
            }
        }, RecordContext.none());
        t.heapRoom(room);
        DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < FLOWS; i++) {
            t.update(RandomTraffic.oneFlow(p, i));
        }
        return new Run(t, records[0], records[1]);
    }
}
