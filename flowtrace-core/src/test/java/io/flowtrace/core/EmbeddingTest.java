package io.flowtrace.core;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.frames.Frames;
import io.flowtrace.core.testing.ListSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.flowtrace.testkit.frames.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a service embedding flowtrace relies on: callback threads, visible failures, one build error for all. */
class EmbeddingTest {
    private static final long S = 1_000_000_000L;

    /** One packet every 10 ms of packet time over {@code seconds}. */
    private static ListSource steady(int seconds) {
        ListSource src = new ListSource();
        long ts = 1_700_000_000L * S;
        for (int i = 0; i < seconds * 100; i++) {
            src.add(ts + i * 10_000_000L, Frames.ethIpv4(Frames.ip(10, 0, 0, 1 + i % 50), Frames.ip(10, 0, 1, 1), 17,
                    40000, 53, 0, 20));
        }
        return src;
    }

    @Test
    void aSlowSnapshotListenerRunsOffTheWorkersAndDoesNotSlowMetering() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger seen = new AtomicInteger();
        long t0 = System.nanoTime();
        FlowStats s = FlowTrace.builder().source(steady(60)).workers(2).aggregator(new FlowTraceTest.PacketCounter())
                .snapshotInterval(Duration.ofSeconds(1))
                .onSnapshot(snap -> {
                    threads.add(Thread.currentThread().getName());
                    seen.incrementAndGet();
                    sleep(50);
                })
                .sinkCloseTimeout(Duration.ofSeconds(60))
                .build().run();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(6_000, s.packetsRead());
        // packets span 59.99 s: 59 one-second boundaries and the end, each delivered, none lost
        assertEquals(60, seen.get());
        assertFalse(threads.stream().anyMatch(n -> n.startsWith("flowtrace-worker") || n.equals("main")), threads.toString());
        assertEquals(Set.of("flowtrace-sink-on-snapshot-1"), threads);
        // run() waits for the listener to finish delivering, so the time includes it; metering did not wait:
        assertTrue(ms >= 60 * 50, "run() returns once the listener has had every snapshot: " + ms + " ms");
    }

    @Test
    void workersFinishMeteringWhileASlowListenerIsStillBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        FlowTrace t = FlowTrace.builder().source(steady(30)).workers(2).aggregator(new FlowTraceTest.PacketCounter())
                .snapshotInterval(Duration.ofSeconds(1))
                .onSnapshot(snap -> {
                    seen.incrementAndGet();
                    await(release);
                })
                .onEvent(e -> { })
                .build().start();
        // the listener blocks on its first snapshot; every packet is metered and every flow (50 of them, all open
        // until the end) flushed by the workers anyway
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((t.stats().events() < 50 || seen.get() < 1) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(3_000, t.stats().packetsDecoded());
        assertEquals(50, t.stats().events());
        assertEquals(1, seen.get(), "the listener is still held on its first snapshot");
        release.countDown();
        FlowStats s = t.awaitTermination(Duration.ofSeconds(30));
        assertEquals(30, seen.get());
        assertTrue(s.failures().isEmpty(), s.failures().toString());
    }

    @Test
    void snapshotsOnASecondScheduleKeepTheirOwnInterval() {
        List<Snapshot> main = Collections.synchronizedList(new ArrayList<>());
        List<Snapshot> every10 = Collections.synchronizedList(new ArrayList<>());
        FlowTrace trace = FlowTrace.builder().source(steady(60)).workers(2).aggregator(new FlowTraceTest.PacketCounter())
                .snapshotInterval(Duration.ofSeconds(20))
                .onSnapshot(main::add)
                .onSnapshot(Duration.ofSeconds(10), every10::add)
                .build();
        trace.run();
        // windows end at interval boundaries of packet time (the packets span 59.99 s), plus one at the end
        assertEquals(3, main.size(), main.toString());
        assertEquals(6, every10.size(), every10.toString());
        long total = 6_000;
        assertEquals(total, main.get(main.size() - 1).totals().get("total_packets"));
        assertEquals(total, every10.get(every10.size() - 1).totals().get("total_packets"));
        for (Snapshot s : every10.subList(0, 5)) {
            assertEquals(0, (s.endNanos() / S) % 10, "a 10 s boundary: " + s);
        }
        assertEquals(total, trace.snapshot("count").orElseThrow().totals().get("total_packets"));
        assertTrue(trace.snapshot("nope").isEmpty());
    }

    @Test
    void stateListenersGetTheMergedAggregatorOfEveryWindowOfTheirSchedule() {
        List<long[]> windows = Collections.synchronizedList(new ArrayList<>());
        List<Snapshot> every10 = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source(steady(60)).workers(2).aggregator(new FlowTraceTest.PacketCounter())
                .onSnapshot(Duration.ofSeconds(10), every10::add)
                .onState(Duration.ofSeconds(10), (merged, start, end) -> windows.add(new long[] {start, end,
                        merged.snapshot(start, end).totals().get("total_packets")}))
                .build().run();
        // the same windows as the snapshots of that schedule, each holding what its snapshot says
        assertEquals(every10.size(), windows.size());
        for (int i = 0; i < windows.size(); i++) {
            assertEquals(every10.get(i).endNanos(), windows.get(i)[1]);
            assertEquals(every10.get(i).totals().get("total_packets"), windows.get(i)[2]);
        }
        assertEquals(6_000, windows.get(windows.size() - 1)[2]);
    }

    @Test
    void aScheduleThatIsNoMultipleOfTheOthersClosesEachWindowAtItsBoundary() {
        // the main schedule ticks every second; the other's windows end at 1.5 s boundaries, which only a tick of
        // their own separates from the packets after them
        List<Snapshot> every1500 = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source(steady(20)).workers(2).aggregator(new FlowTraceTest.PacketCounter())
                .snapshotInterval(Duration.ofSeconds(1))
                .onSnapshot(Duration.ofMillis(1_500), every1500::add)
                .build().run();
        long first = 1_700_000_000L * S;
        for (Snapshot snap : every1500.subList(0, every1500.size() - 1)) {
            long before = (snap.endNanos() - first + 9_999_999) / 10_000_000; // packets every 10 ms from first
            assertEquals(before, snap.totals().get("total_packets"), "window ending " + snap.endNanos());
        }
        assertEquals(14, every1500.size(), every1500.toString()); // 13 boundaries (t0 + 1 s, 2.5 s, ... 19 s), the end
    }

    @Test
    void aThrowingCallbackIsCountedSurfacedAndCanFailTheRun() {
        FlowStats s = FlowTrace.builder().source(steady(2)).onEvent(e -> {
            throw new IllegalStateException("boom");
        }).build().run();
        assertEquals(s.events(), s.sinks().get("callback").failed());
        assertEquals(1, s.failures().size(), s.failures().toString());
        assertTrue(s.failures().get(0).startsWith("sink callback did not deliver " + s.events()), s.failures().toString());

        PluginFailureException e = assertThrows(PluginFailureException.class, () -> FlowTrace.builder()
                .source(steady(2)).failOnPluginError(true).onEvent(ev -> {
                    throw new IllegalStateException("boom");
                }).build().run());
        assertTrue(e.getMessage().contains("sink callback did not deliver"), e.getMessage());
        assertEquals(e.stats().events(), e.stats().sinks().get("callback").failed());

        FlowStats clean = FlowTrace.builder().source(steady(2)).failOnPluginError(true).onEvent(ev -> { })
                .build().run();
        assertTrue(clean.failures().isEmpty());
    }

    @Test
    void aThrowingAggregatorIsSurfacedInFailures() {
        FlowStats s = FlowTrace.builder().source(steady(1)).aggregator(new FlowTraceTest.PacketCounter() {
            @Override public void onPacket(PacketView p) { throw new IllegalStateException("bad"); }
            @Override public Aggregator newEmpty() { return this; }
        }).build().run();
        assertEquals(100, s.aggregatorFailures());
        assertTrue(s.failures().contains("aggregators threw 100 time(s)"), s.failures().toString());
    }

    /** A sink whose provider records what it opened and closed, for the build tests. */
    public static final class TrackedSinkProvider implements SinkProvider {
        static final List<String> OPENED = Collections.synchronizedList(new ArrayList<>());
        static final List<String> CLOSED = Collections.synchronizedList(new ArrayList<>());

        @Override public String name() { return "tracked"; }

        @Override
        public Sink create(PluginConfig c) {
            String id = c.requireString("id");
            int batch = c.getInt("batch", 1, 1, 100);
            Duration every = c.getDuration("every", Duration.ofSeconds(1));
            List<String> tags = c.getList("tags", List.of());
            c.validate();
            OPENED.add(id + " batch=" + batch + " every=" + every.toMillis() + " tags=" + tags);
            return new Sink() {
                @Override public String name() { return "tracked"; }
                @Override public void accept(FlowEvent event) { }
                @Override public void close() { CLOSED.add(id); }
            };
        }
    }

    private static Plugins tracked(Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/io.flowtrace.core.spi.SinkProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, TrackedSinkProvider.class.getName() + "\nno.such.BrokenSinkProvider\n");
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                EmbeddingTest.class.getClassLoader());
        return Plugins.discover(loader);
    }

    @Test
    void buildReportsEveryProblemAtOnceAndClosesWhatItCreated(@TempDir Path dir) throws Exception {
        TrackedSinkProvider.OPENED.clear();
        TrackedSinkProvider.CLOSED.clear();
        Plugins plugins = tracked(dir);
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> FlowTrace.builder()
                .plugins(plugins)
                .source(steady(1))
                .sink("tracked", Map.of("id", "first"))
                .sink("tracked", Map.of("id", "second", "batch", 500))
                .sink("tracked", Map.of("id", "third", "colour", "blue"))
                .sink("natz", Map.of())
                .sink("tracked", Map.of("id", "fourth", "queue", "x"))
                .period(Duration.ofSeconds(1)).snapshotInterval(Duration.ofSeconds(5))
                .build());
        assertTrue(e.getMessage().startsWith("5 problems: "), e.getMessage());
        assertContainsAll(e.getMessage(), "period (1s) must not be shorter than snapshotInterval (5s)",
                "sink 'tracked': batch: 500 (expected: 1..100)", "sink 'tracked': unknown key 'colour'",
                "no sink named 'natz'", "failed to load", "no.such.BrokenSinkProvider", "sink 'tracked': queue: 'x'");
        // the one sink that was created is closed again; the refused ones were never opened
        assertEquals(List.of("first batch=1 every=1000 tags=[]"), TrackedSinkProvider.OPENED);
        assertEquals(List.of("first"), TrackedSinkProvider.CLOSED);
    }

    @Test
    void pluginSettingsMayBeTypedValues(@TempDir Path dir) throws Exception {
        TrackedSinkProvider.OPENED.clear();
        FlowTrace.builder().plugins(tracked(dir)).source(steady(1))
                .sink("tracked", Map.of("id", "typed", "batch", 7, "every", Duration.ofMillis(250),
                        "tags", List.of("a", "b")))
                .build().run();
        assertEquals(List.of("typed batch=7 every=250 tags=[a, b]"), TrackedSinkProvider.OPENED);
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> new PluginConfig("sink 'x'", Map.of("nested", Map.of())));
        assertTrue(e.getMessage().contains("nested: a "), e.getMessage());
    }

    /** A live source that sends a few packets, then goes quiet without ever calling onIdle, until stopped. */
    static final class QuietLiveSource implements PacketSource {
        private final CountDownLatch stopped = new CountDownLatch(1);

        @Override public String description() { return "quiet"; }
        @Override public boolean isLive() { return true; }

        @Override
        public void run(PacketHandler h) throws java.io.IOException {
            byte[] f = Frames.ethIpv4(Frames.ip(10, 0, 0, 1), Frames.ip(10, 0, 0, 2), 17, 5000, 53, 0, 20);
            long now = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < 3; i++) {
                h.onPacket(now + i, 1, f, 0, f.length, f.length, 0);
            }
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void stop() { stopped.countDown(); }
        @Override public void close() { }
    }

    @Test
    void idleFlowsOfAQuietLiveSourceExpireByTheWallClock() throws Exception {
        List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
        for (int workers : new int[] {1, 2}) {
            events.clear();
            QuietLiveSource src = new QuietLiveSource();
            FlowTrace t = FlowTrace.builder().source(src).workers(workers).idleTimeout(Duration.ofSeconds(1))
                    .onEvent(events::add).build().start();
            try {
                // the heartbeat hands the waiting batch over and moves the clock: the flow ends by idle timeout
                // about two seconds later (the timeout and the heartbeat's lag), with the source still running
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (events.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(1, events.size(), "workers=" + workers + ": " + events);
                assertEquals(EndReason.IDLE_TIMEOUT, events.get(0).endReason());
                assertEquals(3, events.get(0).packetCount());
            } finally {
                t.stop();
                t.awaitTermination(Duration.ofSeconds(10));
            }
            assertEquals(1, events.size(), events.toString());
        }
    }

    /**
     * A live source whose traffic stops twice: one flow, a quiet spell long enough for every thread downstream to
     * park, then a second flow; the wall-clock time of each flow's last packet is kept.
     */
    static final class TwoBurstLiveSource implements PacketSource {
        private final CountDownLatch stopped = new CountDownLatch(1);
        final long[] lastPacketMillis = new long[2];

        @Override public String description() { return "two bursts"; }
        @Override public boolean isLive() { return true; }

        @Override
        public void run(PacketHandler h) throws java.io.IOException {
            try {
                for (int burst = 0; burst < 2; burst++) {
                    byte[] f = Frames.ethIpv4(Frames.ip(10, 0, 0, 1 + burst), Frames.ip(10, 0, 0, 9), 17, 5000, 53,
                            0, 20);
                    for (int i = 0; i < 3; i++) {
                        long now = System.currentTimeMillis();
                        h.onPacket(now * 1_000_000L, 1, f, 0, f.length, f.length, 0);
                        lastPacketMillis[burst] = now;
                    }
                    if (burst == 0 && stopped.await(3, TimeUnit.SECONDS)) {
                        return;
                    }
                }
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void stop() { stopped.countDown(); }
        @Override public void close() { }
    }

    @Test
    void idleFlowsExpireOnTimeAfterTheWorkersHaveParked() throws Exception {
        for (int workers : new int[] {1, 2}) {
            List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
            List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
            TwoBurstLiveSource src = new TwoBurstLiveSource();
            FlowTrace t = FlowTrace.builder().source(src).workers(workers).inlineWorker(false)
                    .idleTimeout(Duration.ofSeconds(1))
                    .onEvent(e -> {
                        arrivals.add(System.currentTimeMillis());
                        events.add(e);
                    }).build().start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (events.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(2, events.size(), "workers=" + workers + ": " + events);
                for (int i = 0; i < 2; i++) {
                    FlowEvent e = events.get(i);
                    assertEquals(EndReason.IDLE_TIMEOUT, e.endReason(), e.toString());
                    assertEquals(3, e.packetCount());
                    int burst = e.key().srcAddress().getAddress()[3] - 1;
                    // never early: the timeout, measured by a clock that lags the wall clock
                    assertTrue(arrivals.get(i) >= src.lastPacketMillis[burst] + 1_000,
                            "workers=" + workers + ": flow " + burst + " ended " + (arrivals.get(i)
                                    - src.lastPacketMillis[burst]) + " ms after its last packet");
                }
            } finally {
                t.stop();
                t.awaitTermination(Duration.ofSeconds(10));
            }
            assertEquals(2, events.size(), events.toString());
        }
    }

    /** Flows 10.{part}.0.x -> 10.{part}.1.1, one packet every 10 ms over five seconds. */
    private static ListSource part(int part) {
        ListSource src = new ListSource();
        long ts = 1_700_000_000L * S;
        for (int i = 0; i < 500; i++) {
            src.add(ts + i * 10_000_000L, Frames.ethIpv4(Frames.ip(10, part, 0, i % 25), Frames.ip(10, part, 1, 1),
                    6, 40000, 80, Frames.ACK, 100));
        }
        return src;
    }

    /** A source that splits into one part per flow group, as a fanout socket per worker would. */
    static final class SplitSource implements PacketSource {
        final List<PacketSource> parts = List.of(part(1), part(2), part(3));
        int asked;

        @Override public String description() { return "split"; }
        @Override public void run(PacketHandler h) { throw new AssertionError("the parts run, not the source"); }
        @Override public List<PacketSource> split(int n) { asked = n; return parts; }
        @Override public void stop() { }
        @Override public void close() { }
    }

    @Test
    void aSplitSourceRunsItsPartsAndMetersWhatTheyReadTogether() {
        SplitSource split = new SplitSource();
        List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
        FlowStats s = FlowTrace.builder().source(split).workers(2).onEvent(events::add).build().run();
        assertEquals(2, split.asked);
        assertEquals(1_500, s.packetsDecoded());
        ListSource all = new ListSource();
        for (int p = 1; p <= 3; p++) {
            ListSource one = part(p);
            one.run(new PacketHandler() {
                @Override
                public void onPacket(long ts, int link, byte[] data, int off, int cap, int wire, int ifIndex) {
                    all.add(ts, java.util.Arrays.copyOfRange(data, off, off + cap));
                }
            });
        }
        List<FlowEvent> expected = FlowTraceTest.collect(all, 1, FlowOptions.defaults());
        assertEquals(75, expected.size());
        assertEquals(FlowTraceTest.sorted(expected), FlowTraceTest.sorted(new ArrayList<>(events)));
    }

    @Test
    void anIdleTimeoutOfZeroMeansNeverAndFlowsEndAtTheActiveTimeout() {
        // one UDP flow, a packet every 10 ms for 60 s: with idle never and active 25 s it is reported at 25 s and
        // 50 s and ends with the capture; a 100 ms idle timeout would have ended it at none of those
        List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
        ListSource src = new ListSource();
        long ts = 1_700_000_000L * S;
        for (int i = 0; i < 6_000; i++) {
            src.add(ts + i * 10_000_000L, Frames.ethIpv4(Frames.ip(10, 0, 0, 1), Frames.ip(10, 0, 1, 1), 17,
                    40000, 53, 0, 20));
        }
        FlowTrace.builder().source(src).idleTimeout(Duration.ZERO).activeTimeout(Duration.ofSeconds(25))
                .onEvent(events::add).build().run();
        assertEquals(List.of(EndReason.ACTIVE_TIMEOUT, EndReason.ACTIVE_TIMEOUT, EndReason.END_OF_CAPTURE),
                events.stream().map(FlowEvent::endReason).collect(java.util.stream.Collectors.toList()));
        assertEquals(6_000, events.stream().mapToLong(FlowEvent::packetCount).sum());
        // and with the default active timeout (30 min), which used to refuse it
        FlowOptions o = FlowOptions.defaults().withIdleTimeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO);
        assertEquals(Long.MAX_VALUE, o.idleTimeoutNanos(17));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
