package io.flowtrace.sketch.internal;

import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.exact.ExactAggregator;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.flowtrace.sketch.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** An aggregator whose keys stopped below the bound (the heap had no room to grow them) still merges by rank. */
class StoppedKeysTest {

    private static void send(ExactAggregator t, int from, int to, int packets) {
        for (int i = from; i < to; i++) {
            for (int k = 0; k < packets; k++) {
                t.onPacket(packet(0x0A000000 + i, 1, 5, 80, 6, 60));
            }
        }
    }

    @Test
    void aMergeByRankIntoAStoppedIndexKeepsTheHeaviestKeysThatFitAndCountsTheRest() {
        // a stopped at 50 keys below its bound of 100; b brings 80 other keys of two packets each: the union (130)
        // exceeds the bound, is ranked, and only 50 of its keys can be taken back
        ExactAggregator a = ExactAggregator.of("t", "src_ip", "packets", 0, 100);
        ExactAggregator b = ExactAggregator.of("t", "src_ip", "packets", 0, 100);
        send(a, 0, 50, 1);
        a.index.stop();
        send(b, 50, 130, 2);
        a.merge(b);
        assertEquals(50, a.keyCount());
        Snapshot s = a.snapshot(0, 1);
        for (Snapshot.Row r : s.rows()) {
            assertEquals(2, r.value(), r.toString());
        }
        Map<String, Long> totals = s.totals();
        assertEquals(210L, totals.get("total_packets"));
        assertEquals(210L - 50 * 2, totals.get("untracked_packets"), "every packet of a key not taken back");
        assertEquals(a.trackedPackets() + a.untrackedPackets(), 210L);
    }
}
