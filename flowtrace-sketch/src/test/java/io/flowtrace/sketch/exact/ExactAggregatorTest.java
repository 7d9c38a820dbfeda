package io.flowtrace.sketch.exact;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.AggregatorBytes;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.HeapBudget;
import io.flowtrace.sketch.internal.Metric;
import io.flowtrace.sketch.internal.Ranking;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.flowtrace.sketch.TestPackets.flow;
import static io.flowtrace.sketch.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExactAggregatorTest {

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
            int[] top = Ranking.largest(v, v.length, k);
            assertEquals(k, top.length);
            for (int i = 0; i < k; i++) {
                assertEquals((int) all[i], top[i], "k " + k + " rank " + i);
            }
        }
    }

    // ---- bounds ----

    /** Source {@code i} of a test: 10.1.x.y. */
    private static int source(int i) {
        return 0x0A010000 + i;
    }

    private static ExactAggregator bounded(String metric, int maxKeys, int maxPairs) {
        return new ExactAggregator("b", KeyFields.parse("src_ip"), Metric.parse(metric), 0, 16, maxKeys, maxPairs, 1);
    }

    /** Sources {@code from} to {@code to - 1} send {@code packets} packets of 60 bytes each, then a flow if asked. */
    private static void send(ExactAggregator t, int from, int to, int packets, boolean withFlows) {
        for (int i = from; i < to; i++) {
            for (int k = 0; k < packets; k++) {
                t.onPacket(packet(source(i), 1, 5, 80, 6, 60));
            }
            if (withFlows) {
                t.onFlow(flow(source(i), 1, 5, 80));
            }
        }
    }

    private static long[] srcKey(int src) {
        return new long[] {0, src & 0xFFFFFFFFL, 4L << 40};
    }

    @Test
    void keysPastTheBoundAreCountedAsUntrackedAndTheTrackedOnesStayExact() {
        ExactAggregator t = bounded("packets", 100, 1000);
        // source i sends i % 7 + 2 packets of 100 + i bytes, one in a first pass over the sources in order and the
        // rest in a second, and ends one flow
        long untrackedPackets = 0;
        long untrackedBytes = 0;
        long packets = 0;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 1000; i++) {
                int n = i % 7 + 2;
                for (int k = 0; k < (round == 0 ? 1 : n - 1); k++) {
                    t.onPacket(packet(source(i), 1, 5, 80, 6, 100 + i));
                    packets++;
                    if (i >= 100) {
                        untrackedPackets++;
                        untrackedBytes += 100 + i;
                    }
                }
            }
        }
        for (int i = 0; i < 1000; i++) {
            t.onFlow(flow(source(i), 1, 5, 80));
        }
        assertEquals(100, t.keyCount());
        for (int i = 0; i < 100; i++) {
            assertEquals(i % 7 + 2, t.countsOf(srcKey(source(i)))[0], "packets of tracked source " + i);
            assertEquals(1, t.countsOf(srcKey(source(i)))[2], "flows of tracked source " + i);
        }
        assertEquals(0, t.countsOf(srcKey(source(100)))[0], "the first source past the bound");
        Map<String, Long> totals = t.snapshot(0, 1).totals();
        assertEquals(packets, totals.get("total_packets"));
        assertEquals(1000L, totals.get("total_flows"));
        assertEquals(untrackedPackets, totals.get("untracked_packets"));
        assertEquals(untrackedBytes, totals.get("untracked_bytes"));
        assertEquals(900L, totals.get("untracked_flows"));
        assertEquals(100, t.snapshot(0, 1).rows().size());
        assertEquals(untrackedPackets, t.untrackedPackets());
        // one instance tracks a key from its first packet or not at all: its rows are exact, copied or not
        for (Snapshot.Row r : ((ExactAggregator) t.copy()).snapshot(0, 1).rows()) {
            assertEquals(List.of(r.value(), r.value()), List.of(r.lower(), r.upper()), r.toString());
        }

        t.reset();
        t.onPacket(packet(source(5000), 1, 5, 80, 6, 60));
        assertEquals(Map.of("total_packets", 1L, "total_bytes", 60L, "total_flows", 0L), t.snapshot(1, 2).totals(),
                "a reset window starts with room again, and without untracked totals");
    }

    @Test
    void aTaskUnderItsBoundReportsNoUntrackedTotals() {
        ExactAggregator t = bounded("packets", 3, 10);
        send(t, 0, 3, 1, true);
        assertEquals(Map.of("total_packets", 3L, "total_bytes", 180L, "total_flows", 3L), t.snapshot(0, 1).totals());
    }

    @Test
    void pairsPastTheirBoundAreCountedAndTheSpreadStopsThere() {
        ExactAggregator t = bounded("spread:dst_ip", 10, 100);
        for (int rep = 0; rep < 2; rep++) {
            for (int d = 0; d < 1000; d++) {
                t.onPacket(packet(source(1), 0x0B000000 + d, 5, 80, 6, 60));
            }
        }
        Snapshot s = t.snapshot(0, 1);
        assertEquals(100, s.rows().get(0).value(), "the first 100 destinations are remembered");
        assertEquals(100 + 2 * 900L, s.rows().get(0).upper(), "the spread may be short by the untracked pairs");
        assertEquals(2 * 900L, s.totals().get("untracked_pairs"), "each later pair, each time it is seen");
        assertEquals(null, s.totals().get("untracked_packets"), "no key was left out");
    }

    @Test
    void aMergeKeepsTheBoundAndCountsTheKeysThatDoNotFit() {
        // a has sources 0..79, b sources 40..119, each one packet of 60 bytes and one flow; bound 100
        ExactAggregator a = bounded("packets", 100, 1000);
        ExactAggregator b = bounded("packets", 100, 1000);
        send(a, 0, 80, 1, true);
        send(b, 40, 120, 1, true);
        a.merge(b);
        assertEquals(100, a.keyCount());
        // 40..79 are in both (2 packets each) and are kept; 20 of the 80 one-packet sources are not
        for (int i = 40; i < 80; i++) {
            assertEquals(2, a.countsOf(srcKey(source(i)))[0], "source " + i);
        }
        Map<String, Long> totals = a.snapshot(0, 1).totals();
        assertEquals(160L, totals.get("total_packets"));
        assertEquals(20L, totals.get("untracked_packets"));
        assertEquals(20L * 60, totals.get("untracked_bytes"));
        assertEquals(20L, totals.get("untracked_flows"));
        for (Snapshot.Row r : a.snapshot(0, 1).rows()) {
            // neither side left anything untracked: every kept key has all its traffic
            assertEquals(List.of(r.value(), r.value()), List.of(r.lower(), r.upper()), r.toString());
        }

        // untracked totals of the other side add up too
        ExactAggregator c = bounded("packets", 100, 1000);
        c.merge(a);
        assertEquals(totals, c.snapshot(0, 1).totals());
    }

    @Test
    void theHeaviestKeysSurviveAMergeInEitherOrder() {
        // a: sources 0..99 with a packet each; b: sources 100..199 with ten each, and source 0 with five; bound 100
        ExactAggregator a = bounded("packets", 100, 1000);
        ExactAggregator b = bounded("packets", 100, 1000);
        send(a, 0, 100, 1, false);
        send(b, 100, 200, 10, false);
        send(b, 0, 1, 5, false);
        for (boolean aFirst : new boolean[] {true, false}) {
            ExactAggregator m = bounded("packets", 100, 1000);
            m.merge(aFirst ? a : b);
            m.merge(aFirst ? b : a);
            Snapshot s = m.snapshot(0, 1);
            assertEquals(100, s.rows().size());
            for (Snapshot.Row r : s.rows()) {
                assertEquals(List.of(10L, 10L, 10L), List.of(r.value(), r.lower(), r.upper()), r.toString());
            }
            assertEquals(1105L, s.totals().get("total_packets"));
            assertEquals(105L, s.totals().get("untracked_packets"), "sources 0..99, source 0 with its six");
        }
    }

    @Test
    void aKeyOneSideLeftOutAndTheOtherTrackedIsGivenBoundsThatHoldItsTruth() {
        ExactAggregator a = bounded("packets", 2, 1000);
        ExactAggregator b = bounded("packets", 2, 1000);
        send(a, 0, 2, 1, false);
        send(a, 2, 3, 5, false); // a is full: untracked here
        send(b, 2, 3, 7, false);
        ExactAggregator m = bounded("packets", 2, 1000);
        m.merge(a);
        m.merge(b);
        Snapshot.Row top = m.snapshot(0, 1).rows().get(0);
        assertEquals(Map.of("src_ip", "10.1.0.2"), top.key());
        assertEquals(7, top.value());
        long truth = 12;
        assertTrue(top.lower() <= truth && truth <= top.upper(), top.toString());
    }

    @Test
    void theByteFormCarriesTheBoundsAndWhatTheyLeftOut() {
        ExactAggregator t = bounded("spread:dst_ip", 5, 8);
        for (int i = 0; i < 9; i++) {
            for (int d = 0; d < 3; d++) {
                t.onPacket(packet(source(i), 0x0B000000 + d, 5, 80, 6, 60));
            }
        }
        ExactAggregator back = (ExactAggregator) AggregatorBytes.fromBytes(AggregatorBytes.toBytes(t));
        assertEquals(t.snapshot(0, 1), back.snapshot(0, 1));
        assertEquals(5, back.maxKeys());
        assertEquals(8, back.maxPairs());
        // the bound holds after reading: a new source is left out
        back.onPacket(packet(source(50), 1, 5, 80, 6, 60));
        assertEquals(5, back.keyCount());
        assertEquals(t.untrackedPackets() + 1, back.untrackedPackets());
    }

    /**
     * Bytes of the first format (version 1, before the bounds), written here field by field as that release wrote
     * them: they still read, every key they hold is kept, and the default bound applies from there.
     */
    @Test
    void bytesOfTheFirstFormatStillRead() throws java.io.IOException {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bos)) {
            out.writeInt(Bytes.MAGIC);
            out.writeByte(Bytes.EXACT);
            out.writeByte(1);
            out.writeLong(0x3C6EF372FE94F82BL);
            out.writeUTF("old");
            out.writeUTF("src_ip");
            out.writeLong(5); // totals: packets, bytes, flows
            out.writeLong(500);
            out.writeLong(2);
            out.writeUTF("packets");
            out.writeInt(0); // limit
            out.writeInt(1024); // capacity
            out.writeInt(2); // keys
            for (int i = 0; i < 2; i++) {
                long[] k = srcKey(source(i));
                for (long w : k) {
                    out.writeLong(w);
                }
                out.writeLong(i == 0 ? 3 : 2); // packets, bytes, flows
                out.writeLong(i == 0 ? 300 : 200);
                out.writeLong(1);
            }
        }
        ExactAggregator old = (ExactAggregator) AggregatorBytes.fromBytes(bos.toByteArray());
        assertEquals(ExactAggregator.DEFAULT_MAX_KEYS, old.maxKeys());
        assertEquals(List.of(3L, 300L, 1L), List.of(old.countsOf(srcKey(source(0)))[0],
                old.countsOf(srcKey(source(0)))[1], old.countsOf(srcKey(source(0)))[2]));
        assertEquals(Map.of("total_packets", 5L, "total_bytes", 500L, "total_flows", 2L), old.snapshot(0, 1).totals());
    }

    /** Bytes that claim the largest table there is, and hold no key, read in a small heap: capacity is a hint. */
    @Test
    void bytesCannotMakeTheReaderAllocateMoreThanTheirKeysNeed() throws java.io.IOException {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bos)) {
            out.writeInt(Bytes.MAGIC);
            out.writeByte(Bytes.EXACT);
            out.writeByte(ExactAggregator.FORMAT);
            out.writeLong(0x3C6EF372FE94F82BL);
            out.writeUTF("big");
            out.writeUTF("five_tuple");
            out.writeLong(0);
            out.writeLong(0);
            out.writeLong(0);
            out.writeUTF("spread:dst_ip");
            out.writeInt(0); // limit
            out.writeInt(Integer.MAX_VALUE); // capacity
            out.writeInt(ExactAggregator.MAX_BOUND); // max keys
            out.writeInt(ExactAggregator.MAX_BOUND); // max pairs
            for (int i = 0; i < 4; i++) {
                out.writeLong(0); // untracked
            }
            out.writeInt(0); // keys
            out.writeInt(0); // pairs
        }
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        ExactAggregator a = (ExactAggregator) AggregatorBytes.fromBytes(bos.toByteArray());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertEquals(0, a.keyCount());
        assertTrue(after - before < 64L << 20, "allocated " + ((after - before) >> 20) + " MiB");
    }

    @Test
    void boundsOutsideTheirRangeAreRefusedByName() {
        ExactAggregatorProvider p = new ExactAggregatorProvider();
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> p.create(new io.flowtrace.core.spi.PluginConfig("aggregator 'exact'",
                        Map.of("name", "x", "key", "src_ip", "max-keys", "0"))));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("max-keys"), e.getMessage());
        ExactAggregator ok = (ExactAggregator) p.create(new io.flowtrace.core.spi.PluginConfig("aggregator 'exact'",
                Map.of("name", "x", "key", "src_ip", "max-keys", "10", "max-pairs", "20")));
        assertEquals(10, ok.maxKeys());
        assertEquals(20, ok.maxPairs());
        // the default: what fits in a sixteenth of the heap, between 1,024 and the ceiling
        assertEquals(ExactAggregator.defaultMaxKeys(KeyFields.parse("src_ip"), Metric.packets(), 0),
                ExactAggregator.of("d", "src_ip").maxKeys());
        assertEquals(167_772, HeapBudget.entries(256L << 20, 100, ExactAggregator.DEFAULT_MAX_KEYS));
        assertEquals(ExactAggregator.DEFAULT_MAX_KEYS, HeapBudget.entries(8L << 30, 100,
                ExactAggregator.DEFAULT_MAX_KEYS));
        assertEquals(1024, HeapBudget.entries(1L << 20, 100, ExactAggregator.DEFAULT_MAX_KEYS));
    }

    /**
     * Random traffic split over random parts (workers), each bounded, merged in a random order, for each metric but
     * spread: the totals are the traffic's; every row's bounds hold its key's true count; what the rows hold plus
     * what is reported untracked is the whole traffic; and with nothing untracked every row is exact.
     */
    /** The same for spreads, with a pair bound too: every row's bounds hold its key's true number of destinations. */
    @Test
    void boundedSpreadPartsMergedInAnyOrderBoundTheTruth() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            int sources = 1 + r.nextInt(100);
            int parts = 1 + r.nextInt(4);
            int bound = 1 + r.nextInt(sources + 10);
            int pairBound = 1 + r.nextInt(400);
            ExactAggregator[] part = new ExactAggregator[parts];
            for (int i = 0; i < parts; i++) {
                part[i] = bounded("spread:dst_ip", bound, pairBound);
            }
            Map<String, java.util.Set<Integer>> truth = new java.util.HashMap<>();
            int events = r.nextInt(2000);
            for (int e = 0; e < events; e++) {
                int src = (int) Math.min(sources - 1, (long) (sources * Math.pow(r.nextDouble(), 3)));
                int dst = r.nextInt(1 + src * 3);
                part[r.nextInt(parts)].onPacket(packet(source(src), 0x0B000000 + dst, 5, 80, 6, 60));
                truth.computeIfAbsent("10.1." + (src >> 8) + "." + (src & 0xff), k -> new java.util.HashSet<>())
                        .add(dst);
            }
            List<ExactAggregator> order = new java.util.ArrayList<>(List.of(part));
            java.util.Collections.shuffle(order, new java.util.Random(r.nextLong()));
            ExactAggregator m = bounded("spread:dst_ip", bound, pairBound);
            for (ExactAggregator p : order) {
                m.merge(p);
            }
            Snapshot s = m.snapshot(0, 1);
            assertEquals((long) events, s.totals().get("total_packets"), "round " + round);
            for (Snapshot.Row row : s.rows()) {
                long t = truth.get((String) row.key().get("src_ip")).size();
                assertTrue(row.lower() <= t && t <= row.upper(), "round " + round + ": " + row + " vs " + t);
            }
            if (!s.totals().containsKey("untracked_packets") && !s.totals().containsKey("untracked_pairs")) {
                assertEquals(truth.size(), s.rows().size(), "round " + round);
            }
        }
    }

    @Test
    void boundedPartsMergedInAnyOrderKeepEveryPacketAccountedFor() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        for (int round = 0; round < 200; round++) {
            String metric = new String[] {"packets", "bytes", "flows"}[round % 3];
            int sources = 1 + r.nextInt(300);
            int parts = 1 + r.nextInt(4);
            int bound = 1 + r.nextInt(sources + 20);
            ExactAggregator[] part = new ExactAggregator[parts];
            for (int i = 0; i < parts; i++) {
                part[i] = bounded(metric, bound, 1000);
            }
            Map<String, Long> truth = new java.util.HashMap<>();
            long total = 0;
            int events = r.nextInt(3000);
            for (int e = 0; e < events; e++) {
                // skewed: low source numbers are the heavy ones
                int src = (int) Math.min(sources - 1, (long) (sources * Math.pow(r.nextDouble(), 3)));
                int len = 40 + r.nextInt(1460);
                ExactAggregator to = part[r.nextInt(parts)];
                String ip = "10.1." + (src >> 8) + "." + (src & 0xff);
                long v;
                if (metric.equals("flows")) {
                    to.onFlow(flow(source(src), 1, 5, 80));
                    v = 1;
                } else {
                    to.onPacket(packet(source(src), 1, 5, 80, 6, len));
                    v = metric.equals("bytes") ? len : 1;
                }
                truth.merge(ip, v, Long::sum);
                total += v;
            }
            List<ExactAggregator> order = new java.util.ArrayList<>(List.of(part));
            java.util.Collections.shuffle(order, new java.util.Random(r.nextLong()));
            ExactAggregator m = bounded(metric, bound, 1000);
            for (ExactAggregator p : order) {
                m.merge(p);
            }
            Snapshot s = m.snapshot(0, 1);
            String totalName = metric.equals("flows") ? "total_flows" : "total_" + metric;
            String untrackedName = "untracked_" + metric;
            assertEquals(total, s.totals().get(totalName), "round " + round);
            long rows = 0;
            for (Snapshot.Row row : s.rows()) {
                long t = truth.get((String) row.key().get("src_ip"));
                assertTrue(row.lower() <= t && t <= row.upper(), "round " + round + ": " + row + " vs " + t);
                rows += row.value();
            }
            long untracked = s.totals().getOrDefault(untrackedName, 0L);
            assertEquals(total, rows + untracked, "round " + round + ": rows plus untracked");
            assertTrue(s.rows().size() <= bound, "round " + round);
            if (untracked == 0) {
                assertEquals(truth.size(), s.rows().size(), "round " + round);
                for (Snapshot.Row row : s.rows()) {
                    assertEquals(row.value(), row.upper(), "round " + round + ": " + row);
                }
            }
        }
    }

    @Test
    void lifecycleRowsCarryPacketsBytesFirstAndLastSeenThroughMergesAndBytes() {
        ExactAggregator whole = ExactAggregator.of("t", "src_ip", "packets", 0).lifecycle(true);
        ExactAggregator a = (ExactAggregator) whole.newEmpty();
        ExactAggregator b = (ExactAggregator) whole.newEmpty();
        // key 10.0.0.1: times 5, 9, 2 (s), 100 + 200 + 300 bytes; key 10.0.0.2: one packet at 7 s
        long[][] packets = {{0x0A000001, 5, 100}, {0x0A000001, 9, 200}, {0x0A000002, 7, 40}, {0x0A000001, 2, 300}};
        for (int i = 0; i < packets.length; i++) {
            io.flowtrace.testkit.TestPacket p = io.flowtrace.testkit.TestPacket.ipv4(packets[i][1] * 1_000_000_000L,
                    (int) packets[i][0], 0x0A0000FE, 1000, 80, 6, (int) packets[i][2]);
            whole.onPacket(p);
            (i % 2 == 0 ? a : b).onPacket(p);
        }
        a.merge(b);
        ExactAggregator back = (ExactAggregator) AggregatorBytes.fromBytes(a.toBytes());
        for (ExactAggregator x : List.of(whole, a, back)) {
            List<Snapshot.Row> rows = x.snapshot(0, 10_000_000_000L).rows();
            assertEquals(Map.of("packets", 3L, "bytes", 600L, "flows", 0L, "first_seen", 2_000_000_000L,
                    "last_seen", 9_000_000_000L), rows.get(0).counts());
            assertEquals(Map.of("packets", 1L, "bytes", 40L, "flows", 0L, "first_seen", 7_000_000_000L,
                    "last_seen", 7_000_000_000L), rows.get(1).counts());
        }
        // without lifecycle the rows and the bytes are as before
        ExactAggregator plain = ExactAggregator.of("t", "src_ip", "packets", 0);
        plain.onPacket(io.flowtrace.testkit.TestPacket.ipv4(1, 0x0A000001, 2, 3, 4, 6, 60));
        assertEquals(Map.of(), plain.snapshot(0, 2).rows().get(0).counts());
        assertEquals(ExactAggregator.FORMAT, plain.toBytes()[5]);
    }
}
