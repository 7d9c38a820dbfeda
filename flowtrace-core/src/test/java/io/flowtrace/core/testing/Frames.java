package io.flowtrace.core.testing;

import java.nio.ByteBuffer;

/** Builds Ethernet frames for tests: IPv4/IPv6 with TCP, UDP or ICMP, payload of zeros. */
public final class Frames {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    private Frames() {
    }

    /** An Ethernet/IPv4 frame; {@code flags} used for TCP (protocol 6) only. */
    public static byte[] ipv4(int src, int dst, int protocol, int srcPort, int dstPort, int flags, int payload) {
        int l4 = l4Length(protocol, payload);
        int ipLen = 20 + l4;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen);
        ethernet(b, 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).putInt(src).putInt(dst);
        l4(b, protocol, srcPort, dstPort, flags, payload);
        return b.array();
    }

    /** An Ethernet/IPv6 frame; addresses as (hi, lo). */
    public static byte[] ipv6(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int srcPort, int dstPort,
                              int flags, int payload) {
        int l4 = l4Length(protocol, payload);
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + l4);
        ethernet(b, 0x86dd);
        b.putInt(0x60000000).putShort((short) l4).put((byte) protocol).put((byte) 64)
                .putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo);
        l4(b, protocol, srcPort, dstPort, flags, payload);
        return b.array();
    }

    private static int l4Length(int protocol, int payload) {
        switch (protocol) {
            case 6: return 20 + payload;
            case 17: return 8 + payload;
            default: return 8 + payload;
        }
    }

    private static void ethernet(ByteBuffer b, int type) {
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6}).putShort((short) type);
    }

    private static void l4(ByteBuffer b, int protocol, int sp, int dp, int flags, int payload) {
        if (protocol == 6) {
            b.putShort((short) sp).putShort((short) dp).putInt(1).putInt(0).put((byte) 0x50).put((byte) flags)
                    .putShort((short) 1024).putShort((short) 0).putShort((short) 0);
        } else if (protocol == 17) {
            b.putShort((short) sp).putShort((short) dp).putShort((short) (8 + payload)).putShort((short) 0);
        } else {
            b.put((byte) 8).put((byte) 0).putShort((short) 0).putInt(0);
        }
        b.position(b.position() + payload);
    }

    /** a.b.c.d as an int. */
    public static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }
}
