package io.flowtrace.sketch;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExactAggregatorTest {

    static DecodedPacket packet(int src, int dst, int sport, int dport, int proto, int len) {
        DecodedPacket p = new DecodedPacket();
        p.ipVersion = 4;
        p.srcLo = src & 0xFFFFFFFFL;
        p.dstLo = dst & 0xFFFFFFFFL;
        p.srcPort = sport;
        p.dstPort = dport;
        p.protocol = proto;
        p.wireLength = len;
        return p;
    }

    static FlowRecord flow(int src, int dst, int sport, int dport) {
        FlowKey k = FlowKey.ipv4(src, dst, sport, dport, 6);
        return new FlowRecord(FlowRecord.flowIdOf(k, 1), k, 1, 2, 1, 1, 60, 60, 40, 40, 0, 0,
                EndReason.TCP_FIN, null, null, Direction.UNKNOWN);
    }

    @Test
    void perSourceTaskCountsPacketsBytesAndFlowsInOneLine() {
        ExactAggregator perSrc = ExactAggregator.of("per_src_ip", "src_ip");
        perSrc.onPacket(packet(0x0A000001, 0x0A000002, 1000, 80, 6, 100));
        perSrc.onPacket(packet(0x0A000001, 0x0A000003, 1001, 80, 6, 200));
        perSrc.onPacket(packet(0x0A000009, 0x0A000003, 1001, 80, 17, 50));
        perSrc.onFlow(flow(0x0A000001, 0x0A000002, 1000, 80));
        perSrc.onFlow(flow(0x0A000001, 0x0A000003, 1001, 80));

        long[] key = {0, 0x0A000001L, 4L << 40};
        assertEquals(List.of(2L, 300L, 2L), List.of(perSrc.countsOf(key)[0], perSrc.countsOf(key)[1],
                perSrc.countsOf(key)[2]));
        Snapshot s = perSrc.snapshot(5, 6);
        assertEquals("packets", s.metric());
        assertEquals(List.of(Snapshot.Row.exact(Map.of("src_ip", "10.0.0.1"), 2),
                Snapshot.Row.exact(Map.of("src_ip", "10.0.0.9"), 1)), s.rows());
        assertEquals(Map.of("total_packets", 3L, "total_bytes", 350L, "total_flows", 2L), s.totals());
    }

    @Test
    void perFiveTupleTaskKeysOnAllFiveFieldsInTheGivenOrder() {
        ExactAggregator t = ExactAggregator.of("per_five_tuple", "five_tuple", "bytes", 0);
        t.onPacket(packet(0x0A000001, 0x0A000002, 1000, 80, 6, 100));
        t.onPacket(packet(0x0A000001, 0x0A000002, 1000, 80, 6, 100));
        t.onPacket(packet(0x0A000001, 0x0A000002, 1000, 81, 6, 70));
        Snapshot s = t.snapshot(0, 1);
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("src_ip", "10.0.0.1");
        first.put("dst_ip", "10.0.0.2");
        first.put("src_port", 1000);
        first.put("dst_port", 80);
        first.put("protocol", "TCP");
        assertEquals(first, s.rows().get(0).key());
        assertEquals(List.copyOf(first.keySet()), List.copyOf(s.rows().get(0).key().keySet()));
        assertEquals(200, s.rows().get(0).value());
        assertEquals(70, s.rows().get(1).value());
        assertEquals(2, t.keyCount());
    }

    @Test
    void flowsMetricRanksByFinishedFlows() {
        ExactAggregator t = ExactAggregator.of("f", "dst_port", "flows", 10);
        t.onFlow(flow(1, 2, 1000, 443));
        t.onFlow(flow(1, 3, 1001, 443));
        t.onFlow(flow(1, 3, 1002, 80));
        Snapshot s = t.snapshot(0, 1);
        assertEquals(List.of(Snapshot.Row.exact(Map.of("dst_port", 443), 2),
                Snapshot.Row.exact(Map.of("dst_port", 80), 1)), s.rows());
    }

    @Test
    void spreadMetricCountsDistinctElementsPerKey() {
        ExactAggregator t = ExactAggregator.of("s", "src_ip", "spread:dst_ip", 0);
        for (int rep = 0; rep < 3; rep++) {
            for (int d = 0; d < 100; d++) {
                t.onPacket(packet(1, 1000 + d, 5, 80, 6, 60));
            }
            t.onPacket(packet(2, 7, 5, 80, 6, 60));
        }
        Snapshot s = t.snapshot(0, 1);
        assertEquals("spread", s.metric());
        assertEquals(100, s.rows().get(0).value());
        assertEquals(1, s.rows().get(1).value());
    }

    @Test
    void limitKeepsTheLargestRows() {
        ExactAggregator t = ExactAggregator.of("l", "dst_ip", "packets", 2);
        for (int d = 1; d <= 5; d++) {
            for (int i = 0; i < d; i++) {
                t.onPacket(packet(1, d, 5, 80, 6, 60));
            }
        }
        Snapshot s = t.snapshot(0, 1);
        assertEquals(2, s.rows().size());
        assertEquals(5, s.rows().get(0).value());
        assertEquals(4, s.rows().get(1).value());
    }

    @Test
    void ipv6KeysFormatAsText() {
        ExactAggregator t = ExactAggregator.of("v6", "src_ip");
        DecodedPacket p = packet(0, 0, 1, 2, 17, 80);
        p.ipVersion = 6;
        p.srcHi = 0x20010db800000000L;
        p.srcLo = 1;
        t.onPacket(p);
        assertEquals(Map.of("src_ip", "2001:db8::1"), t.snapshot(0, 1).rows().get(0).key());
    }

    @Test
    void largestSelectsTheTopIdsInOrder() {
        long[] v = new long[1000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(50);
        }
        Integer[] all = new Integer[v.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        java.util.Arrays.sort(all, (a, b) -> v[a] != v[b] ? Long.compare(v[b], v[a]) : Integer.compare(a, b));
        for (int k : new int[] {0, 1, 7, 100, 1000}) {
            int[] top = ExactAggregator.largest(v, v.length, k);
            assertEquals(k, top.length);
            for (int i = 0; i < k; i++) {
                assertEquals((int) all[i], top[i], "k " + k + " rank " + i);
            }
        }
    }
}
