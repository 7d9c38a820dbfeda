package io.flowtrace.core.internal;

/**
 * Outcome of decoding one frame. Every value but {@link #OK} is counted under its {@link #counterName()};
 * {@linkplain #metered() metered} packets ({@link #OK}, {@link #TOO_DEEP}) go to the flow table, the others are
 * skipped. Never thrown.
 */
public enum DecodeStatus {
    OK("ok"),
    /** A frame that does not carry IP (ARP, LLDP, STP, 802.11 management, ...). Not an error. */
    NON_IP("non_ip"),
    /** A link type this decoder does not know. */
    UNSUPPORTED_LINK_TYPE("unsupported_link_type"),
    /** The frame ends inside a link-layer header (Ethernet, VLAN, MPLS, PPPoE, SLL, ...). */
    TRUNCATED_LINK("truncated_link"),
    /**
     * A link-layer header whose fields are invalid: more VLAN tags or MPLS labels than the decoder follows, a bad
     * radiotap or NFLOG length.
     */
    BAD_LINK("bad_link"),
    /** The frame ends inside the IP header, or the header's own lengths do not fit. */
    TRUNCATED_IP("truncated_ip"),
    /** IP header fields are invalid (version, header length below minimum, total length below header). */
    BAD_IP_HEADER("bad_ip_header"),
    /** The frame ends inside an IPv6 extension header chain. */
    BAD_IPV6_EXTENSION("bad_ipv6_extension"),
    /** The frame ends before the transport ports (TCP/UDP/SCTP) or the TCP flags. */
    TRUNCATED_TRANSPORT("truncated_transport"),
    /** A TCP header with a data offset below 5 words. */
    BAD_TCP_HEADER("bad_tcp_header"),
    /** A tunnel header (GRE, VXLAN, GTP-U, Teredo, ERSPAN) that is cut short or invalid. */
    BAD_TUNNEL("bad_tunnel"),
    /**
     * More tunnels nested, or more IPv6 extension headers chained, than the decoder follows: metered as the deepest
     * layer decoded (the flow that carries what was not followed), and counted, so that nesting cannot hide traffic.
     */
    TOO_DEEP("too_deep"),
    /** A later IP fragment (offset above 0) not metered: the first-only fragment mode. */
    FRAGMENT_SKIPPED("fragment_skipped"),
    /** An IP fragment kept to reassemble its datagram, which is metered (with its bytes) once complete. */
    FRAGMENT_HELD("fragment_held"),
    /** An IP fragment with the same offset and end as one already held: dropped, its datagram kept. */
    FRAGMENT_DUPLICATE("fragment_duplicate"),
    /**
     * An IP fragment that overlaps a held one other than exactly: its datagram is dropped, as RFC 5722 asks for IPv6
     * and Linux does for IPv4 too.
     */
    FRAGMENT_OVERLAP("fragment_overlap"),
    /**
     * An IP fragment that cannot belong to a valid datagram: empty, a non-last fragment whose length is not a
     * multiple of 8, an end beyond 65,535 bytes or beyond the last fragment's, a second different last fragment, an
     * IPv6 unfragmentable part too long to keep, or more fragments than a datagram may have: its datagram is dropped.
     */
    FRAGMENT_INVALID("fragment_invalid"),
    /** A later IP fragment captured shorter than its IP length (a snap length): it cannot be reassembled. */
    FRAGMENT_TRUNCATED("fragment_truncated");

    private final String counterName;

    DecodeStatus(String counterName) {
        this.counterName = counterName;
    }

    /** Whether the packet is counted into a flow ({@link #OK} and {@link #TOO_DEEP}). */
    public boolean metered() {
        return this == OK || this == TOO_DEEP;
    }

    /** Whether the frame is an IP fragment that was not metered itself (counted apart from malformed frames). */
    public boolean fragment() {
        return ordinal() >= FRAGMENT_SKIPPED.ordinal();
    }

    /** Snake-case name used in counters and the summary. */
    public String counterName() {
        return counterName;
    }
}
