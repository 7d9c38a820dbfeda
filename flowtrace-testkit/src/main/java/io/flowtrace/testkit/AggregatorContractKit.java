package io.flowtrace.testkit;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every aggregator keeps, as the pipeline uses it: one instance per worker made with
 * {@link Aggregator#newEmpty()}, fed on that worker's thread; at a snapshot, each worker's {@link Aggregator#copy()}
 * is merged into a fresh instance on another thread while the worker goes on, and {@link Aggregator#reset()} starts
 * a new period. The kit checks that a new instance is empty and named, a snapshot changes nothing, a copy is
 * independent both ways, merged parts answer like one instance (exactly or within a tolerance, as
 * {@link #merge()} says), a merge leaves its argument alone and refuses another type, reset clears, and
 * {@code onPacket} allocates nothing once warm.
 *
 * <pre>{@code
 * class TopPortsContractTest extends AggregatorContractKit {
 *     protected Aggregator createAggregator() {
 *         return new TopPortsProvider().create(new PluginConfig("aggregator 'top-ports'", Map.of("name", "t")));
 *     }
 * }
 * }</pre>
 *
 * Packets come from {@link TestTraffic}; override {@link #traffic} to feed others.
 *
 * @since 0.1
 */
public abstract class AggregatorContractKit {
    /** For subclasses: one per plugin under test. */
    protected AggregatorContractKit() {
    }


    /** How exactly merged parts reproduce one instance's answer: the promise the aggregator's Javadoc makes. */
    public enum Merge {
        /** Same rows, values and totals. */
        EXACT,
        /**
         * Same totals; rows overlap by 75%, a row on one side only is near the smallest reported row, and
         * values agree within {@link #tolerance()}.
         */
        APPROXIMATE,
        /**
         * As {@code APPROXIMATE}, but only when each key is fed to one part: {@link #partition} must then route
         * packets by the aggregator's key.
         */
        KEY_PARTITIONED
    }

    /** {@return A new instance with the parameters under test} */
    protected abstract Aggregator createAggregator();

    /** {@return what a merge promises; {@link Merge#EXACT} unless overridden} */
    protected Merge merge() {
        return Merge.EXACT;
    }

    /**
     * Which of {@code parts} instances gets packet number {@code index} in the merge test: round robin unless
     * overridden (a {@link Merge#KEY_PARTITIONED} aggregator routes by its key).
     *
     * @param packet the packet
     * @param index  its number in the traffic, from 0
     * @param parts  how many instances share the traffic
     * @return the instance that gets it, {@code 0 <= i < parts}
     */
    protected int partition(PacketView packet, int index, int parts) {
        return index % parts;
    }

    /** {@return the relative error allowed per row value for approximate merges, plus 2} */
    protected double tolerance() {
        return 0.2;
    }

    /**
     * An instance of the same type whose parameters differ, which {@link Aggregator#merge} must refuse; {@code null}
     * (the default) skips that check.
     *
     * @return the mismatched instance, or {@code null}
     */
    protected Aggregator mismatchedAggregator() {
        return null;
    }

    /**
     * The packets the tests feed; by default {@link TestTraffic#zipf} over 5,000 sources and 2,000 destinations.
     *
     * @param seed    the seed the traffic is drawn from
     * @param packets how many packets
     * @return the packets, in time order
     */
    protected List<? extends PacketView> traffic(long seed, int packets) {
        return TestTraffic.zipf(seed, 5_000, 2_000, packets);
    }

    private Aggregator fed(List<? extends PacketView> packets) {
        Aggregator a = createAggregator();
        feed(a, packets);
        return a;
    }

    private static void feed(Aggregator a, List<? extends PacketView> packets) {
        for (PacketView p : packets) {
            a.onPacket(p);
        }
    }

    private static Map<Map<String, Object>, Snapshot.Row> byKey(Snapshot s) {
        Map<Map<String, Object>, Snapshot.Row> m = new HashMap<>();
        for (Snapshot.Row r : s.rows()) {
            m.put(r.key(), r);
        }
        return m;
    }

    private static void assertEmpty(Snapshot s, String what) {
        for (Snapshot.Row r : s.rows()) {
            assertEquals(0, r.value(), what + ": a row with a value: " + r);
        }
    }

    /** {@code actual} answers like {@code expected}: the same rows, or, unless exact, within {@link #tolerance()}. */
    private void assertAlike(Snapshot expected, Snapshot actual, String what) {
        assertEquals(expected.totals(), actual.totals(), what + ": totals");
        if (merge() == Merge.EXACT) {
            assertEquals(byKey(expected), byKey(actual), what + ": rows");
            return;
        }
        Map<Map<String, Object>, Snapshot.Row> want = byKey(expected);
        Map<Map<String, Object>, Snapshot.Row> got = byKey(actual);
        Set<Map<String, Object>> both = new HashSet<>(got.keySet());
        both.retainAll(want.keySet());
        double overlap = (double) both.size() / Math.max(1, Math.max(want.size(), got.size()));
        assertTrue(overlap >= 0.75, what + ": rows overlap " + overlap + " (expected: at least 0.75)");
        // a key reported on one side only must sit at that side's reporting edge, not be a large row lost
        assertOnlyEdgeRowsDiffer(want, got, what + ": a row missing from the second answer");
        assertOnlyEdgeRowsDiffer(got, want, what + ": a row missing from the first answer");
        for (Map<String, Object> k : both) {
            double v1 = want.get(k).value();
            double v2 = got.get(k).value();
            assertTrue(Math.abs(v1 - v2) <= tolerance() * v1 + 2, what + ": " + k + ": " + v1 + " vs " + v2);
        }
    }

    private void assertOnlyEdgeRowsDiffer(Map<Map<String, Object>, Snapshot.Row> side,
            Map<Map<String, Object>, Snapshot.Row> other, String what) {
        double edge = side.values().stream().mapToDouble(Snapshot.Row::value).min().orElse(0);
        for (Map.Entry<Map<String, Object>, Snapshot.Row> e : side.entrySet()) {
            if (!other.containsKey(e.getKey())) {
                double v = e.getValue().value();
                assertTrue(v <= edge * (1 + tolerance()) + 2, what + ": " + e.getKey() + " = " + v
                        + ", the smallest reported row is " + edge);
            }
        }
    }

    @Test
    void aNewInstanceIsEmptyAndItsSnapshotNamesTaskTypeAndWindow() {
        Aggregator a = createAggregator();
        assertNotNull(a.task(), "task()");
        assertFalse(a.type() == null || a.type().isBlank(), "type() is blank");
        Snapshot s = a.snapshot(10, 20);
        assertEquals(a.task(), s.task());
        assertEquals(a.type(), s.type());
        assertEquals(10, s.startNanos());
        assertEquals(20, s.endNanos());
        assertEmpty(s, "a new instance");
        Aggregator e = fed(traffic(1, 5_000)).newEmpty();
        assertEquals(a.task(), e.task(), "newEmpty() keeps the task");
        assertEquals(a.type(), e.type(), "newEmpty() keeps the type");
        assertEquals(s, e.snapshot(10, 20), "newEmpty() of a fed instance answers like a new one");
    }

    @Test
    void aSnapshotChangesNothingAndListsRowsLargestFirst() {
        Aggregator a = fed(traffic(2, 20_000));
        Snapshot first = a.snapshot(0, 1);
        assertEquals(first, a.snapshot(0, 1), "a second snapshot");
        assertFalse(first.rows().isEmpty() && first.totals().isEmpty(), "20,000 packets left no trace: " + first);
        for (int r = 1; r < first.rows().size(); r++) {
            assertTrue(first.rows().get(r - 1).value() >= first.rows().get(r).value(), "rows largest first");
        }
    }

    @Test
    void aCopyIsIndependentBothWays() {
        List<? extends PacketView> ps = traffic(3, 20_000);
        Aggregator a = fed(ps.subList(0, 10_000));
        Aggregator copy = a.copy();
        Snapshot atCopy = copy.snapshot(0, 1);
        assertEquals(a.snapshot(0, 1), atCopy, "a copy answers like the original");
        feed(a, ps.subList(10_000, 20_000));
        assertEquals(atCopy, copy.snapshot(0, 1), "the copy after the original was fed");
        Snapshot original = a.snapshot(0, 1);
        assertNotEquals(atCopy, original, "10,000 more packets changed nothing in the original");
        feed(copy, traffic(4, 10_000));
        copy.reset();
        assertEquals(original, a.snapshot(0, 1), "the original after the copy was fed and reset");
    }

    @Test
    void resetClearsTheStateAndTheInstanceStartsAfresh() {
        List<? extends PacketView> ps = traffic(5, 10_000);
        Aggregator a = fed(traffic(6, 10_000));
        a.reset();
        Snapshot cleared = a.snapshot(0, 1);
        assertEmpty(cleared, "after reset()");
        assertEquals(createAggregator().snapshot(0, 1).totals(), cleared.totals(), "totals after reset()");
        feed(a, ps);
        // a randomised sketch may draw other random numbers after a reset: alike as its merges are, not equal
        assertAlike(fed(ps).snapshot(0, 1), a.snapshot(0, 1), "fed after reset() vs a new instance fed the same");
    }

    @Test
    void mergedPartsAnswerLikeOneInstance() {
        List<? extends PacketView> ps = traffic(7, 100_000);
        Aggregator single = createAggregator();
        Aggregator[] parts = new Aggregator[4];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = single.newEmpty();
        }
        for (int i = 0; i < ps.size(); i++) {
            PacketView p = ps.get(i);
            single.onPacket(p);
            parts[partition(p, i, parts.length)].onPacket(p);
        }
        Aggregator merged = single.newEmpty();
        for (Aggregator part : parts) {
            Snapshot before = part.snapshot(0, 1);
            merged.merge(part);
            assertEquals(before, part.snapshot(0, 1), "merge(part) changed the part");
        }
        Snapshot one = single.snapshot(0, 1);
        Snapshot all = merged.snapshot(0, 1);
        for (int r = 1; r < all.rows().size(); r++) {
            assertTrue(all.rows().get(r - 1).value() >= all.rows().get(r).value(), "rows largest first");
        }
        merged.merge(single.newEmpty());
        assertEquals(all, merged.snapshot(0, 1), "merging an empty instance changed the answer");
        assertAlike(one, all, "the merged parts vs one instance");
    }

    @Test
    void copiesMergeOnAnotherThreadWhileTheWorkerGoesOn() throws Exception {
        List<? extends PacketView> ps = traffic(8, 40_000);
        Aggregator worker = createAggregator();
        ExecutorService snapshots = Executors.newSingleThreadExecutor();
        try {
            feed(worker, ps.subList(0, 20_000));
            Aggregator copy = worker.copy(); // on the worker's thread, as the pipeline does
            Snapshot atCopy = copy.snapshot(0, 1);
            Future<Snapshot> merged = snapshots.submit(() -> {
                Aggregator into = copy.newEmpty();
                into.merge(copy);
                return into.snapshot(0, 1);
            });
            feed(worker, ps.subList(20_000, 40_000)); // meanwhile the worker goes on
            Snapshot result = merged.get(30, TimeUnit.SECONDS);
            if (merge() == Merge.EXACT) {
                assertEquals(atCopy, result, "the copy merged on another thread");
            } else {
                assertEquals(atCopy.totals(), result.totals(), "totals of the copy merged on another thread");
            }
        } finally {
            snapshots.shutdownNow();
        }
    }

    @Test
    void mergeRefusesAnotherTypeAndOtherParameters() {
        Aggregator a = createAggregator();
        Aggregator stranger = new Aggregator() {
            @Override public String task() {
                return a.task();
            }
            @Override public String type() {
                return "not-" + a.type();
            }
            @Override public Aggregator newEmpty() {
                return this;
            }
            @Override public Aggregator copy() {
                return this;
            }
            @Override public void merge(Aggregator other) {
            }
            @Override public void reset() {
            }
            @Override public Snapshot snapshot(long startNanos, long endNanos) {
                return new Snapshot(task(), type(), "packets", startNanos, endNanos, List.of(), Map.of());
            }
        };
        assertThrows(IllegalArgumentException.class, () -> a.merge(stranger), "merge with another type");
        Aggregator other = mismatchedAggregator();
        if (other != null) {
            assertEquals(a.type(), other.type(), "mismatchedAggregator() is of the same type");
            assertThrows(IllegalArgumentException.class, () -> a.merge(other), "merge with other parameters");
        }
    }

    /**
     * {@code onPacket} is on the packet path: once warm it allocates nothing (HotSpot's per-thread allocation
     * counter; skipped on JVMs without it). The least of five rounds is taken, as a compilation or a class
     * initialisation is not per packet.
     */
    @Test
    void onPacketAllocatesNothingOnceWarm() {
        long probe = allocatedBytes();
        assumeTrue(probe >= 0, "this JVM does not count allocated bytes per thread");
        Aggregator a = createAggregator();
        PacketView[] ps = traffic(9, 50_000).toArray(new PacketView[0]);
        for (int round = 0; round < 3; round++) {
            for (PacketView p : ps) {
                a.onPacket(p);
            }
        }
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long overhead = -allocatedBytes() + allocatedBytes();
            long before = allocatedBytes();
            for (PacketView p : ps) {
                a.onPacket(p);
            }
            least = Math.min(least, allocatedBytes() - before - overhead);
        }
        // one 16-byte object per packet would be 800 KB; allow only measurement noise
        assertTrue(least < 1024, a.type() + " allocated " + least + " bytes over " + ps.length + " packets");
    }

    /** This thread's allocated bytes, or -1 where the JVM does not count them. */
    private static long allocatedBytes() {
        try {
            Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class).invoke(mx, Thread.currentThread().getId());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
