package io.flowtrace.sketch;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.countmin.CountMinAggregatorProvider;
import io.flowtrace.sketch.exact.ExactAggregatorProvider;
import io.flowtrace.sketch.hll.HllAggregatorProvider;
import io.flowtrace.sketch.hll.HyperLogLog;
import io.flowtrace.sketch.internal.Seeds;
import io.flowtrace.sketch.superspread.SuperSpreadAggregatorProvider;
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
public class HostileKeysTest {
    /** The seeds the first releases used by default, which anyone could read in the source. */
    public static final long EXACT_SEED = 0x3C6EF372FE94F82BL;
    public static final long HLL_SEED = 0x243F6A8885A308D3L;
    public static final long COUNT_MIN_SEED = 0x13198A2E03707344L;

    public static Aggregator create(AggregatorProvider p, String settings) {
        return p.create(new PluginConfig("aggregator '" + p.name() + "'", PluginConfig.parsePairs(settings)));
    }

    public static DecodedPacket packet(long[] src, long[] dst) {
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

    public static final long[] SERVER = {0x2001_0db8_0000_0001L, 53, 6L << 40};

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
