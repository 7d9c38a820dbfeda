package io.flowtrace.cluster;

/**
 * Writes a {@link PacketInfo} as the smallest raw IP frame (LINKTYPE_RAW) the pipeline decodes to the same 5-tuple:
 * an IPv4 or IPv6 header and a TCP (data offset 5, no flags), UDP, SCTP or ICMP header, or none for other
 * protocols; the frame's wire length is the packet's length, so byte counts are the sender's. ICMP carries the type
 * in the source port and the code in the destination port, as the pipeline keys ICMP, so a packet that came from
 * flowtrace decodes to its own key. Into one reused array; allocates nothing. Not thread-safe.
 */
final class RawFrames {
    /** IPv6 header, TCP header. */
    static final int MAX_FRAME = 40 + 20;

    private final byte[] frame = new byte[MAX_FRAME];

    byte[] array() {
        return frame;
    }

    /** Writes the frame of {@code p}; returns its captured length. */
    int write(PacketInfo p) {
        byte[] b = frame;
        int proto = p.protocol;
        int th;
        switch (proto) {
            case 6: th = 20; break;
            case 17: th = 8; break;
            case 132: th = 12; break;
            case 1: case 58: th = 8; break;
            default: th = 0; break;
        }
        int ip;
        if (p.ipVersion == 6) {
            ip = 40;
            int payload = (int) Math.max(th, Math.min(p.length - 40, 65_535));
            b[0] = 0x60;
            b[1] = 0;
            b[2] = 0;
            b[3] = 0;
            b[4] = (byte) (payload >>> 8);
            b[5] = (byte) payload;
            b[6] = (byte) proto;
            b[7] = 64;
            put64(b, 8, p.srcHi);
            put64(b, 16, p.srcLo);
            put64(b, 24, p.dstHi);
            put64(b, 32, p.dstLo);
        } else {
            ip = 20;
            int total = (int) Math.max(20 + th, Math.min(p.length, 65_535));
            b[0] = 0x45;
            b[1] = 0;
            b[2] = (byte) (total >>> 8);
            b[3] = (byte) total;
            b[4] = 0;
            b[5] = 0;
            b[6] = 0; // no fragment
            b[7] = 0;
            b[8] = 64;
            b[9] = (byte) proto;
            b[10] = 0;
            b[11] = 0;
            put32(b, 12, (int) p.srcLo);
            put32(b, 16, (int) p.dstLo);
        }
        for (int i = ip; i < ip + th; i++) {
            b[i] = 0;
        }
        if (proto == 1 || proto == 58) {
            b[ip] = (byte) p.srcPort;
            b[ip + 1] = (byte) p.dstPort;
        } else if (th > 0) {
            b[ip] = (byte) (p.srcPort >>> 8);
            b[ip + 1] = (byte) p.srcPort;
            b[ip + 2] = (byte) (p.dstPort >>> 8);
            b[ip + 3] = (byte) p.dstPort;
            if (proto == 6) {
                b[ip + 12] = 0x50; // data offset: 5 words
            } else if (proto == 17) {
                int udp = (int) Math.max(8, Math.min(p.length - ip, 65_535));
                b[ip + 4] = (byte) (udp >>> 8);
                b[ip + 5] = (byte) udp;
            }
        }
        return ip + th;
    }

    private static void put32(byte[] b, int q, int v) {
        b[q] = (byte) (v >>> 24);
        b[q + 1] = (byte) (v >>> 16);
        b[q + 2] = (byte) (v >>> 8);
        b[q + 3] = (byte) v;
    }

    private static void put64(byte[] b, int q, long v) {
        put32(b, q, (int) (v >>> 32));
        put32(b, q + 4, (int) v);
    }
}
