package io.flowtrace.core;

import io.flowtrace.core.internal.DecodeStatus;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.frames.Frames;
import io.flowtrace.core.testing.ListSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTraceTest {
    private static final long S = 1_000_000_000L;

    /** Random TCP/UDP/ICMP traffic as Ethernet frames over a few hundred conversations. */
    static ListSource randomTraffic(long seed, int packets) {
        SplittableRandom r = new SplittableRandom(seed);
        ListSource src = new ListSource();
        long ts = 1_700_000_000L * S;
        for (int i = 0; i < packets; i++) {
            ts += r.nextInt(100) < 97 ? r.nextLong(20_000_000L) : r.nextLong(40 * S);
            int a = Frames.ip(10, 0, 0, r.nextInt(40));
            int b = Frames.ip(10, 0, 1, r.nextInt(40));
            boolean fwd = r.nextBoolean();
            int pr = r.nextInt(10);
            int proto = pr < 6 ? 6 : pr < 9 ? 17 : 1;
            int sp = 40000 + r.nextInt(3);
            int dp = 80 + r.nextInt(2);
            int f = r.nextInt(100);
            int flags = f < 6 ? Frames.SYN : f < 10 ? Frames.SYN | Frames.ACK : f < 15 ? Frames.FIN | Frames.ACK
                    : f < 17 ? Frames.RST : Frames.ACK;
            long net = 0x20010db8L << 32;
            byte[] frame = r.nextInt(6) == 0
                    ? (fwd ? Frames.ethIpv6(net, a, net, b, proto, sp, dp, flags, r.nextInt(200))
                    : Frames.ethIpv6(net, b, net, a, proto, dp, sp, flags, r.nextInt(200)))
                    : fwd ? Frames.ethIpv4(a, b, proto, sp, dp, flags, r.nextInt(1400))
                    : Frames.ethIpv4(b, a, proto, dp, sp, flags, r.nextInt(1400));
            src.add(ts, frame);
        }
        return src;
    }

    static List<FlowEvent> collect(PacketSource src, int workers, FlowOptions o) {
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowStats stats = FlowTrace.builder().source(src).options(o).workers(workers).onEvent(out::add).build().run();
        assertEquals(stats.events(), out.size());
        return new ArrayList<>(out);
    }

    static List<FlowEvent> sorted(List<FlowEvent> rs) {
        List<FlowEvent> l = new ArrayList<>(rs);
        l.sort((x, y) -> {
            int c = x.flowId().compareTo(y.flowId());
            return c != 0 ? c : Long.compare(x.endNanos(), y.endNanos());
        });
        return l;
    }

    @Test
    void recordsAreTheSameForOneTwoAndFourWorkers() {
        FlowOptions o = FlowOptions.defaults().withActiveTimeout(Duration.ofMinutes(2));
        List<FlowEvent> one = sorted(collect(randomTraffic(7, 60_000), 1, o));
        assertTrue(one.size() > 500, "enough flows to mean something: " + one.size());
        assertEquals(one, sorted(collect(randomTraffic(7, 60_000), 2, o)));
        assertEquals(one, sorted(collect(randomTraffic(7, 60_000), 4, o)));
        assertEquals(60_000, one.stream().mapToLong(FlowEvent::packetCount).sum());
    }

    /** Notes the threads its packets are metered on. */
    static final class ThreadWitness implements Aggregator {
        final Set<Thread> seen = ConcurrentHashMap.newKeySet();

        @Override public String task() { return "threads"; }
        @Override public String type() { return "test-threads"; }
        @Override public void onPacket(PacketView p) { seen.add(Thread.currentThread()); }
        @Override public Aggregator newEmpty() { return this; } // the single worker's instance is this one
        @Override public Aggregator copy() { return new ThreadWitness(); }
        @Override public void merge(Aggregator other) { }
        @Override public void reset() { }
        @Override public Snapshot snapshot(long start, long end) {
            return new Snapshot(task(), type(), "threads", start, end, List.of(), Map.of());
        }
    }

    @Test
    void aSingleWorkerGivesTheSameRecordsOnTheSourceThreadAndOnItsOwn() {
        FlowOptions o = FlowOptions.defaults().withActiveTimeout(Duration.ofMinutes(2));
        List<FlowEvent> inline = Collections.synchronizedList(new ArrayList<>());
        List<FlowEvent> threaded = Collections.synchronizedList(new ArrayList<>());
        ThreadWitness onSource = new ThreadWitness();
        ThreadWitness onWorker = new ThreadWitness();
        FlowTrace.builder().source(randomTraffic(11, 40_000)).options(o).workers(1).inlineWorker(true)
                .aggregator(onSource).onEvent(inline::add).build().run();
        FlowTrace.builder().source(randomTraffic(11, 40_000)).options(o).workers(1).inlineWorker(false)
                .aggregator(onWorker).onEvent(threaded::add).build().run();
        assertEquals(Set.of(Thread.currentThread()), onSource.seen, "inline: metered on the calling thread");
        assertEquals(1, onWorker.seen.size());
        assertFalse(onWorker.seen.contains(Thread.currentThread()), "threaded: metered on a thread of its own");
        assertTrue(inline.size() > 300, "records: " + inline.size());
        assertEquals(inline, threaded, "same records in the same order");
    }

    @Test
    void unknownPluginNameListsWhatIsAvailable() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> FlowTrace.builder().source(new ListSource()).sink("natz", Map.of()).build());
        assertTrue(e.getMessage().startsWith("no sink named 'natz'; available: ["), e.getMessage());
        assertTrue(e.getMessage().contains("flowtrace-sinks"), e.getMessage());
    }

    @Test
    void builderChecksEachSettingOnceAndRulesBetweenThem() {
        FlowTrace.Builder b = FlowTrace.builder().idleTimeout(Duration.ofSeconds(5));
        assertThrows(IllegalStateException.class, () -> b.tcpIdleTimeout(Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> FlowTrace.builder().activeTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> FlowTrace.builder().workers(0));
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> FlowTrace.builder()
                .source(new ListSource()).idleTimeout(Duration.ofMinutes(30)).activeTimeout(Duration.ofMinutes(5))
                .build());
        assertTrue(e.getMessage().contains("tcpIdleTimeout (30m) must not exceed activeTimeout (5m)"), e.getMessage());
        ConfigurationException q = assertThrows(ConfigurationException.class, () -> FlowTrace.builder()
                .source(new ListSource()).sink("stdout", Map.of("on_full", "sometimes")).build());
        assertTrue(q.getMessage().contains("on_full: 'sometimes' (expected: block or drop)"), q.getMessage());
    }

    @Test
    void aThrowingSinkIsCountedAndDoesNotStopTheOthers() {
        List<FlowEvent> good = Collections.synchronizedList(new ArrayList<>());
        Sink bad = new Sink() {
            @Override public String name() { return "bad"; }
            @Override public void accept(FlowEvent record) { throw new IllegalStateException("boom"); }
            @Override public void close() { }
        };
        FlowStats s = FlowTrace.builder().source(randomTraffic(3, 5_000)).sink(bad).onEvent(good::add).build().run();
        assertEquals(s.events(), good.size());
        assertEquals(s.events(), s.sinks().get("bad").failed());
        assertEquals(0, s.sinks().get("bad").delivered());
    }

    @Test
    void aSinkThatTakesJsonGetsEachRecordWithItsEncodingAndOthersGetTheRecordAlone() {
        List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
        AtomicLong encoded = new AtomicLong();
        AtomicLong plain = new AtomicLong();
        Sink json = new JsonEncodedSink() {
            @Override public String name() { return "json"; }
            @Override public boolean acceptsJson() { return true; }
            @Override public void accept(FlowEvent record) { mismatches.add("json sink got a record without bytes"); }
            @Override public void accept(FlowEvent record, byte[] bytes) {
                String want = EventJson.toJson(record);
                String got = new String(bytes, StandardCharsets.UTF_8);
                if (!want.equals(got)) {
                    mismatches.add(got);
                }
                encoded.incrementAndGet();
            }
            @Override public void close() { }
        };
        Sink records = new Sink() {
            @Override public String name() { return "records"; }
            @Override public void accept(FlowEvent record) { plain.incrementAndGet(); }
            @Override public void close() { }
        };
        FlowStats s = FlowTrace.builder().source(randomTraffic(5, 20_000)).workers(2).sink(json).sink(records)
                .build().run();
        assertTrue(s.events() > 1000, "records: " + s.events());
        assertEquals(List.of(), mismatches);
        assertEquals(s.events(), encoded.get());
        assertEquals(s.events(), plain.get());
    }

    @Test
    void aSingleWorkerEncodesForASingleJsonSinkOnlyWhileThatSinkIsBehind() {
        List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
        AtomicLong encoded = new AtomicLong();
        AtomicLong plain = new AtomicLong();
        Sink slow = new JsonEncodedSink() {
            long n;

            // slow at first, so that the records flushed at the end of the capture pile up in its queue
            private void pace() throws InterruptedException {
                if (n++ < 50) {
                    Thread.sleep(2);
                }
            }

            @Override public String name() { return "slow-json"; }
            @Override public boolean acceptsJson() { return true; }
            @Override public void accept(FlowEvent record) throws InterruptedException {
                pace();
                plain.incrementAndGet();
            }
            @Override public void accept(FlowEvent record, byte[] bytes) throws InterruptedException {
                pace();
                if (!EventJson.toJson(record).equals(new String(bytes, StandardCharsets.UTF_8))) {
                    mismatches.add(record.flowId());
                }
                encoded.incrementAndGet();
            }
            @Override public void close() { }
        };
        FlowStats s = FlowTrace.builder().source(randomTraffic(6, 30_000)).workers(1).inlineWorker(false).sink(slow)
                .sinkQueueCapacity(256).build().run();
        assertTrue(s.events() > 1000, "records: " + s.events());
        assertEquals(s.events(), encoded.get() + plain.get(), "each record once");
        assertTrue(plain.get() >= 64, "records go unencoded while the sink keeps up: " + plain.get());
        assertTrue(encoded.get() > 0, "the worker encodes once the sink is behind");
        assertEquals(List.of(), mismatches);
    }

    @Test
    void statsSayHowLongTheEndOfTheCaptureTookIncludingTheLastDeliveries() {
        Sink slowToClose = new Sink() {
            @Override public String name() { return "slow-close"; }
            @Override public void accept(FlowEvent record) { }
            @Override public void close() throws InterruptedException { Thread.sleep(300); }
        };
        FlowStats s = FlowTrace.builder().source(randomTraffic(8, 5_000)).sink(slowToClose).build().run();
        assertTrue(s.finalFlush().toMillis() >= 300, "final flush " + s.finalFlush());
        assertTrue(s.finalFlush().compareTo(s.elapsed()) <= 0, s.finalFlush() + " within " + s.elapsed());
    }

    @Test
    void aSlowSinkWithTheDropPolicyCountsEveryDrop() {
        AtomicLong accepted = new AtomicLong();
        Sink slow = new Sink() {
            @Override public String name() { return "slow"; }
            @Override public void accept(FlowEvent record) throws InterruptedException {
                Thread.sleep(1);
                accepted.incrementAndGet();
            }
            @Override public void close() { }
        };
        FlowStats s = FlowTrace.builder().source(randomTraffic(4, 30_000)).sink(slow).sinkQueueCapacity(4)
                .sinkFullPolicy(QueueFullPolicy.DROP).build().run();
        FlowStats.SinkStats st = s.sinks().get("slow");
        assertTrue(st.dropped() > 0, "some records dropped: " + st);
        assertEquals(s.events(), st.delivered() + st.dropped() + st.undelivered());
        assertEquals(accepted.get(), st.delivered());
    }

    /**
     * A sink's queue holds 8,192 records by default when the source is a capture file and 65,536 when it is live:
     * 20,000 one-packet flows end together at the end of the capture while the sink holds its first record for a
     * second, with the drop policy; a file source keeps the first record and a full queue behind it and drops the
     * rest, a live one keeps them all.
     */
    @Test
    void theDefaultSinkQueueIsShortForAFileAndDeepForALiveSource() {
        int flows = 20_000;
        for (boolean live : new boolean[] {false, true}) {
            ListSource list = new ListSource();
            long ts = 1_700_000_000L * S;
            for (int i = 0; i < flows; i++) {
                list.add(ts + i, Frames.ethIpv4(Frames.ip(10, 1, i >> 8, i & 0xff), Frames.ip(10, 2, 0, 1), 17,
                        20_000 + i % 40_000, 53, 0, 40));
            }
            PacketSource src = live ? new LiveList(list) : list;
            AtomicLong accepted = new AtomicLong();
            AtomicReference<FlowTrace> meter = new AtomicReference<>();
            Sink holding = new Sink() {
                @Override public String name() { return "holding"; }
                @Override public void accept(FlowEvent record) throws InterruptedException {
                    if (accepted.getAndIncrement() == 0) {
                        // held until the worker has handed over all 20,000 (it never waits: full means dropped)
                        long end = System.nanoTime() + 30_000_000_000L;
                        while (meter.get().stats().events() < flows && System.nanoTime() < end) {
                            Thread.sleep(5);
                        }
                    }
                }
                @Override public void close() { }
            };
            FlowTrace ft = FlowTrace.builder().source(src).sink(holding).sinkFullPolicy(QueueFullPolicy.DROP).build();
            meter.set(ft);
            FlowStats s = ft.run();
            FlowStats.SinkStats st = s.sinks().get("holding");
            assertEquals(flows, s.events());
            assertEquals(flows, st.delivered() + st.dropped(), st.toString());
            if (live) {
                assertEquals(0, st.dropped(), st.toString());
            } else {
                // the queue's 8,192, plus the record held when the sink took it before the queue filled
                assertTrue(st.delivered() == 8_192 || st.delivered() == 8_193, st.toString());
            }
        }
    }

    /** A list of frames that says it is a live interface. */
    private static final class LiveList implements PacketSource {
        private final ListSource frames;

        LiveList(ListSource frames) {
            this.frames = frames;
        }

        @Override public String description() { return "live memory"; }
        @Override public void run(PacketHandler h) { frames.run(h); }
        @Override public boolean isLive() { return true; }
        @Override public void stop() { frames.stop(); }
        @Override public void close() { }
    }

    /**
     * Pings between two hosts and a port unreachable: by default ICMP between two hosts is one flow; with
     * icmpTypeInKey the echo requests and replies are one flow with ports 8 and 0 (the initiator's side first) and
     * the unreachable a flow of its own, as in Zeek's conn.log.
     */
    @Test
    void icmpTypeInKeySplitsAnExchangeFromAnErrorAndPairsRequestsWithReplies() {
        ListSource src = new ListSource();
        long ts = 1_700_000_000L * S;
        for (int i = 0; i < 3; i++) {
            src.add(ts += S, Frames.eth(0x0800, Frames.ipv4(1, "10.0.0.1", "10.0.0.2", Frames.icmp(8, 0))));
            src.add(ts += 1000, Frames.eth(0x0800, Frames.ipv4(1, "10.0.0.2", "10.0.0.1", Frames.icmp(0, 0))));
        }
        src.add(ts + 1000, Frames.eth(0x0800, Frames.ipv4(1, "10.0.0.2", "10.0.0.1", Frames.icmp(3, 3))));

        List<FlowEvent> plain = collect(src, 1, FlowOptions.defaults());
        assertEquals(1, plain.size());
        assertEquals(7, plain.get(0).packetCount());
        assertEquals(0, plain.get(0).key().srcPort());

        List<FlowEvent> keyed = sorted(collect(src, 2, FlowOptions.defaults().withIcmpTypeInKey(true)));
        assertEquals(2, keyed.size(), keyed.toString());
        FlowEvent echo = keyed.stream().filter(r -> r.key().srcPort() == 8).findFirst().orElseThrow();
        assertEquals("10.0.0.1", echo.key().srcIp());
        assertEquals(0, echo.key().dstPort());
        assertEquals(3, echo.packetsForward());
        assertEquals(3, echo.packetsReverse());
        FlowEvent unreachable = keyed.stream().filter(r -> r.key().srcPort() == 3).findFirst().orElseThrow();
        assertEquals("10.0.0.2", unreachable.key().srcIp());
        assertEquals(3, unreachable.key().dstPort());
        assertEquals(1, unreachable.packetCount());
    }

    /** A live-like source: packets until stopped. */
    static final class EndlessSource implements PacketSource {
        final CountDownLatch running = new CountDownLatch(1);
        volatile boolean stopped;

        @Override public String description() { return "endless"; }

        @Override
        public void run(PacketHandler h) {
            byte[] f = Frames.ethIpv4(Frames.ip(10, 0, 0, 1), Frames.ip(10, 0, 0, 2), 17, 5000, 53, 0, 20);
            long ts = 1_700_000_000L * S;
            while (!stopped) {
                h.onPacket(ts += 1000, 1, f, 0, f.length, f.length, 0);
                running.countDown();
            }
        }

        @Override public void stop() { stopped = true; }
        @Override public boolean isLive() { return true; }
        @Override public void close() { }
    }

    @Test
    void stopFlushesEveryOpenFlowWithReasonShutdown() throws Exception {
        EndlessSource src = new EndlessSource();
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowTrace t = FlowTrace.builder().source(src).workers(2).onEvent(out::add).build().start();
        assertTrue(src.running.await(10, TimeUnit.SECONDS));
        t.stop();
        FlowStats s = t.awaitTermination(Duration.ofSeconds(30));
        assertNotNull(s);
        assertEquals(1, out.size());
        assertEquals(EndReason.SHUTDOWN, out.get(0).endReason());
        assertEquals(s.packetsRead(), out.get(0).packetCount());
    }

    @Test
    void aDamagedSourceIsRethrownAfterEveryGoodPacketWasMetered() {
        ListSource good = randomTraffic(5, 1000);
        PacketSource damaged = new PacketSource() {
            @Override public String description() { return "broken.pcap"; }
            @Override public void run(PacketHandler h) {
                good.run(h);
                throw new CaptureFileException("broken.pcap", 4242, "packet data cut short");
            }
            @Override public void stop() { }
            @Override public void close() { }
        };
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        CaptureFileException e = assertThrows(CaptureFileException.class,
                () -> FlowTrace.builder().source(damaged).onEvent(out::add).build().run());
        assertEquals(4242, e.offset());
        assertEquals(1000, out.stream().mapToLong(FlowEvent::packetCount).sum());
    }

    /** Counts packets; merges exactly. */
    static class PacketCounter implements Aggregator {
        long packets;

        @Override public String task() { return "count"; }
        @Override public String type() { return "test-count"; }
        @Override public void onPacket(PacketView p) { packets++; }
        @Override public Aggregator newEmpty() { return new PacketCounter(); }
        @Override public Aggregator copy() { PacketCounter c = new PacketCounter(); c.packets = packets; return c; }
        @Override public void merge(Aggregator other) { packets += ((PacketCounter) other).packets; }
        @Override public void reset() { packets = 0; }
        @Override public Snapshot snapshot(long start, long end) {
            return new Snapshot(task(), type(), "packets", start, end, List.of(), Map.of("total_packets", packets));
        }
    }

    @Test
    void snapshotsMergeEveryWorkerAndFollowPacketTime() {
        ListSource src = new ListSource();
        long t0 = 1_700_000_000L * S; // a multiple of 10 s
        for (int i = 0; i < 100; i++) {
            byte[] g = Frames.ethIpv4(Frames.ip(10, 0, 0, 1 + i % 50), Frames.ip(10, 0, 0, 2), 17, 5000, 53, 0, 20);
            src.add(t0 + i * (S / 2), g); // 50 s of traffic, 2 packets per second
        }
        List<Snapshot> snaps = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source(src).workers(4).aggregator(new PacketCounter())
                .snapshotInterval(Duration.ofSeconds(10)).period(Duration.ofSeconds(20)).onSnapshot(snaps::add)
                .build().run();
        snaps.sort((a, b) -> Long.compare(a.endNanos(), b.endNanos()));
        // windows end at 10, 20, 30, 40 s and at the last packet (49.5 s); state resets at 20 and 40 s
        assertEquals(5, snaps.size(), snaps.toString());
        assertEquals(20L, snaps.get(0).totals().get("total_packets"));
        assertEquals(40L, snaps.get(1).totals().get("total_packets"));
        assertEquals(20L, snaps.get(2).totals().get("total_packets"));
        assertEquals(t0 + 20 * S, snaps.get(2).startNanos());
        assertEquals(40L, snaps.get(3).totals().get("total_packets"));
        assertEquals(20L, snaps.get(4).totals().get("total_packets"));
        assertEquals(t0 + 49 * S + S / 2, snaps.get(4).endNanos());
    }

    @Test
    void malformedFramesAreCountedByReasonNotThrown() {
        ListSource src = new ListSource();
        byte[] ok = Frames.ethIpv4(Frames.ip(10, 0, 0, 1), Frames.ip(10, 0, 0, 2), 6, 1, 2, Frames.SYN, 0);
        src.add(1, ok);
        src.add(2, java.util.Arrays.copyOf(ok, 20)); // cut inside the IP header
        byte[] arp = ok.clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        src.add(3, arp);
        FlowStats s = FlowTrace.builder().source(src).build().run();
        assertEquals(3, s.packetsRead());
        assertEquals(1, s.packetsDecoded());
        assertEquals(1, s.nonIp());
        assertEquals(Map.of(DecodeStatus.TRUNCATED_IP.counterName(), 1L), s.malformed());
    }

    @Test
    void tunnelsNestedTooDeepAreMeteredAsTheirDeepestLayerAndCounted() {
        byte[] p = Frames.ipv4(6, "192.168.1.1", "192.168.1.2", Frames.tcp(1111, 22, 0x02, new byte[10]));
        for (int i = 0; i <= io.flowtrace.core.internal.PacketDecoder.MAX_TUNNEL_DEPTH; i++) {
            p = Frames.ipv4(4, "10.9.0." + i, "10.9.1." + i, p);
        }
        ListSource src = new ListSource();
        src.add(1, Frames.eth(0x0800, p));
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowStats s = FlowTrace.builder().source(src).decodeTunnels(true).onEvent(out::add).build().run();
        assertEquals(1, s.packetsDecoded(), "metered, not dropped");
        assertEquals(Map.of("too_deep", 1L), s.malformed());
        assertEquals(1, out.size());
        assertEquals(FlowKey.ipv4(Frames.ip(10, 9, 0, 0), Frames.ip(10, 9, 1, 0), 0, 0, 4), out.get(0).key());
    }

    @Test
    void theSensorPresetMetersEachDirectionUntilItsFinAndOnlyTcpAndUdp() {
        int a = Frames.ip(10, 0, 0, 1);
        int b = Frames.ip(10, 0, 0, 2);
        long t = 1_700_000_000L * S;
        long ms = 1_000_000L;
        ListSource src = new ListSource()
                .add(t, Frames.ethIpv4(a, b, Frames.TCP, 40000, 80, Frames.SYN, 0))
                .add(t + ms, Frames.ethIpv4(b, a, Frames.TCP, 80, 40000, Frames.SYN | Frames.ACK, 0))
                .add(t + 2 * ms, Frames.ethIpv4(a, b, Frames.TCP, 40000, 80, Frames.ACK, 0))
                .add(t + 3 * ms, Frames.ethIpv4(a, b, Frames.TCP, 40000, 80, Frames.ACK, 100))
                .add(t + 4 * ms, Frames.ethIpv4(a, b, Frames.TCP, 40000, 80, Frames.FIN | Frames.ACK, 0))
                .add(t + 5 * ms, Frames.ethIpv4(b, a, Frames.TCP, 80, 40000, Frames.FIN | Frames.ACK, 0))
                .add(t + 6 * ms, Frames.ethIpv4(a, b, Frames.TCP, 40000, 80, Frames.ACK, 0))
                .add(t + 7 * ms, Frames.ethIpv4(a, b, Frames.ICMP, 0, 0, 0, 8))
                .add(t + 8 * ms, Frames.ethIpv4(b, a, Frames.ICMP, 0, 0, 0, 8))
                .add(t + 9 * ms, Frames.ethIpv4(a, b, Frames.UDP, 5000, 53, 0, 30))
                .add(t + 10 * ms, Frames.ethIpv4(b, a, Frames.UDP, 53, 5000, 0, 60))
                .add(t + 11 * ms, Frames.ethIpv4(a, b, Frames.UDP, 5000, 53, 0, 30));
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowStats stats = FlowTrace.builder().source(src).like(Preset.SENSOR).workers(1).onEvent(out::add).build()
                .run();
        List<String> records = new ArrayList<>();
        for (FlowEvent e : out) {
            records.add(e.key().protocol() + " " + e.key().srcPort() + ">" + e.key().dstPort() + " "
                    + e.packetsForward() + "/" + e.packetsReverse() + " " + e.endReason().jsonName());
        }
        Collections.sort(records);
        // A's record ends at A's FIN, its last ACK starts another; B's at B's FIN; ICMP is not metered
        assertEquals(List.of("17 5000>53 2/0 end-of-capture", "17 53>5000 1/0 end-of-capture",
                "6 40000>80 1/0 end-of-capture", "6 40000>80 4/0 tcp-fin", "6 80>40000 2/0 tcp-fin"), records);
        assertEquals(Map.of("skipped_protocol", 2L), stats.skipped());
        assertEquals(10, stats.packetsDecoded());
    }
}
