package io.flowtrace.testkit.frames;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds frames for tests, byte by byte: headers compose and lengths are filled in, so a test states only what it
 * is about.
 *
 * <pre>{@code
 * byte[] syn = Frames.eth(Frames.ETHERTYPE_IPV4,
 *         Frames.ipv4(Frames.TCP, "10.0.0.1", "10.0.0.2", Frames.tcp(40000, 80, Frames.SYN, new byte[0])));
 * byte[] tagged = Frames.ethVlan(100, Frames.ETHERTYPE_IPV6,
 *         Frames.ipv6(Frames.UDP, "2001:db8::1", "2001:db8::2", Frames.udp(5353, 53, Frames.hex("abcd"))));
 * }</pre>
 *
 * {@link #ethIpv4} and {@link #ethIpv6} build a whole Ethernet frame from numbers, with a payload of zeros.
 * Checksums are left zero (the meter does not verify them). Stateless: every method may be called from any thread;
 * every call returns a new array.
 *
 * @since 0.1
 */
public final class Frames {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    /** EtherType of IPv4. */
    public static final int ETHERTYPE_IPV4 = 0x0800;
    /** EtherType of IPv6. */
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    /** EtherType of an 802.1Q VLAN tag. */
    public static final int ETHERTYPE_VLAN = 0x8100;
    /** EtherType of ARP (a frame the meter counts as non-IP). */
    public static final int ETHERTYPE_ARP = 0x0806;

    /** IP protocol number of ICMP. */
    public static final int ICMP = 1;
    /** IP protocol number of TCP. */
    public static final int TCP = 6;
    /** IP protocol number of UDP. */
    public static final int UDP = 17;
    /** IP protocol number of ICMPv6. */
    public static final int ICMPV6 = 58;
    /** IP protocol number of SCTP. */
    public static final int SCTP = 132;

    /** A locally administered MAC address, as hex digits for {@link #cat}: the sender of {@link #eth} frames. */
    public static final String MAC_A = "020000000001";
    /** Another, the receiver of {@link #eth} frames. */
    public static final String MAC_B = "020000000002";

    private Frames() {
    }

    /** {@return the parts in order: byte arrays as they are, strings as hex digits (spaces ignored)} */
    public static byte[] cat(Object... parts) {
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

    /** {@return hex digits as bytes; spaces are ignored} */
    public static byte[] hex(String s) {
        String h = s.replace(" ", "");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** {@return the low 16 bits, big-endian (network order)} */
    public static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    /** {@return 32 bits, big-endian} */
    public static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** {@return 64 bits, big-endian} */
    public static byte[] u64(long v) {
        return cat(u32((int) (v >>> 32)), u32((int) v));
    }

    /** {@return an address literal (IPv4 or IPv6) as bytes; never a name lookup} */
    public static byte[] addr(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** {@return a.b.c.d as an int} */
    public static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    /** {@return an Ethernet II frame from {@link #MAC_A} to {@link #MAC_B}} */
    public static byte[] eth(int type, byte[] payload) {
        return cat(MAC_B, MAC_A, u16(type), payload);
    }

    /** {@return an Ethernet frame with one 802.1Q tag ({@code vlan} 0..4095, priority 0) before {@code type}} */
    public static byte[] ethVlan(int vlan, int type, byte[] payload) {
        return eth(ETHERTYPE_VLAN, cat(vlanTag(vlan, type), payload));
    }

    /**
     * {@return the 4 bytes after an 802.1Q EtherType: the tag control (priority and VLAN id) and the inner EtherType}
     */
    public static byte[] vlanTag(int tci, int type) {
        return cat(u16(tci), u16(type));
    }

    /** {@return an IPv4 header without options (id 0x1234, don't fragment, TTL 64) and its payload} */
    public static byte[] ipv4(int proto, String src, String dst, byte[] payload) {
        return ipv4(proto, addr(src), addr(dst), 0x1234, 0x4000, new byte[0], payload);
    }

    /** {@return IPv4 with identification, flags/fragment-offset word and options (a multiple of 4 bytes)} */
    public static byte[] ipv4(int proto, String src, String dst, int id, int flagsOffset, byte[] options,
                              byte[] payload) {
        return ipv4(proto, addr(src), addr(dst), id, flagsOffset, options, payload);
    }

    private static byte[] ipv4(int proto, byte[] src, byte[] dst, int id, int flagsOffset, byte[] options,
                               byte[] payload) {
        int ihl = 20 + options.length;
        return cat(new byte[] {(byte) (0x40 | ihl / 4), 0}, u16(ihl + payload.length), u16(id), u16(flagsOffset),
                new byte[] {64, (byte) proto}, "0000", src, dst, options, payload);
    }

    /** {@return an IPv6 header (hop limit 64) and its payload; {@code next} is the next header (protocol) number} */
    public static byte[] ipv6(int next, String src, String dst, byte[] payload) {
        return ipv6(next, addr(src), addr(dst), payload);
    }

    private static byte[] ipv6(int next, byte[] src, byte[] dst, byte[] payload) {
        return cat("60000000", u16(payload.length), new byte[] {(byte) next, 64}, src, dst, payload);
    }

    /**
     * {@return an IPv6 extension header of {@code len8} 8-byte units after the first 8 (hop-by-hop, routing, options)}
     */
    public static byte[] ext6(int next, int len8) {
        byte[] h = new byte[8 + 8 * len8];
        h[0] = (byte) next;
        h[1] = (byte) len8;
        return h;
    }

    /** {@return an IPv6 fragment header: offset in 8-byte units, the more-fragments flag and the identification} */
    public static byte[] frag6(int next, int offset8, boolean more, int id) {
        return cat(new byte[] {(byte) next, 0}, u16(offset8 << 3 | (more ? 1 : 0)), u32(id));
    }

    /** {@return A TCP header without options (sequence 1, window 65535) and its payload; flags as {@link #SYN} etc} */
    public static byte[] tcp(int sp, int dp, int flags, byte[] payload) {
        return cat(u16(sp), u16(dp), "00000001 00000000", new byte[] {0x50, (byte) flags}, "ffff 0000 0000",
                payload);
    }

    /** {@return A UDP header and its payload} */
    public static byte[] udp(int sp, int dp, byte[] payload) {
        return cat(u16(sp), u16(dp), u16(8 + payload.length), "0000", payload);
    }

    /** {@return an SCTP common header (ports, zero tag and checksum), no chunks} */
    public static byte[] sctp(int sp, int dp) {
        return cat(u16(sp), u16(dp), "00000000 00000000");
    }

    /** {@return an 8-byte ICMP (or ICMPv6) header: type, code, and an echo identifier and sequence of 1} */
    public static byte[] icmp(int type, int code) {
        return cat(new byte[] {(byte) type, (byte) code}, "0000 00010001");
    }

    /** {@return A typical Ethernet/IPv4/TCP frame, 10.0.0.1:40000 -> 10.0.0.2:80, SYN} */
    public static byte[] ethTcp() {
        return eth(0x0800, ipTcp());
    }

    /** {@return the IPv4 packet of {@link #ethTcp}, without the Ethernet header (for the raw-IP link type)} */
    public static byte[] ipTcp() {
        return ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, SYN, new byte[0]));
    }

    /** {@return an IPv6/UDP packet, [2001:db8::1]:5353 -> [2001:db8::2]:53, 2 bytes of payload, no link header} */
    public static byte[] ip6Udp() {
        return ipv6(17, "2001:db8::1", "2001:db8::2", udp(5353, 53, hex("abcd")));
    }

    /**
     * An Ethernet/IPv4 frame with {@code payload} zero bytes after a TCP (6), UDP (17) or, for any other protocol,
     * an 8-byte header (an ICMP echo request); {@code flags} are used for TCP only.
     */
    public static byte[] ethIpv4(int src, int dst, int protocol, int srcPort, int dstPort, int flags, int payload) {
        return eth(0x0800, ipv4(protocol, u32(src), u32(dst), 1, 0x4000, new byte[0],
                transport(protocol, srcPort, dstPort, flags, payload)));
    }

    /** {@return an Ethernet/IPv6 frame, addresses as (hi, lo); otherwise as {@link #ethIpv4}} */
    public static byte[] ethIpv6(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int srcPort,
                                 int dstPort, int flags, int payload) {
        return eth(0x86dd, ipv6(protocol, cat(u64(srcHi), u64(srcLo)), cat(u64(dstHi), u64(dstLo)),
                transport(protocol, srcPort, dstPort, flags, payload)));
    }

    private static byte[] transport(int protocol, int sp, int dp, int flags, int payload) {
        byte[] zeros = new byte[payload];
        return switch (protocol) {
            case 6 -> tcp(sp, dp, flags, zeros);
            case 17 -> udp(sp, dp, zeros);
            default -> cat(icmp(8, 0), zeros);
        };
    }
}
