package io.flowtrace.sketch;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Traffic crafted by someone who knows the code. Each attack is built against a fixed seed, the public default of
 * the first releases: with that seed set, it works as it did; with the default seed (a secret per process) the
 * same packets are ordinary traffic.
 */
class HostileKeysTest {
    /** The seeds the first releases used by default, which anyone could read in the source. */
    static final long EXACT_SEED = 0x3C6EF372FE94F82BL;
    static final long HLL_SEED = 0x243F6A8885A308D3L;
    static final long COUNT_MIN_SEED = 0x13198A2E03707344L;

    static Aggregator create(AggregatorProvider p, String settings) {
        return p.create(new PluginConfig("aggregator '" + p.name() + "'", PluginConfig.parsePairs(settings)));
    }

    static DecodedPacket packet(long[] src, long[] dst) {
        DecodedPacket p = new DecodedPacket();
        p.ipVersion = (int) (src[2] >>> 40);
        p.srcHi = src[0];
        p.srcLo = src[1];
        p.dstHi = dst[0];
        p.dstLo = dst[1];
        p.protocol = 17;
        p.srcPort = 40_000;
        p.dstPort = 53;
        p.wireLength = 100;
        return p;
    }

    static final long[] SERVER = {0x2001_0db8_0000_0001L, 53, 6L << 40};

    @Test
    @DisplayName("exact: keys crafted to share one hash under a known seed share one probe run; under the default "
            + "seed their probe runs are as short as random keys'")
    void exactKeysCraftedForAKnownSeedDoNotFloodTheDefault() {
        ExactAggregatorProvider provider = new ExactAggregatorProvider();
        SplittableRandom rnd = new SplittableRandom(1);
        List<DecodedPacket> crafted = new ArrayList<>();
        List<DecodedPacket> random = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            crafted.add(packet(Crafted.ipv6(i, EXACT_SEED, 0x5EEDL), SERVER));
            random.add(packet(new long[] {rnd.nextLong(), rnd.nextLong(), 6L << 40}, SERVER));
        }
        List<DecodedPacket> fewCrafted = crafted.subList(0, 8_000);
        List<DecodedPacket> fewRandom = random.subList(0, 8_000);

        // the attack: with the seed it was built for, every key lands in one run of the table
        ExactAggregator known = (ExactAggregator) create(provider, "name=t,key=src_ip,seed=" + EXACT_SEED);
        fewCrafted.forEach(known::onPacket);
        assertEquals(8_000, known.longestProbeRun());
        ExactAggregator knownRandom = (ExactAggregator) create(provider, "name=t,key=src_ip,seed=" + EXACT_SEED);
        fewRandom.forEach(knownRandom::onPacket);
        assertTrue(knownRandom.longestProbeRun() < 100, "random keys: longest probe run " + knownRandom.longestProbeRun());

