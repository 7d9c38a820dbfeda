package io.flowtrace.core;

/**
 * What the meter does with IP fragments (IPv4 and IPv6), as each reference tool counts them. Set with
 * {@link FlowOptions#withIpFragments} or the {@code ip-fragments} setting ({@code join}, {@code first-only},
 * {@code reassemble}).
 *
 * @since 0.1
 */
public enum IpFragments {
    /**
     * Every fragment is a packet of the flow: later fragments, which carry no ports, join the flow their first
     * fragment was decoded to (the default).
     */
    JOIN,
    /**
     * Only the first fragment (offset 0) is metered; later fragments are skipped and counted
     * ({@code fragment_skipped}), as nDPI's and NFStream's readers do.
     */
    FIRST_ONLY,
    /**
     * Fragments are held until their datagram is complete, which is then decoded and metered as one packet with its
     * full IP length, as Zeek does; a tunnel or a UDP datagram split into fragments is decoded whole. Memory is
     * bounded; overlapping, duplicate, invalid and timed-out fragments are counted.
     */
    REASSEMBLE
}
