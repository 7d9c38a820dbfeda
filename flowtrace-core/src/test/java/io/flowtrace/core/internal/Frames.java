package io.flowtrace.core.internal;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds frames byte by byte for decoder tests. Lengths and next-header fields are filled in. */
final class Frames {
    static final String MAC_A = "020000000001";
    static final String MAC_B = "020000000002";

    private Frames() {
    }

    static byte[] cat(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof byte[] a) {
                out.writeBytes(a);
            } else if (p instanceof String s) {
                out.writeBytes(hex(s));
            } else {
                throw new IllegalArgumentException(String.valueOf(p));
            }
        }
        return out.toByteArray();
    }

    static byte[] hex(String s) {
        String h = s.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static byte[] addr(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress(); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    static byte[] eth(int type, byte[] payload) {
        return cat(MAC_B, MAC_A, u16(type), payload);
    }

    static byte[] vlanTag(int tci, int type) {
        return cat(u16(tci), u16(type));
    }

    static byte[] ipv4(int proto, String src, String dst, byte[] payload) {
        return ipv4(proto, src, dst, 0x1234, 0x4000, new byte[0], payload);
    }

    /** IPv4 with identification, flags/fragment-offset word and options (a multiple of 4 bytes). */
    static byte[] ipv4(int proto, String src, String dst, int id, int flagsOffset, byte[] options, byte[] payload) {
        int ihl = 20 + options.length;
        return cat(new byte[] {(byte) (0x40 | ihl / 4), 0}, u16(ihl + payload.length), u16(id), u16(flagsOffset),
                new byte[] {64, (byte) proto}, "0000", addr(src), addr(dst), options, payload);
    }

    static byte[] ipv6(int next, String src, String dst, byte[] payload) {
        return cat("60000000", u16(payload.length), new byte[] {(byte) next, 64}, addr(src), addr(dst), payload);
    }

    /** An IPv6 extension header of {@code len8} 8-byte units after the first 8 (hop-by-hop, routing, options). */
    static byte[] ext6(int next, int len8) {
        byte[] h = new byte[8 + 8 * len8];
        h[0] = (byte) next;
        h[1] = (byte) len8;
        return h;
    }

    static byte[] frag6(int next, int offset8, boolean more, int id) {
        return cat(new byte[] {(byte) next, 0}, u16(offset8 << 3 | (more ? 1 : 0)), u32(id));
    }

    static byte[] tcp(int sp, int dp, int flags, byte[] payload) {
        return cat(u16(sp), u16(dp), "00000001 00000000", new byte[] {0x50, (byte) flags}, "ffff 0000 0000",
                payload);
    }

    static byte[] udp(int sp, int dp, byte[] payload) {
        return cat(u16(sp), u16(dp), u16(8 + payload.length), "0000", payload);
    }

    static byte[] sctp(int sp, int dp) {
        return cat(u16(sp), u16(dp), "00000000 00000000");
    }

    static byte[] icmp(int type, int code) {
        return cat(new byte[] {(byte) type, (byte) code}, "0000 00010001");
    }

    /** A typical Ethernet/IPv4/TCP frame, 10.0.0.1:40000 -> 10.0.0.2:80, SYN. */
    static byte[] ethTcp() {
        return eth(0x0800, ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, 0x02, new byte[0])));
    }

    static byte[] ipTcp() {
        return ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, 0x02, new byte[0]));
    }

    static byte[] ip6Udp() {
        return ipv6(17, "2001:db8::1", "2001:db8::2", udp(5353, 53, hex("abcd")));
    }
}
