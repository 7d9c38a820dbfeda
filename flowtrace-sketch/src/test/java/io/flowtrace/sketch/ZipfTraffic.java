package io.flowtrace.sketch;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.testkit.ZipfLaw;

import java.util.SplittableRandom;

/**
 * Deterministic synthetic traffic with the shape of the project's generator: sources drawn from a Zipf law over
 * many addresses (20% of them IPv6), TCP and UDP, mixed packet sizes (40% 64 B, 20% 576 B, 30% 1500 B, 10%
 * uniform), destinations from a second Zipf law or uniform over a large space, and optionally a few "heavy
 * talkers" that send a given share of the packets to only a handful of destinations (packet-heavy, low-spread).
 */
public final class ZipfTraffic implements TestTraffic {
    private final SplittableRandom rnd;
    private final ZipfLaw srcLaw;
    private final ZipfLaw dstLaw;
    private final long packets;
    private final int heavyTalkers;
    private final double heavyShare;
    private long emitted;

    /**
     * @param sources      number of source addresses
     * @param skew         Zipf exponent of sources
     * @param destinations destinations drawn from Zipf(1.0) over this many addresses, or 0 for uniform over 2^24
     * @param heavyTalkers extra sources each sending {@code heavyShare / heavyTalkers} of packets to 3 destinations
     */
    public ZipfTraffic(long seed, int sources, double skew, int destinations, int heavyTalkers, double heavyShare,
                long packets) {
        this.rnd = new SplittableRandom(seed);
        this.srcLaw = new ZipfLaw(sources, skew);
        this.dstLaw = destinations == 0 ? null : new ZipfLaw(destinations, 1.0);
        this.heavyTalkers = heavyTalkers;
        this.heavyShare = heavyShare;
        this.packets = packets;
    }

    public static ZipfTraffic sources(long seed, int sources, long packets) {
        return new ZipfTraffic(seed, sources, 1.0, 100_000, 0, 0, packets);
    }

    /** Source address of rank r: IPv6 for every fifth rank. */
    public static void source(DecodedPacket p, int rank) {
        long mixed = Hashing.fmix64(rank * 0x9E3779B97F4A7C15L + 17);
        if (rank % 5 == 4) {
            p.ipVersion = 6;
            p.srcHi = 0x20010db800000000L | (mixed >>> 32);
            p.srcLo = rank;
        } else {
            p.ipVersion = 4;
            p.srcHi = 0;
            p.srcLo = (0x0A000000L + rank) & 0xFFFFFFFFL;
        }
    }

    @Override
    public boolean next(DecodedPacket p) {
        if (emitted++ >= packets) {
            return false;
        }
        p.clear();
        p.timestampNanos = 1_700_000_000_000_000_000L + emitted * 1000;
        int dst;
        if (heavyTalkers > 0 && rnd.nextDouble() < heavyShare) {
            int t = rnd.nextInt(heavyTalkers);
            source(p, srcLaw.size() + t);
            dst = 0x7F000000 + t * 8 + rnd.nextInt(3);
        } else {
            source(p, srcLaw.rank(rnd.nextDouble()));
            dst = dstLaw == null ? rnd.nextInt(1 << 24) : dstLaw.rank(rnd.nextDouble());
        }
        if (p.ipVersion == 6) {
            p.dstHi = 0x20010db8ffff0000L;
            p.dstLo = dst;
        } else {
            p.dstHi = 0;
            p.dstLo = (0xC0000000L + dst) & 0xFFFFFFFFL;
        }
        p.protocol = rnd.nextInt(4) == 0 ? 17 : 6;
        p.srcPort = 1024 + rnd.nextInt(60000);
        p.dstPort = rnd.nextInt(3) == 0 ? 443 : 80 + rnd.nextInt(10);
        int size = rnd.nextInt(10);
        p.wireLength = size < 4 ? 64 : size < 6 ? 576 : size < 9 ? 1500 : 64 + rnd.nextInt(1437);
        p.ipLength = p.wireLength - 14;
        return true;
    }
}
