package io.flowtrace.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random packets over few hosts and ports, so that conversations recur, collide in the index, idle out,
 * hit the active timeout, close with FIN or RST and reopen with a new SYN.
 */
final class RandomTraffic {
    private RandomTraffic() {
    }

    static List<DecodedPacket> packets(long seed, int count, int hosts, boolean vlans) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DecodedPacket> out = new ArrayList<>(count);
        long ts = 1_700_000_000_000_000_000L;
        for (int i = 0; i < count; i++) {
            DecodedPacket p = new DecodedPacket();
            int gapKind = r.nextInt(100);
            ts += gapKind < 90 ? r.nextLong(50_000_000L) : gapKind < 98 ? r.nextLong(3_000_000_000L)
                    : r.nextLong(20_000_000_000L);
            p.timestampNanos = ts;
            boolean v6 = r.nextInt(5) == 0;
            p.ipVersion = v6 ? 6 : 4;
            int a = r.nextInt(hosts);
            int b = r.nextInt(hosts);
            if (v6) {
                p.srcHi = 0x20010db800000000L;
                p.srcLo = a;
                p.dstHi = 0x20010db800000000L;
                p.dstLo = b;
            } else {
                p.srcLo = 0x0a000000L | a;
                p.dstLo = 0x0a000000L | b;
            }
            int proto = r.nextInt(10);
            p.protocol = proto < 6 ? 6 : proto < 9 ? 17 : 1;
            if (p.protocol != 1) {
                p.srcPort = 1000 + r.nextInt(4);
                p.dstPort = 1000 + r.nextInt(4);
            }
            if (p.protocol == 6) {
                int f = r.nextInt(100);
                p.tcpFlags = f < 8 ? 0x02 : f < 14 ? 0x12 : f < 20 ? 0x11 : f < 23 ? 0x04 : f < 25 ? 0x14 : 0x10;
            }
            p.vlan = vlans ? r.nextInt(3) : 0;
            p.wireLength = 60 + r.nextInt(1400);
            p.ipLength = p.wireLength - 14;
            out.add(p);
        }
        return out;
    }

    /** {@return {@code p}, cleared and made the one packet of flow {@code i}: a DNS query from 10.0.0.0 + i, 1 ns apart} */
    static DecodedPacket oneFlow(DecodedPacket p, int i) {
        p.clear();
        p.ipVersion = 4;
        p.srcLo = 0x0a000000L + i;
        p.dstLo = 0xc0a80001L;
        p.srcPort = 40_000;
        p.dstPort = 53;
        p.protocol = 17;
        p.timestampNanos = 1_700_000_000_000_000_000L + i;
        p.wireLength = 80;
        p.ipLength = 66;
        hash(p, false);
        return p;
    }

    static void hash(DecodedPacket p, boolean vlanInKey) {
        p.flowHash = DecodedPacket.symmetricHash(p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort, p.protocol,
                vlanInKey ? p.vlan : 0);
    }
}
