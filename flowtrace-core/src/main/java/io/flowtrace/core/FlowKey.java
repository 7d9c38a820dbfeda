package io.flowtrace.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The identity of a conversation: IP version, addresses, ports, protocol and (optionally) VLAN. Addresses are held
 * as two longs each (an IPv4 address sits in the low 32 bits of {@code lo} with {@code hi == 0}) so that keys can
 * be built from decoded packets without allocation. In a bidirectional event the source is the initiator (the
 * sender of the first packet seen, or of the SYN). Immutable and thread-safe.
 *
 * @param ipVersion 4 or 6
 * @param srcHi     high 64 bits of the source address (0 for IPv4)
 * @param srcLo     low 64 bits of the source address
 * @param dstHi     high 64 bits of the destination address (0 for IPv4)
 * @param dstLo     low 64 bits of the destination address
 * @param srcPort   source port, 0 for protocols without ports
 * @param dstPort   destination port, 0 for protocols without ports
 * @param protocol  IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...)
 * @param vlan      outermost VLAN id when VLANs are part of the key, else 0
 * @since 0.1
 */
public record FlowKey(int ipVersion, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
                      int protocol, int vlan) {

    /**
     * Checks the components.
     *
     * @param ipVersion 4 or 6
     * @param srcHi high 64 bits of the source address (0 for IPv4)
     * @param srcLo low 64 bits of the source address
     * @param dstHi high 64 bits of the destination address (0 for IPv4)
     * @param dstLo low 64 bits of the destination address
     * @param srcPort source port, 0 for protocols without ports
     * @param dstPort destination port, 0 for protocols without ports
     * @param protocol IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...)
     * @param vlan outermost VLAN id when VLANs are part of the key, else 0
     */
    public FlowKey {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ipVersion: " + ipVersion + " (expected: 4 or 6)");
        }
        if (ipVersion == 4 && (srcHi != 0 || dstHi != 0 || (srcLo >>> 32) != 0 || (dstLo >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 address does not fit in 32 bits");
        }
        checkRange("srcPort", srcPort, 0xffff);
        checkRange("dstPort", dstPort, 0xffff);
        checkRange("protocol", protocol, 0xff);
        checkRange("vlan", vlan, 0xfff);
    }

    private static void checkRange(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: 0.." + max + ")");
        }
    }

    /**
     * {@return an IPv4 key from addresses in network order packed into ints}
     *
     * @param src source address
     * @param dst destination address
     * @param srcPort source port, 0 for protocols without ports
     * @param dstPort destination port, 0 for protocols without ports
     * @param protocol IP protocol number
     */
    public static FlowKey ipv4(int src, int dst, int srcPort, int dstPort, int protocol) {
        return new FlowKey(4, 0, src & 0xffffffffL, 0, dst & 0xffffffffL, srcPort, dstPort, protocol, 0);
    }

    /**
     * Builds a key from two addresses of the same family.
     *
     * @param src source address
     * @param dst destination address
     * @param srcPort source port, 0 for protocols without ports
     * @param dstPort destination port, 0 for protocols without ports
     * @param protocol IP protocol number
     * @return the key
     * @throws IllegalArgumentException when the addresses are of different families
     */
    public static FlowKey of(InetAddress src, InetAddress dst, int srcPort, int dstPort, int protocol) {
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        if (s.length != d.length) {
            throw new IllegalArgumentException("addresses of different families: " + src + ", " + dst);
        }
        if (s.length == 4) {
            return new FlowKey(4, 0, readLong(s, 0, 4), 0, readLong(d, 0, 4), srcPort, dstPort, protocol, 0);
        }
        return new FlowKey(6, readLong(s, 0, 8), readLong(s, 8, 8), readLong(d, 0, 8), readLong(d, 8, 8),
                srcPort, dstPort, protocol, 0);
    }

    private static long readLong(byte[] b, int off, int len) {
        long v = 0;
        for (int i = 0; i < len; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** {@return the same conversation seen from the other side} */
    public FlowKey reversed() {
        return new FlowKey(ipVersion, dstHi, dstLo, srcHi, srcLo, dstPort, srcPort, protocol, vlan);
    }

    /** {@return the source address} */
    public InetAddress srcAddress() {
        return toInet(ipVersion, srcHi, srcLo);
    }

    /** {@return the destination address} */
    public InetAddress dstAddress() {
        return toInet(ipVersion, dstHi, dstLo);
    }

    /** {@return source address in its usual text form ({@code 10.0.0.1}, {@code 2001:db8::1})} */
    public String srcIp() {
        return IpText.format(ipVersion, srcHi, srcLo);
    }

    /** {@return destination address in its usual text form} */
    public String dstIp() {
        return IpText.format(ipVersion, dstHi, dstLo);
    }

    /** {@return the protocol's usual name ({@code TCP}, {@code UDP}, ...) or its number} */
    public String protocolName() {
        return IpText.protocolName(protocol);
    }

    private static InetAddress toInet(int version, long hi, long lo) {
        byte[] b = new byte[version == 4 ? 4 : 16];
        if (version == 4) {
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (lo >>> (24 - 8 * i));
            }
        } else {
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for a bad length
        }
    }

    @Override
    public String toString() {
        String s = ipVersion == 6 ? "[" + srcIp() + "]" : srcIp();
        String d = ipVersion == 6 ? "[" + dstIp() + "]" : dstIp();
        return protocolName() + " " + s + ":" + srcPort + " -> " + d + ":" + dstPort + (vlan != 0 ? " vlan " + vlan : "");
    }
}