        // the defence: the default seed is not the one the keys were built for
        ExactAggregator byDefault = (ExactAggregator) create(provider, "name=t,key=src_ip");
        fewCrafted.forEach(byDefault::onPacket);
        assertTrue(byDefault.longestProbeRun() < 100, "longest probe run " + byDefault.longestProbeRun());
        crafted.forEach(byDefault::onPacket);
        assertEquals(100_000, byDefault.keyCount());
        assertTrue(byDefault.longestProbeRun() < 100, "longest probe run " + byDefault.longestProbeRun());
        ExactAggregator randomByDefault = (ExactAggregator) create(provider, "name=t,key=src_ip");
        random.forEach(randomByDefault::onPacket);
        // the cost of a lookup is its probe run: crafted keys under the default seed cost what random ones do
        assertTrue(byDefault.longestProbeRun() <= 2 * randomByDefault.longestProbeRun() + 8,
                byDefault.longestProbeRun() + " against " + randomByDefault.longestProbeRun());
    }

    @Test
    @DisplayName("no pair of keys collides for every seed: differences a round could pass through unchanged do not")
    void noKeysCollideWhateverTheSeed() {
        long[] key = {0x2001_0db8_0000_0003L, 0x1234, 6L << 40};
        SplittableRandom rnd = new SplittableRandom(5);
        long[][] diffs = {{1L << 36, 1L << 63}, {1L << 63, 1L << 63}, {1L << 63, 1L << 31}, {1L << 31, 1L << 63}};
        for (long[] d : diffs) {
            long[] twin = Crafted.twin(key, d[0], d[1]);
            int collisions = 0;
            for (int i = 0; i < 1_000; i++) {
                long seed = rnd.nextLong();
                if (Hashing.hash(key, 0, 3, seed) == Hashing.hash(twin, 0, 3, seed)) {
                    collisions++;
                }
            }
            assertEquals(0, collisions, Long.toHexString(d[0]) + ", " + Long.toHexString(d[1]));
        }
    }

    @Test
    @DisplayName("hll: elements crafted to fill every register never make an estimate above the packets seen")
    void hllRegistersFilledByCraftedElementsCannotInflateTheEstimate() {
        List<DecodedPacket> ps = new ArrayList<>();
        long[] client = {0x2001_0db8_0000_0002L, 7, 6L << 40};
        HyperLogLog raw = new HyperLogLog(8, HLL_SEED);
        for (int i = 0; i < 256; i++) {
            // the largest rank there is, in register i
            long[] dst = Crafted.ipv6(i, HLL_SEED, (long) i << 56);
            raw.update(Hashing.hash(dst, 0, 3, HLL_SEED));
            ps.add(packet(client, dst));
        }
        // the attack works on the registers of the known seed; the estimator stays finite
        assertTrue(raw.estimate() > 1e18, "estimate " + raw.estimate());
        assertTrue(raw.estimate() <= 0x1p64, "estimate " + raw.estimate());

        HllAggregatorProvider provider = new HllAggregatorProvider();
        for (String settings : List.of("name=t,element=dst_ip,precision=8",
                "name=t,element=dst_ip,key=src_ip,precision=8")) {
            Aggregator known = create(provider, settings + ",seed=" + HLL_SEED);
            ps.forEach(known::onPacket);
            Snapshot.Row r = known.snapshot(0, 1).rows().get(0);
            assertTrue(r.lower() <= r.value() && r.value() <= r.upper() && r.upper() <= 256, settings + ": " + r);

            Aggregator byDefault = create(provider, settings);
            ps.forEach(byDefault::onPacket);
            r = byDefault.snapshot(0, 1).rows().get(0);
            // 256 distinct elements at 2^8 registers: within three standard errors, and never above 256
            assertTrue(r.value() >= 200 && r.upper() <= 256, settings + ": " + r);
            assertTrue(r.lower() <= 256 && r.lower() <= r.value(), settings + ": " + r);
        }
    }

    @Test
    @DisplayName("count-min: a key crafted to share a victim's counters frames it only under the seed it was built "
            + "for")
    void countMinKeyCraftedToShareAVictimsCountersFramesItOnlyUnderTheKnownSeed() {
        long[] victim = {0, 0x0A000001L, 4L << 40}; // 10.0.0.1
        long[] attacker = Crafted.ipv6(7, COUNT_MIN_SEED, Hashing.hash(victim, 0, 3, COUNT_MIN_SEED));
        List<DecodedPacket> ps = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 50_000; i++) {
            ps.add(packet(attacker, SERVER));
            ps.add(packet(new long[] {0, 0x0B000000L + rnd.nextInt(1 << 16), 4L << 40}, new long[] {0, 1, 4L << 40}));
        }
        ps.add(packet(victim, new long[] {0, 1, 4L << 40}));
        CountMinAggregatorProvider provider = new CountMinAggregatorProvider();
        String settings = "name=t,key=src_ip,metric=packets,memory=16KiB,limit=10";

        CountMinAggregator known = (CountMinAggregator) create(provider, settings + ",seed=" + COUNT_MIN_SEED);
        ps.forEach(known::onPacket);
        assertTrue(known.estimate(victim) >= 50_000, "victim " + known.estimate(victim));

        CountMinAggregator byDefault = (CountMinAggregator) create(provider, settings);
        ps.forEach(byDefault::onPacket);
        // the victim's counters hold its one packet and its share of the background, far from the attacker's
        assertTrue(byDefault.estimate(victim) < 1_000, "victim " + byDefault.estimate(victim));
        assertTrue(byDefault.snapshot(0, 1).rows().stream().noneMatch(r -> r.key().containsValue("10.0.0.1")));
    }

    @Test
    @DisplayName("count-min: keys that share a counter with another in one row share one in the next no more often "
            + "than any keys do")
    void countMinRowsAreIndependent() {
        CountMinSketch cm = new CountMinSketch(64, 4, COUNT_MIN_SEED, false);
        long victim = Hashing.hash(42, 1);
        SplittableRandom rnd = new SplittableRandom(3);
        int inRow0 = 0;
        int[] alsoIn = new int[4];
        for (int i = 0; i < 400_000; i++) {
            long h = Hashing.hash(rnd.nextLong(), 1);
            if (cm.index(h, 0) == cm.index(victim, 0)) {
                inRow0++;
                for (int r = 1; r < 4; r++) {
                    if (cm.index(h, r) == cm.index(victim, r)) {
                        alsoIn[r]++;
                    }
                }
            }
        }
        // about 6,250 share row 0; of those about 98 (1 in 64) share each other row
        assertTrue(inRow0 > 5_000, "row 0: " + inRow0);
        for (int r = 1; r < 4; r++) {
            assertTrue(alsoIn[r] < 3 * inRow0 / 64, "row " + r + ": " + alsoIn[r] + " of " + inRow0);
        }
    }

    @Test
    @DisplayName("the seed travels in the byte form: state of one seed merges, state of another is refused, and "
            + "instances made in one process share the default seed")
    void mergesNeedOneSeed() {
        List<DecodedPacket> ps = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < 2_000; i++) {
            ps.add(packet(new long[] {0, 0x0A000000L + rnd.nextInt(200), 4L << 40},
                    new long[] {0, 0xC0A80000L + rnd.nextInt(500), 4L << 40}));
        }
        for (String[] t : new String[][] {{"exact", "name=t,key=src_ip"},
                {"count-min", "name=t,key=src_ip,memory=16KiB"},
                {"super-spread", "name=t,key=src_ip,element=dst_ip,memory=64KiB"},
                {"hll", "name=t,element=dst_ip,key=src_ip,precision=6"}}) {
            AggregatorProvider p = provider(t[0]);
            Aggregator a = create(p, t[1] + ",seed=1");
            ps.forEach(a::onPacket);
            Aggregator back = p.fromBytes(a.toBytes());
            back.merge(a);
            back.merge(a.newEmpty());
            back.merge(a.copy());
            Aggregator other = create(p, t[1] + ",seed=2");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> back.merge(other));
            assertTrue(e.getMessage().contains("seed: expected 1, got 2"), t[0] + ": " + e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> other.merge(p.fromBytes(a.toBytes())));
            assertTrue(e.getMessage().contains("seed: expected 2, got 1"), t[0] + ": " + e.getMessage());

            Aggregator d1 = create(p, t[1]);
            Aggregator d2 = create(p, t[1]);
            ps.forEach(d2::onPacket);
            d1.merge(d2);
            d1.merge(p.fromBytes(d2.toBytes()));
            assertEquals(Seeds.process(), java.nio.ByteBuffer.wrap(d1.toBytes(), 6, 8).getLong(), t[0]);
        }
        assertNotEquals(EXACT_SEED, Seeds.process());
        assertNotEquals(HLL_SEED, Seeds.process());
        assertNotEquals(COUNT_MIN_SEED, Seeds.process());
    }

    static AggregatorProvider provider(String name) {
        switch (name) {
            case "exact": return new ExactAggregatorProvider();
            case "count-min": return new CountMinAggregatorProvider();
            case "super-spread": return new SuperSpreadAggregatorProvider();
            default: return new HllAggregatorProvider();
        }
    }
}
