package io.flowtrace.examples;

import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.TestPacket;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's timeline: every packet counted once, in the step it fell in, however long the span. */
class TimelineTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S;

    @Test
    void stepsHoldTheirPacketsAndGapsAreZero() {
        Timeline t = new Timeline("t", 10 * S);
        t.onPacket(TestPacket.ipv4(T0 + 1 * S, 1, 2, 3, 4, 6, 100));
        t.onPacket(TestPacket.ipv4(T0 + 9 * S, 1, 2, 3, 4, 6, 50));
        t.onPacket(TestPacket.ipv4(T0 + 35 * S, 1, 2, 3, 4, 6, 70));
        t.onPacket(TestPacket.ipv4(T0 - 5 * S, 1, 2, 3, 4, 6, 20)); // out of order, before the first
        Snapshot s = t.snapshot(0, 0);
        assertEquals(5, s.rows().size(), s.toString()); // -10..0, 0..10, 10..20 (empty), 20..30 (empty), 30..40
        long[] packets = {1, 2, 0, 0, 1};
        long[] bytes = {20, 150, 0, 0, 70};
        for (int i = 0; i < 5; i++) {
            Snapshot.Row r = s.rows().get(i);
            assertEquals(T0 + (i - 1) * 10 * S, ((Number) r.key().get("start_ns")).longValue());
            assertEquals(packets[i], r.value());
            assertEquals(bytes[i], r.counts().get("bytes"));
        }
    }

    @Test
    void aSpanOfYearsWidensTheStepAndKeepsEveryPacket() {
        Random rnd = new Random(7);
        Timeline a = new Timeline("t", S);
        Timeline b = new Timeline("t", S);
        long packets = 0;
        long bytes = 0;
        long threeYears = 3L * 365 * 86_400 * S;
        for (int i = 0; i < 20_000; i++) {
            long at = T0 + (long) (rnd.nextDouble() * threeYears);
            int wire = 60 + rnd.nextInt(1400);
            (i % 3 == 0 ? a : b).onPacket(TestPacket.ipv4(at, 1, 2, 3, 4, 6, wire));
            packets++;
            bytes += wire;
        }
        Timeline m = (Timeline) a.copy();
        m.merge(b);
        Snapshot s = m.snapshot(0, 0);
        assertTrue(s.rows().size() <= Timeline.MAX, "rows " + s.rows().size());
        assertTrue(m.width() >= threeYears / Timeline.MAX, "step " + m.width());
        assertEquals(packets, s.totals().get("total_packets"));
        assertEquals(bytes, s.totals().get("total_bytes"));
        long sum = 0;
        long before = Long.MIN_VALUE;
        for (Snapshot.Row r : s.rows()) {
            long start = ((Number) r.key().get("start_ns")).longValue();
            assertTrue(start > before && start % m.width() == 0, "aligned, ascending steps");
            before = start;
            sum += r.value();
        }
        assertEquals(packets, sum);
    }
}
