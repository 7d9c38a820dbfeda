package io.flowtrace.core;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live source split into one part per worker (as AF_PACKET fanout sockets are) meters each part on the part's
 * own thread, and gives the records and merged snapshots of an unsplit run of the same packets.
 */
class SplitLiveSourceTest {
    private static final int PER_PART = 600;

    /** Part {@code p}'s packets: flows 10.p.0.x <-> 10.p.1.1 both ways, stamped from {@code t0} by the microsecond. */
    private static List<byte[]> frames(int part) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < PER_PART; i++) {
            int host = i % 30;
            boolean reply = (i / 30) % 2 == 1;
            int a = Frames.ip(10, part, 0, host);
            int b = Frames.ip(10, part, 1, 1);
            out.add(reply ? Frames.ethIpv4(b, a, 17, 53, 40000 + host, 0, 30 + part)
                    : Frames.ethIpv4(a, b, 17, 40000 + host, 53, 0, 20 + part));
        }
        return out;
    }

    /** A live part: hands over its frames stamped with {@code t0} + i µs, then ends. */
    static final class Part implements PacketSource {
        final int part;
        final long t0;

        Part(int part, long t0) {
            this.part = part;
            this.t0 = t0;
        }

        @Override public String description() { return "part " + part; }
        @Override public boolean isLive() { return true; }
        @Override public void stop() { }
        @Override public void close() { }

        @Override
        public void run(PacketHandler h) {
            List<byte[]> fs = frames(part);
            for (int i = 0; i < fs.size(); i++) {
                byte[] f = fs.get(i);
                h.onPacket(t0 + i * 1_000L + part, 1, f, 0, f.length, f.length, 0);
            }
        }
    }

    /** The parts as one source (not split): part 0's frames, then part 1's. */
    static final class Whole implements PacketSource {
        final long t0;

        Whole(long t0) {
            this.t0 = t0;
        }

        @Override public String description() { return "whole"; }
        @Override public boolean isLive() { return true; }
        @Override public void stop() { }
        @Override public void close() { }

        @Override
        public void run(PacketHandler h) {
            new Part(0, t0).run(h);
            new Part(1, t0).run(h);
        }
    }

    /** The whole, split into its two parts. */
    static final class Split implements PacketSource {
        final long t0;
        int asked;

        Split(long t0) {
            this.t0 = t0;
        }

        @Override public String description() { return "split"; }
        @Override public boolean isLive() { return true; }
        @Override public void run(PacketHandler h) { throw new AssertionError("the parts run"); }
        @Override public List<PacketSource> split(int n) { asked = n; return n == 2 ? List.of(new Part(0, t0),
                new Part(1, t0)) : List.of(this); }
        @Override public void stop() { }
        @Override public void close() { }
    }

    /** Counts packets and notes the threads that metered them; merges exactly. */
    static final class Counter implements Aggregator {
        final Set<String> threads;
        long packets;

        Counter(Set<String> threads) {
            this.threads = threads;
        }

        @Override public String task() { return "count"; }
        @Override public String type() { return "test-count"; }
        @Override public void onPacket(PacketView p) { packets++; threads.add(Thread.currentThread().getName()); }
        @Override public Aggregator newEmpty() { return new Counter(threads); }
        @Override public Aggregator copy() { Counter c = new Counter(threads); c.packets = packets; return c; }
        @Override public void merge(Aggregator other) { packets += ((Counter) other).packets; }
        @Override public void reset() { packets = 0; }
        @Override public Snapshot snapshot(long start, long end) {
            return new Snapshot(task(), type(), "packets", start, end, List.of(), Map.of("total_packets", packets));
        }
    }

    @Test
    void eachPartMetersOnItsOwnThreadAndTheResultIsTheUnsplitRunsOne() {
        long t0 = System.currentTimeMillis() * 1_000_000L;
        Set<String> splitThreads = ConcurrentHashMap.newKeySet();
        List<FlowEvent> splitEvents = Collections.synchronizedList(new ArrayList<>());
        List<Snapshot> splitSnaps = Collections.synchronizedList(new ArrayList<>());
        Split split = new Split(t0);
        FlowStats s = FlowTrace.builder().source(split).workers(2).aggregator(new Counter(splitThreads))
                .onEvent(splitEvents::add).onSnapshot(splitSnaps::add).build().run();

        Set<String> wholeThreads = ConcurrentHashMap.newKeySet();
        List<FlowEvent> wholeEvents = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source(new Whole(t0)).workers(1).aggregator(new Counter(wholeThreads))
                .onEvent(wholeEvents::add).build().run();

        assertEquals(2, split.asked);
        assertEquals(2L * PER_PART, s.packetsRead());
        // the parts' threads meter what they read (a batch still open when a part ends is metered by the ending)
        assertTrue(splitThreads.containsAll(Set.of("flowtrace-source-0", "flowtrace-source-1")), splitThreads.toString());
        assertTrue(splitThreads.stream().noneMatch(t -> t.startsWith("flowtrace-worker")),
                "no worker thread, no hand-off: " + splitThreads);
        assertEquals(60, wholeEvents.size());
        assertEquals(FlowTraceTest.sorted(wholeEvents), FlowTraceTest.sorted(new ArrayList<>(splitEvents)));
        assertEquals(1, splitSnaps.size(), "the workers' last windows end together and merge: " + splitSnaps);
        assertEquals((long) 2 * PER_PART, splitSnaps.get(0).totals().get("total_packets"));
        assertTrue(splitSnaps.get(0).startNanos() < t0, "the windows start at the heartbeat's time");
    }

    @Test
    void withTunnelsDecodedASplittingSourceIsAskedForOnePart() {
        Split split = new Split(System.currentTimeMillis() * 1_000_000L);
        List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
        try {
            FlowTrace.builder().source(split).workers(2).decodeTunnels(true).onEvent(events::add).build().run();
        } catch (AssertionError expected) {
            // the unsplit source was run, as asked: it refuses to run itself
        } catch (FlowTraceException e) {
            assertTrue(String.valueOf(e.getCause()).contains("the parts run") || e.getMessage().contains("parts"),
                    e.toString());
        }
        assertEquals(1, split.asked);
    }
}
