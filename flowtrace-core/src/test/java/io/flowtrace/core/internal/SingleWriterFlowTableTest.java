package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.PortTimeouts;
import io.flowtrace.core.Preset;
import io.flowtrace.core.TcpFin;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.PacketView;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleWriterFlowTableTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    private static FlowOptions opts() {
        return FlowOptions.defaults()
                .withIdleTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(2),
                        Duration.ofSeconds(2))
                .withActiveTimeout(Duration.ofSeconds(10))
                .withTcpClose(true, Duration.ofSeconds(1));
    }

    private static List<FlowEvent> runTable(FlowOptions o, List<DecodedPacket> packets, int advanceEvery) {
        return runCache(SingleWriterFlowTable::new, o, hashed(packets, o), advanceEvery);
    }

    /**
     * Runs {@code packets} through a cache made by {@code factory}, in batches of {@code advanceEvery} packets each
     * followed by {@link FlowCache#advance} to the last one's time, then flushes it; checks its counters against the
     * events it emitted.
     */
    private static List<FlowEvent> runCache(FlowCache.Factory factory, FlowOptions o, PacketView[] packets,
                                            int advanceEvery) {
        List<FlowEvent> out = new ArrayList<>();
        FlowCache cache = factory.create(new CacheContext(o, 0, 1 << 20, 16, out::add, RecordContext.none()));
        for (int from = 0; from < packets.length; from = (int) Math.min(packets.length, (long) from + advanceEvery)) {
            int to = (int) Math.min(packets.length, (long) from + advanceEvery);
            cache.update(packets, from, to);
            if (advanceEvery != Integer.MAX_VALUE) {
                cache.advance(packets[to - 1].timestampNanos());
            }
        }
        cache.flush(EndReason.END_OF_CAPTURE);
        assertEquals(0, cache.size());
        FlowCache.Counters c = cache.counters();
        assertEquals(out.size(), c.events(), "events counted");
        for (EndReason r : EndReason.values()) {
            assertEquals(out.stream().filter(e -> e.endReason() == r).count(), c.ended(r), "events ended by " + r);
        }
        return out;
    }

    private static DecodedPacket[] hashed(List<DecodedPacket> packets, FlowOptions o) {
        for (DecodedPacket p : packets) {
            RandomTraffic.hash(p, o.vlanInKey());
        }
        return packets.toArray(new DecodedPacket[0]);
    }

    /** The same packets as views of another class, so the table takes its path for views it did not decode. */
    private static PacketView[] foreignViews(DecodedPacket[] packets) {
        PacketView[] views = new PacketView[packets.length];
        for (int i = 0; i < packets.length; i++) {
            DecodedPacket p = packets[i];
            views[i] = new PacketView() {
                @Override public long timestampNanos() { return p.timestampNanos; }
                @Override public int ipVersion() { return p.ipVersion; }
                @Override public long srcHi() { return p.srcHi; }
                @Override public long srcLo() { return p.srcLo; }
                @Override public long dstHi() { return p.dstHi; }
                @Override public long dstLo() { return p.dstLo; }
                @Override public int srcPort() { return p.srcPort; }
                @Override public int dstPort() { return p.dstPort; }
                @Override public int protocol() { return p.protocol; }
                @Override public int vlan() { return p.vlan; }
                @Override public int wireLength() { return p.wireLength; }
                @Override public int ipLength() { return p.ipLength; }
                @Override public int tcpFlags() { return p.tcpFlags; }
                @Override public int icmpType() { return p.icmpType; }
                @Override public int icmpCode() { return p.icmpCode; }
                @Override public int interfaceIndex() { return p.interfaceIndex; }
                @Override public int flowHash() { return p.flowHash; }
                @Override public FlowKey toKey() { return p.toKey(); }
            };
        }
        return views;
    }

    static List<String> canonical(List<FlowEvent> records) {
        List<String> s = new ArrayList<>();
        for (FlowEvent r : records) {
            s.add(r.key() + " " + r.startNanos() + "-" + r.endNanos() + " p" + r.packetsForward() + "/"
                    + r.packetsReverse() + " b" + r.bytesForward() + "/" + r.bytesReverse() + " ip" + r.ipBytesForward()
                    + "/" + r.ipBytesReverse() + " f" + r.tcpFlagsForward() + "/" + r.tcpFlagsReverse() + " "
                    + r.endReason());
        }
        s.sort(Comparator.naturalOrder());
        return s;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    @DisplayName("the compact table gives exactly the records of the plain reference model, both as FlowCaches")
    void matchesReferenceModel(long seed) {
        FlowCache.Factory table = SingleWriterFlowTable::new;
        FlowCache.Factory reference = ReferenceFlowTable::new;
        for (FlowOptions o : List.of(opts(), opts().withTcpClose(false, Duration.ZERO),
                opts().withBidirectional(false), opts().withActiveTimeout(Duration.ZERO),
                opts().withVlanInKey(true),
                opts().withPortIdleTimeouts(PortTimeouts.of(Map.of("udp/1001", Duration.ofSeconds(1), "tcp/1002",
                        Duration.ofSeconds(8), "tcp/1000", Duration.ofMillis(700), "udp/1003", Duration.ZERO))),
                opts().withTcpFin(TcpFin.SEEN_SIDES).withTcpAttemptTimeout(Duration.ofMillis(1500)),
                opts().withTcpFin(TcpFin.FIRST).withTcpAttemptTimeout(Duration.ofSeconds(4)),
                opts().withTcpFin(TcpFin.SEEN_SIDES).withBidirectional(false),
                Preset.ZEEK.options(), Preset.SENSOR.options().withProtocols(Set.of()))) {
            DecodedPacket[] ps = hashed(RandomTraffic.packets(seed, 20_000, 12, o.vlanInKey()), o);
            // the model's flows end only on their next packet and at the end; sweeps must not change any record
            List<String> expected = canonical(runCache(reference, o, ps, Integer.MAX_VALUE));
            assertEquals(expected, canonical(runCache(reference, o, ps, 7)), "the model swept, options " + o);
            for (int every : new int[] {1, 7, 256, Integer.MAX_VALUE}) {
                assertEquals(expected, canonical(runCache(table, o, ps, every)),
                        "options " + o + ", sweep every " + every);
            }
            assertEquals(expected, canonical(runCache(table, o, foreignViews(ps), 64)), "views of another class, " + o);
            long counted = runCache(table, o, ps, 64).stream().mapToLong(FlowEvent::packetCount).sum();
            assertEquals(ps.length, counted, "every packet ends up in exactly one record");
        }
    }

    private static DecodedPacket tcp(long ts, int a, int b, int sp, int dp, int flags) {
        DecodedPacket p = new DecodedPacket();
        p.timestampNanos = ts;
        p.ipVersion = 4;
        p.srcLo = a;
        p.dstLo = b;
        p.srcPort = sp;
        p.dstPort = dp;
        p.protocol = 6;
        p.tcpFlags = flags;
        p.wireLength = 100;
        p.ipLength = 86;
        return p;
    }

    @Test
    void bothDirectionsOfAConversationMakeOneRecordWithTheInitiatorFirst() {
        List<FlowEvent> r = runTable(opts(), List.of(tcp(T0, 1, 2, 1000, 80, 0x02), tcp(T0 + 1, 2, 1, 80, 1000, 0x12),
                tcp(T0 + 2, 1, 2, 1000, 80, 0x10)), 1);
        assertEquals(1, r.size());
        FlowEvent f = r.get(0);
        assertEquals(1, f.key().srcLo());
        assertEquals(1000, f.key().srcPort());
        assertEquals(2, f.packetsForward());
        assertEquals(1, f.packetsReverse());
        assertEquals(0x12, f.tcpFlagsForward());
        assertEquals(0x12, f.tcpFlagsReverse());
        assertEquals(EndReason.END_OF_CAPTURE, f.endReason());
    }

    @Test
    void aSynAckSeenFirstMakesItsReceiverTheInitiator() {
        List<FlowEvent> r = runTable(opts(), List.of(tcp(T0, 2, 1, 80, 1000, 0x12), tcp(T0 + 1, 1, 2, 1000, 80, 0x10)), 1);
        assertEquals(1, r.size());
        assertEquals(1, r.get(0).key().srcLo());
        assertEquals(80, r.get(0).key().dstPort());
        assertEquals(1, r.get(0).packetsForward());
    }

    @Test
    void idleFlowExpiresAtTimeoutBoundary() {
        // TCP idle 5 s: a packet 5 s - 1 ns later continues the flow; one 5 s after the last starts a new one
        List<FlowEvent> r = runTable(opts(), List.of(tcp(T0, 1, 2, 1000, 80, 0x10),
                tcp(T0 + 5 * S - 1, 1, 2, 1000, 80, 0x10), tcp(T0 + 10 * S - 1, 1, 2, 1000, 80, 0x10)), 1);
        assertEquals(2, r.size());
        r.sort(Comparator.comparingLong(FlowEvent::startNanos));
        assertEquals(2, r.get(0).packetCount());
        assertEquals(EndReason.IDLE_TIMEOUT, r.get(0).endReason());
        assertEquals(1, r.get(1).packetCount());
    }

    @Test
    void sweepEndsIdleFlowsWithoutFurtherPackets() {
        List<FlowEvent> out = new ArrayList<>();
        SingleWriterFlowTable t = new SingleWriterFlowTable(opts(), 100, 16, out::add, RecordContext.none());
        DecodedPacket p = tcp(T0, 1, 2, 1000, 80, 0x10);
        RandomTraffic.hash(p, false);
        t.update(p);
        t.advance(T0 + 4 * S);
        assertEquals(0, out.size());
        t.advance(T0 + 7 * S); // deadline T0 + 5 s, swept at bucket granularity (< 1 s)
        assertEquals(1, out.size());
        assertEquals(EndReason.IDLE_TIMEOUT, out.get(0).endReason());
        assertEquals(0, t.size());
    }

    @Test
    void longConversationIsReportedEveryActiveTimeoutKeepingItsInitiator() {
        List<DecodedPacket> ps = new ArrayList<>();
        for (int i = 0; i <= 25; i++) {
            ps.add(i % 2 == 0 ? tcp(T0 + i * S, 1, 2, 1000, 80, 0x10) : tcp(T0 + i * S, 2, 1, 80, 1000, 0x10));
        }
        List<FlowEvent> r = runTable(opts(), ps, 1);
        r.sort(Comparator.comparingLong(FlowEvent::startNanos));
        assertEquals(3, r.size());
        assertEquals(EndReason.ACTIVE_TIMEOUT, r.get(0).endReason());
        assertEquals(10, r.get(0).packetCount()); // t = 0..9 s
        assertEquals(EndReason.ACTIVE_TIMEOUT, r.get(1).endReason());
        assertEquals(26, r.stream().mapToLong(FlowEvent::packetCount).sum());
        for (FlowEvent f : r) {
            assertEquals(1, f.key().srcLo(), "initiator kept across slices");
        }
    }

    @Test
    void finBothWaysClosesAfterLingerCountingTheTrailingAck() {
        List<FlowEvent> r = runTable(opts(), List.of(tcp(T0, 1, 2, 1000, 80, 0x02), tcp(T0 + 1, 2, 1, 80, 1000, 0x12),
                tcp(T0 + 2, 1, 2, 1000, 80, 0x11), tcp(T0 + 3, 2, 1, 80, 1000, 0x11),
                tcp(T0 + 4, 1, 2, 1000, 80, 0x10), // trailing ACK within the linger
                tcp(T0 + 3 * S, 9, 8, 1, 2, 0x10)), 1);
        FlowEvent f = r.stream().filter(x -> x.key().srcLo() == 1).findFirst().orElseThrow();
        assertEquals(EndReason.TCP_FIN, f.endReason());
        assertEquals(5, f.packetCount());
    }

    @Test
    void newSynAfterCloseStartsANewFlowAtOnce() {
        List<FlowEvent> r = runTable(opts(), List.of(tcp(T0, 1, 2, 1000, 80, 0x02), tcp(T0 + 1, 2, 1, 80, 1000, 0x04),
                tcp(T0 + 2, 1, 2, 1000, 80, 0x02), tcp(T0 + 3, 2, 1, 80, 1000, 0x12)), 1);
        r.sort(Comparator.comparingLong(FlowEvent::startNanos));
        assertEquals(2, r.size());
        assertEquals(EndReason.TCP_RST, r.get(0).endReason());
        assertEquals(2, r.get(0).packetCount());
        assertEquals(2, r.get(1).packetCount());
    }

    @Test
    @DisplayName("a full table evicts, never grows past its bound, and every packet still ends up in a record")
    void fullTableEvictsAndLosesNoPacket() {
        List<FlowEvent> out = new ArrayList<>();
        SingleWriterFlowTable t = new SingleWriterFlowTable(opts(), 100, 16, out::add, RecordContext.none());
        int max = 0;
        for (int i = 0; i < 10_000; i++) {
            DecodedPacket p = tcp(T0 + i * 1000L, 0x0a000000 + i, 2, 1000, 80, 0x02);
            RandomTraffic.hash(p, false);
            t.update(p);
            max = Math.max(max, t.size());
            assertTrue(t.capacity() <= 100);
        }
        assertEquals(100, max);
        assertEquals(9_900, t.counters().evicted());
        assertEquals(10_000, t.counters().created());
        t.flush(EndReason.END_OF_CAPTURE);
        assertEquals(10_000, out.size());
        assertEquals(9_900, out.stream().filter(x -> x.endReason() == EndReason.EVICTED).count());
        // oldest first: the survivors are the last hundred
        assertTrue(out.stream().filter(x -> x.endReason() == EndReason.END_OF_CAPTURE)
                .allMatch(x -> x.key().srcLo() >= 0x0a000000L + 9_900));
    }

    @Test
    void aFlushedTableMetersNewTrafficAsAFreshOneWould() {
        List<FlowEvent> reused = new ArrayList<>();
        List<FlowEvent> fresh = new ArrayList<>();
        SingleWriterFlowTable t = new SingleWriterFlowTable(opts(), 1 << 16, 16, reused::add, RecordContext.none());
        for (int i = 0; i < 20_000; i++) {
            DecodedPacket p = tcp(T0 + i, 0x0a000000 + i, 2, 1000 + i % 7, 80, i % 3 == 0 ? 0x02 : 0x10);
            RandomTraffic.hash(p, false);
            t.update(p);
        }
        t.flush(EndReason.END_OF_CAPTURE);
        reused.clear();
        SingleWriterFlowTable u = new SingleWriterFlowTable(opts(), 1 << 16, 16, fresh::add, RecordContext.none());
        for (SingleWriterFlowTable table : List.of(t, u)) {
            // fewer flows than before, on other addresses, some of them twice
            for (int i = 0; i < 5_000; i++) {
                DecodedPacket p = tcp(T0 + 1_000_000 + i, 0x0b000000 + i % 3_000, 3, 2000, 443, 0x10);
                RandomTraffic.hash(p, false);
                table.update(p);
            }
            assertEquals(3_000, table.size());
            table.flush(EndReason.END_OF_CAPTURE);
        }
        assertEquals(fresh, reused);
        assertEquals(5_000, reused.stream().mapToLong(FlowEvent::packetCount).sum());
    }

    @Test
    void tableGrowsByDoublingAndKeepsEveryFlow() {
        List<FlowEvent> out = new ArrayList<>();
        SingleWriterFlowTable t = new SingleWriterFlowTable(opts(), 1 << 20, 16, out::add, RecordContext.none());
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 50_000; i++) {
                DecodedPacket p = tcp(T0 + round, 0x0a000000 + i, 2, 1000, 80, 0x10);
                RandomTraffic.hash(p, false);
                t.update(p);
            }
        }
        assertEquals(50_000, t.size());
        t.flush(EndReason.END_OF_CAPTURE);
        assertEquals(50_000, out.size());
        assertTrue(out.stream().allMatch(x -> x.packetCount() == 2));
    }

    @Test
    void flowStateFitsIn128BytesPlusIndex() {
        SingleWriterFlowTable t = new SingleWriterFlowTable(opts(), 1 << 20, 1 << 20, r -> { }, RecordContext.none());
        double perFlow = (double) t.memoryBytes() / (1 << 20);
        assertTrue(perFlow <= 128 + 8 + 1, "bytes per flow at 1M flows: " + perFlow);
    }
}
