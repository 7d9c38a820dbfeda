package io.flowtrace.testkit;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.spi.PacketView;

/**
 * A decoded packet for aggregator tests: an immutable {@link PacketView}, so a test can keep a list of them and feed
 * it again. Make one with {@link #ipv4} or {@link #ipv6}; {@link TestTraffic} makes many.
 *
 * @param timestampNanos epoch nanoseconds
 * @param ipVersion 4 or 6
 * @param srcHi     the source address's high 64 bits (0 for IPv4)
 * @param srcLo     the source address's low 64 bits (the IPv4 address in the low 32)
 * @param dstHi     the destination address's high 64 bits (0 for IPv4)
 * @param dstLo     the destination address's low 64 bits (the IPv4 address in the low 32)
 * @param srcPort   the source port, 0 for protocols without ports
 * @param dstPort   the destination port, 0 for protocols without ports
 * @param protocol  the IP protocol number
 * @param vlan      the outer VLAN id, 0 for none
 * @param wireLength the frame's length on the wire
 * @param ipLength  the IP-level length: {@code wireLength - 14} (an Ethernet header) from the factories
 * @param tcpFlags  TCP flags, 0 for other protocols
 * @param icmpType  ICMP or ICMPv6 type, -1 for other protocols
 * @param icmpCode  ICMP or ICMPv6 code, -1 for other protocols
 * @param interfaceIndex the capture interface's index, 0 for the first
 * @since 0.1
 */
public record TestPacket(long timestampNanos, int ipVersion, long srcHi, long srcLo, long dstHi, long dstLo,
                         int srcPort, int dstPort, int protocol, int vlan, int wireLength, int ipLength,
                         int tcpFlags, int icmpType, int icmpCode, int interfaceIndex) implements PacketView {

    /**
     * Checks the key's ranges and that {@code 0 <= ipLength <= wireLength}.
     *
     * @param timestampNanos epoch nanoseconds
     * @param ipVersion 4 or 6
     * @param srcHi the source address's high 64 bits (0 for IPv4)
     * @param srcLo the source address's low 64 bits
     * @param dstHi the destination address's high 64 bits (0 for IPv4)
     * @param dstLo the destination address's low 64 bits
     * @param srcPort the source port, 0 for protocols without ports
     * @param dstPort the destination port, 0 for protocols without ports
     * @param protocol the IP protocol number
     * @param vlan the outer VLAN id, 0 for none
     * @param wireLength the frame's length on the wire
     * @param ipLength the IP-level length
     * @param tcpFlags TCP flags, 0 for other protocols
     * @param icmpType ICMP or ICMPv6 type, -1 for other protocols
     * @param icmpCode ICMP or ICMPv6 code, -1 for other protocols
     * @param interfaceIndex the capture interface's index, 0 for the first
     * @throws IllegalArgumentException when a value is out of range
     */
    public TestPacket {
        toKey(ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, vlan); // checks the key's ranges
        if (wireLength < ipLength || ipLength < 0) {
            throw new IllegalArgumentException("wireLength " + wireLength + ", ipLength " + ipLength
                    + " (expected: 0 <= ipLength <= wireLength)");
        }
    }

    /**
     * {@return an IPv4 packet, addresses as ints ({@code 0x0A000001} is 10.0.0.1); ICMP (1) is an echo request}
     *
     * @param timestampNanos epoch nanoseconds
     * @param src            the source address
     * @param dst            the destination address
     * @param srcPort        the source port (ignored for ICMP)
     * @param dstPort        the destination port (ignored for ICMP)
     * @param protocol       the IP protocol number
     * @param wireLength     the frame's length on the wire, at least 14
     */
    public static TestPacket ipv4(long timestampNanos, int src, int dst, int srcPort, int dstPort, int protocol,
                                  int wireLength) {
        return of(timestampNanos, 4, 0, src & 0xFFFF_FFFFL, 0, dst & 0xFFFF_FFFFL, srcPort, dstPort, protocol,
                wireLength);
    }

    /**
     * {@return an IPv6 packet, each address as its high and low 64 bits; ICMPv6 (58) is an echo request}
     *
     * @param timestampNanos epoch nanoseconds
     * @param srcHi          the source address's high 64 bits
     * @param srcLo          the source address's low 64 bits
     * @param dstHi          the destination address's high 64 bits
     * @param dstLo          the destination address's low 64 bits
     * @param srcPort        the source port (ignored for ICMPv6)
     * @param dstPort        the destination port (ignored for ICMPv6)
     * @param protocol       the IP protocol number
     * @param wireLength     the frame's length on the wire, at least 14
     */
    public static TestPacket ipv6(long timestampNanos, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort,
                                  int dstPort, int protocol, int wireLength) {
        return of(timestampNanos, 6, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, wireLength);
    }

    private static TestPacket of(long ts, int version, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort,
                                 int dstPort, int protocol, int wireLength) {
        boolean icmp = protocol == 1 || protocol == 58;
        return new TestPacket(ts, version, srcHi, srcLo, dstHi, dstLo, icmp ? 0 : srcPort, icmp ? 0 : dstPort,
                protocol, 0, wireLength, Math.max(0, wireLength - 14), 0, icmp ? (protocol == 1 ? 8 : 128) : -1,
                icmp ? 0 : -1, 0);
    }

    /**
     * {@return this packet with TCP flags ({@code 0x02} SYN, {@code 0x10} ACK, ...)}
     *
     * @param flags the TCP flags
     */
    public TestPacket withTcpFlags(int flags) {
        return new TestPacket(timestampNanos, ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol,
                vlan, wireLength, ipLength, flags, icmpType, icmpCode, interfaceIndex);
    }

    /**
     * {@return this packet with an outer VLAN id}
     *
     * @param vlanId the VLAN id, 1..4094
     */
    public TestPacket withVlan(int vlanId) {
        return new TestPacket(timestampNanos, ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol,
                vlanId, wireLength, ipLength, tcpFlags, icmpType, icmpCode, interfaceIndex);
    }

    /** {@return symmetric: the same for both directions of a conversation, as the pipeline's is} */
    @Override
    public int flowHash() {
        long h = (srcHi ^ dstHi) * 0x9E3779B97F4A7C15L + (srcLo ^ dstLo);
        h = (h ^ (srcPort ^ dstPort)) * 0xBF58476D1CE4E5B9L + protocol;
        h = (h ^ (h >>> 31)) * 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public FlowKey toKey() {
        return toKey(ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, vlan);
    }

    private static FlowKey toKey(int ipVersion, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort,
                                 int dstPort, int protocol, int vlan) {
        return new FlowKey(ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, vlan);
    }
}
