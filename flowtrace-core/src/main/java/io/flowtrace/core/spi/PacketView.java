package io.flowtrace.core.spi;

/**
 * A decoded packet as the flow table and aggregators see it: a reused view over primitives, valid only during the
 * callback that received it. Use {@link #toKey()} to keep the key. Addresses are two longs each (IPv4 in the low
 * 32 bits of the low word). Not thread-safe.
 *
 * @since 0.1
 */
public interface PacketView {

    /** {@return capture time, epoch nanoseconds} */
    long timestampNanos();

    /** {@return 4 or 6} */
    int ipVersion();

    /** {@return the source address's high 64 bits (0 for IPv4)} */
    long srcHi();

    /** {@return the source address's low 64 bits (an IPv4 address in the low 32)} */
    long srcLo();

    /** {@return the destination address's high 64 bits (0 for IPv4)} */
    long dstHi();

    /** {@return the destination address's low 64 bits (an IPv4 address in the low 32)} */
    long dstLo();

    /** {@return source port; 0 for protocols without ports} */
    int srcPort();

    /** {@return destination port; 0 for protocols without ports} */
    int dstPort();

    /** {@return IP protocol number of the transport (after extension headers and, when enabled, tunnels)} */
    int protocol();

    /** {@return outermost VLAN id, 0 when untagged} */
    int vlan();

    /** {@return original frame length on the wire} */
    int wireLength();

    /** {@return IP-level length: the IP header's total (or payload + 40) length} */
    int ipLength();

    /** {@return TCP flags byte, 0 for other protocols} */
    int tcpFlags();

    /** {@return ICMP or ICMPv6 type, -1 for other protocols} */
    int icmpType();

    /** {@return ICMP or ICMPv6 code, -1 for other protocols} */
    int icmpCode();

    /** {@return capture interface index} */
    int interfaceIndex();

    /**
     * Symmetric 32-bit hash of the flow key: both directions of a conversation give the same value. Keyed with a
     * random seed per process (so that traffic cannot be crafted to collide): equal within one process only, never
     * to be stored or compared between processes.
     *
     * @return the hash
     */
    int flowHash();

    /** {@return A copy of the key (allocates; not for the packet path)} */
    io.flowtrace.core.FlowKey toKey();
}
