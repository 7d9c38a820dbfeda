package io.flowtrace.core;

import io.flowtrace.core.spi.PacketView;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.flowtrace.core.FlowTraceTest.randomTraffic;
import static io.flowtrace.core.FlowTraceTest.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowCacheTest {

    /** The README's example (one event per flow at the end of the run), noting the threads that call it. */
    static class WholeRunCache implements FlowCache {
        final Context context;
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        private final Map<FlowKey, long[]> flows = new HashMap<>(); // first, last, packets, bytes, ip bytes, flags, if
        private long created, endOfCapture, shutdown;

        WholeRunCache(Context context) { this.context = context; }

        @Override public void update(PacketView p) {
            threads.add(Thread.currentThread());
            long[] f = flows.computeIfAbsent(p.toKey(), k -> new long[7]);
            if (f[2]++ == 0) { f[0] = p.timestampNanos(); f[6] = p.interfaceIndex(); created++; }
            f[1] = Math.max(f[1], p.timestampNanos());
            f[3] += p.wireLength(); f[4] += p.ipLength(); f[5] |= p.tcpFlags();
        }
        @Override public void advance(long nowNanos) {
            threads.add(Thread.currentThread());
        }
        @Override public void flush(EndReason reason) {
            threads.add(Thread.currentThread());
            flows.forEach((k, f) -> context.emit(new FlowEvent(FlowEvent.flowIdOf(k, f[0]), k, f[0], f[1], f[2], 0,
                    f[3], 0, f[4], 0, (int) f[5], 0, reason, context.interfaceName((int) f[6]), context.hostname(),
                    context.direction(k))));
            if (reason == EndReason.SHUTDOWN) shutdown += flows.size(); else endOfCapture += flows.size();
            flows.clear();
        }
        @Override public int size() { return flows.size(); }
        @Override public int capacity() { return flows.size(); }
        @Override public Counters counters() { return new Counters(created, 0, 0, 0, 0, 0, endOfCapture, shutdown); }
    }

    /** Flows one way, never ended before the end of the capture: what {@link WholeRunCache} does. */
    private static FlowOptions untilTheEnd() {
        return FlowOptions.defaults().withActiveTimeout(Duration.ZERO)
                .withIdleTimeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO)
                .withTcpClose(false, Duration.ZERO).withBidirectional(false);
    }

    private static FlowTrace.Builder builder(List<FlowEvent> out) {
        return FlowTrace.builder().source(randomTraffic(3, 30_000)).options(untilTheEnd()).hostname("probe-1")
                .localAddresses(List.of(local())).onEvent(out::add);
    }

    /** An address of the generated traffic, so that events have a direction. */
    private static java.net.InetAddress local() {
        try {
            return java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 5});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("a custom cache given to the builder makes the events: one per worker, each on its worker's thread")
    void aCustomCacheThroughTheBuilderMakesTheEvents() {
        List<FlowEvent> builtIn = Collections.synchronizedList(new ArrayList<>());
        FlowStats expectedStats = builder(builtIn).workers(2).build().run();

        List<FlowEvent> custom = Collections.synchronizedList(new ArrayList<>());
        List<WholeRunCache> caches = Collections.synchronizedList(new ArrayList<>());
        FlowStats stats = builder(custom).workers(2).flowCache(context -> {
            WholeRunCache c = new WholeRunCache(context);
            caches.add(c);
            return c;
        }).build().run();

        assertTrue(builtIn.size() > 1_000, "enough flows to mean something: " + builtIn.size());
        assertTrue(builtIn.stream().anyMatch(e -> e.direction() == Direction.OUTBOUND)
                && builtIn.stream().allMatch(e -> "probe-1".equals(e.hostname())), "the context's parts are used");
        assertEquals(sorted(builtIn), sorted(custom), "the same events as the built-in table makes");
        assertEquals(Set.of(0, 1), Set.of(caches.get(0).context.worker(), caches.get(1).context.worker()));
        assertEquals(2, caches.size(), "one cache per worker");
        for (WholeRunCache c : caches) {
            assertEquals(1, c.threads.size(), "one thread calls a cache");
            assertTrue(!c.threads.contains(Thread.currentThread()), "the worker's own thread, not the caller's");
            assertEquals((FlowOptions.defaults().maxFlows() + 1) / 2, c.context.maxFlows(), "the bound split in two");
            assertTrue(c.context.initialCapacity() <= c.context.maxFlows());
            assertEquals(untilTheEnd(), c.context.options());
        }
        assertTrue(caches.get(0).threads.stream().noneMatch(caches.get(1).threads::contains), "a thread each");
        assertEquals(expectedStats.flowsCreated(), stats.flowsCreated(), "the caches' counters summed");
        assertEquals(custom.size(), stats.events());
        Map<EndReason, Long> reasons = new EnumMap<>(EndReason.class);
        for (EndReason r : EndReason.values()) {
            reasons.put(r, r == EndReason.END_OF_CAPTURE ? (long) custom.size() : 0L);
        }
        assertEquals(reasons, stats.endReasons());
        assertEquals(0, stats.flowsActive());
    }

    @Test
    void aSingleInlineWorkerCallsTheFactoryOnceAndItsCacheOnTheCallingThread() {
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        List<WholeRunCache> caches = new ArrayList<>();
        builder(out).workers(1).inlineWorker(true).flowCache(context -> {
            WholeRunCache c = new WholeRunCache(context);
            caches.add(c);
            return c;
        }).build().run();
        assertEquals(1, caches.size());
        assertEquals(0, caches.get(0).context.worker());
        assertEquals(FlowOptions.defaults().maxFlows(), caches.get(0).context.maxFlows());
        assertEquals(Set.of(Thread.currentThread()), caches.get(0).threads);
        assertEquals(30_000, out.stream().mapToLong(FlowEvent::packetCount).sum());
    }

    @Test
    void theBuiltInTableCountsEventsByEndReasonOverEveryWorker() {
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowOptions o = FlowOptions.defaults().withActiveTimeout(Duration.ofSeconds(90));
        FlowStats stats = FlowTrace.builder().source(randomTraffic(9, 40_000)).options(o).workers(3)
                .onEvent(out::add).build().run();
        Map<EndReason, Long> seen = new EnumMap<>(EndReason.class);
        for (EndReason r : EndReason.values()) {
            seen.put(r, out.stream().filter(e -> e.endReason() == r).count());
        }
        assertEquals(seen, stats.endReasons());
        assertTrue(seen.get(EndReason.IDLE_TIMEOUT) > 0 && seen.get(EndReason.TCP_FIN) + seen.get(EndReason.TCP_RST) > 0
                && seen.get(EndReason.END_OF_CAPTURE) > 0, "several reasons: " + seen);
        assertEquals(out.size(), stats.events());
        assertThrows(UnsupportedOperationException.class, () -> stats.endReasons().put(EndReason.EVICTED, 1L));
    }

    @ParameterizedTest(name = "inline worker: {0}")
    @ValueSource(booleans = {true, false})
    void aCacheThatThrowsStopsTheRun(boolean inline) {
        FlowTrace t = FlowTrace.builder().source(randomTraffic(4, 5_000)).workers(1).inlineWorker(inline)
                .flowCache(context -> new WholeRunCache(context) {
                    @Override public void update(PacketView p) {
                        throw new IllegalStateException("broken cache");
                    }
                }).build();
        RuntimeException e = assertThrows(RuntimeException.class, t::run);
        assertTrue(String.valueOf(e).contains("broken cache") || String.valueOf(e.getCause()).contains("broken cache"),
                String.valueOf(e));
    }

    @Test
    void theCacheFactoryIsSetOnce() {
        FlowTrace.Builder b = FlowTrace.builder().flowCache(WholeRunCache::new);
        assertThrows(IllegalStateException.class, () -> b.flowCache(WholeRunCache::new));
        assertThrows(NullPointerException.class, () -> FlowTrace.builder().flowCache(null));
    }

    @Test
    void countersAddUpFieldByFieldAndByReason() {
        FlowCache.Counters a = new FlowCache.Counters(10, 1, 2, 3, 4, 5, 6, 7);
        FlowCache.Counters b = new FlowCache.Counters(100, 10, 20, 30, 40, 50, 60, 70);
        FlowCache.Counters sum = a.plus(b);
        assertEquals(new FlowCache.Counters(110, 11, 22, 33, 44, 55, 66, 77), sum);
        assertEquals(a, FlowCache.Counters.ZERO.plus(a));
        assertEquals(308, sum.events());
        long[] byReason = {11, 22, 33, 44, 55, 66, 77};
        for (EndReason r : EndReason.values()) {
            assertEquals(byReason[r.ordinal()], sum.ended(r), r.name());
            assertEquals(byReason[r.ordinal()], sum.endReasons().get(r), r.name());
        }
    }
}
