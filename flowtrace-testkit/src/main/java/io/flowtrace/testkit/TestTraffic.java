package io.flowtrace.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic traffic for aggregator tests, with the skew real traffic has: a few sources send most packets. Same
 * seed, same packets. Stateless; may be called from any thread.
 *
 * @since 0.1
 */
public final class TestTraffic {
    /** Time of the first packet: 2024-05-01T12:00:00Z. */
    public static final long START_NANOS = TestEvents.BASE_NANOS;

    private TestTraffic() {
    }

    /**
     * {@code packets} packets, 1 µs apart. Sources are drawn from a Zipf(1) law over {@code sources} addresses
     * (one in five IPv6), destinations from a Zipf(1) law over {@code destinations} addresses; TCP, UDP and a few
     * ICMP; well-known destination ports; frame sizes from 64 to 1514 bytes.
     *
     * @param seed         the seed: same seed, same packets
     * @param sources      how many source addresses, at least 1
     * @param destinations how many destination addresses, at least 1
     * @param packets      how many packets, at least 0
     * @return the packets, in time order
     */
    public static List<TestPacket> zipf(long seed, int sources, int destinations, int packets) {
        if (sources < 1 || destinations < 1 || packets < 0) {
            throw new IllegalArgumentException("sources " + sources + ", destinations " + destinations + ", packets "
                    + packets + " (expected: at least 1, 1 and 0)");
        }
        SplittableRandom r = new SplittableRandom(seed);
        ZipfLaw src = new ZipfLaw(sources, 1.0);
        ZipfLaw dst = new ZipfLaw(destinations, 1.0);
        int[] ports = {443, 80, 53, 22, 123, 8080};
        int[] sizes = {64, 64, 128, 576, 1500, 1514};
        List<TestPacket> out = new ArrayList<>(packets);
        for (int i = 0; i < packets; i++) {
            int s = src.rank(r.nextDouble());
            int d = dst.rank(r.nextDouble());
            int kind = r.nextInt(20);
            int protocol = kind == 0 ? 1 : kind < 14 ? 6 : 17;
            int dstPort = ports[r.nextInt(ports.length)];
            int srcPort = 1024 + r.nextInt(64_000);
            int size = sizes[r.nextInt(sizes.length)];
            long ts = START_NANOS + i * 1_000L;
            if (s % 5 == 4) {
                out.add(TestPacket.ipv6(ts, 0x20010db8_00000000L, s + 1L, 0x20010db8_ffff0000L, d + 1L, srcPort,
                        dstPort, protocol == 1 ? 58 : protocol, size));
            } else {
                out.add(TestPacket.ipv4(ts, 0x0A000000 + s + 1, 0xC0A80000 + d + 1, srcPort, dstPort, protocol, size));
            }
        }
        return out;
    }
}
