package io.flowtrace.core.internal;

import io.flowtrace.core.IpFragments;
import io.flowtrace.core.Tunnel;
import io.flowtrace.core.spi.LinkType;

import java.util.EnumSet;
import java.util.Set;

/**
 * Decodes link, network and transport headers of one frame into a {@link DecodedPacket}, by offset over the
 * caller's byte array. No allocation, no exceptions: every read is checked against the end of the captured bytes,
 * and a bad frame returns a {@link DecodeStatus} that the caller counts. One instance per thread (its layers keep
 * per-packet state and a small cache of first fragments, see {@link FragmentCache}).
 *
 * <p>The work is done by one final class per layer, which call one another directly (a tunnel carries a link or IP
 * layer again), so that the JIT sees no interface calls: {@link LinkDecoder} (the link types of {@link LinkType}),
 * {@link IpDecoder} (IPv4 and IPv6, fragments), {@link TransportDecoder} (ports, TCP flags, ICMP) and
 * {@link TunnelDecoder}. This class composes them, resets their per-packet state and hashes the key.
 *
 * <p>Inside a tunnel that is decoded (one of the {@link Tunnel}s it is given), the innermost conversation becomes
 * the flow: addresses, ports, protocol and {@code ipLength} are the inner packet's, while the wire length and the
 * VLAN stay the outer frame's. A tunnel not decoded leaves the outer packet as the flow.
 */
public final class PacketDecoder {
    // the decoder's limits, in one place: each bounds the work one hostile frame can cause
    /** Tunnels opened inside one another at most (ERSPAN carrying VXLAN is two). */
    public static final int MAX_TUNNEL_DEPTH = 4;
    /** VLAN tags followed at most. */
    static final int MAX_VLAN_TAGS = 8;
    /** MPLS labels followed at most. */
    static final int MAX_MPLS_LABELS = 16;
    /** IPv6 extension headers followed at most. */
    static final int MAX_IPV6_EXTENSIONS = 8;
    /** GTP-U extension headers followed at most. */
    static final int MAX_GTP_EXTENSIONS = 8;
    /** Default number of first fragments remembered (sets x ways of {@link FragmentCache}). */
    static final int FRAGMENT_CACHE_SETS = 256;

    /** Every {@link Tunnel}'s bit. */
    static final int ALL_TUNNELS = Tunnel.bits(EnumSet.allOf(Tunnel.class));

    /** The {@link Tunnel#bit()}s of the tunnels opened. */
    private final int tunnelBits;
    private final boolean vlanInKey;
    private final FlowHash hash;
    private final LinkDecoder link;
    private final IpDecoder ip;
    private final TunnelDecoder tunnels;

    /** @param decodeTunnels every tunnel opened ({@code true}) or none */
    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey) {
        this(decodeTunnels, vlanInKey, false);
    }

    /** @param icmpTypeInKey ICMP type and reply type (or code) as the ports: see {@link TransportDecoder#icmpPorts} */
    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey) {
        this(decodeTunnels, vlanInKey, icmpTypeInKey, FRAGMENT_CACHE_SETS);
    }

    /** @param tunnels the tunnels opened; another is metered as the packet that carries it */
    public PacketDecoder(Set<Tunnel> tunnels, boolean vlanInKey, boolean icmpTypeInKey) {
        this(tunnels, vlanInKey, icmpTypeInKey, IpFragments.JOIN);
    }

    /** @param fragments what later IP fragments count for: see {@link IpFragments} */
    public PacketDecoder(Set<Tunnel> tunnels, boolean vlanInKey, boolean icmpTypeInKey, IpFragments fragments) {
        this(Tunnel.bits(tunnels), vlanInKey, icmpTypeInKey, FRAGMENT_CACHE_SETS, FlowHash.PROCESS, fragments,
                IpReassembler.DEFAULT_MAX_DATAGRAMS, IpReassembler.DEFAULT_POOL_BYTES);
    }

    /** @param fragments what later IP fragments count for: see {@link IpFragments} */
    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey, IpFragments fragments) {
        this(decodeTunnels ? ALL_TUNNELS : 0, vlanInKey, icmpTypeInKey, FRAGMENT_CACHE_SETS, FlowHash.PROCESS,
                fragments, IpReassembler.DEFAULT_MAX_DATAGRAMS, IpReassembler.DEFAULT_POOL_BYTES);
    }

    PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets) {
        this(decodeTunnels, vlanInKey, icmpTypeInKey, fragmentCacheSets, FlowHash.PROCESS);
    }

    /** @param hash the seeded hash of flow keys and fragment keys (tests fix its seed) */
    PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets,
                  FlowHash hash) {
        this(decodeTunnels ? ALL_TUNNELS : 0, vlanInKey, icmpTypeInKey, fragmentCacheSets, hash);
    }

    /** @param tunnelBits the {@link Tunnel#bit()}s of the tunnels opened */
    PacketDecoder(int tunnelBits, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets, FlowHash hash) {
        this(tunnelBits, vlanInKey, icmpTypeInKey, fragmentCacheSets, hash, IpFragments.JOIN, 0, 0);
    }

    /**
     * @param tunnelBits          the {@link Tunnel#bit()}s of the tunnels opened
     * @param reassemblyDatagrams with {@link IpFragments#REASSEMBLE}: datagrams in progress at once
     * @param reassemblyBytes     with {@link IpFragments#REASSEMBLE}: bytes of fragment data held at once
     */
    PacketDecoder(int tunnelBits, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets, FlowHash hash,
                  IpFragments fragments, int reassemblyDatagrams, int reassemblyBytes) {
        this.tunnelBits = tunnelBits;
        this.vlanInKey = vlanInKey;
        this.hash = hash;
        this.tunnels = new TunnelDecoder(tunnelBits);
        TransportDecoder transport = new TransportDecoder(tunnels, tunnelBits, icmpTypeInKey);
        IpReassembler reassembler = fragments == IpFragments.REASSEMBLE
                ? new IpReassembler(reassemblyDatagrams, reassemblyBytes, MAX_TUNNEL_DEPTH + 1, hash) : null;
        this.ip = new IpDecoder(transport, tunnels, new FragmentCache(fragmentCacheSets, hash), fragments,
                reassembler);
        this.link = new LinkDecoder(ip, tunnels);
        tunnels.connect(link, ip);
    }

    /** {@return the {@link Tunnel#bit()}s of the tunnels this decoder opens} */
    public int tunnelBits() {
        return tunnelBits;
    }

    /**
     * Adds the reassembly's datagram counters to {@code into} ({@code datagram_reassembled}, {@code _timed_out},
     * {@code _evicted}, {@code _dropped}); nothing unless fragments are reassembled. Approximate from another thread.
     */
    public void reassemblyCounters(java.util.Map<String, Long> into) {
        IpReassembler r = ip.reassembler();
        if (r != null) {
            into.put("datagram_reassembled", r.reassembled());
            into.put("datagram_timed_out", r.timedOut());
            into.put("datagram_evicted", r.evicted());
            into.put("datagram_dropped", r.dropped());
        }
    }

    /**
     * Decodes one frame of {@code capLen} captured bytes at {@code off}. On a {@linkplain DecodeStatus#metered()
     * metered} status every key field of {@code out} and {@code out.flowHash} are set. {@code capturedLength} and
     * {@code interfaceIndex} are the caller's and left alone; {@code wireLength} and {@code timestampNanos} too, but
     * read for reassembly (see the other overload). Never throws, whatever the
     * bytes (a range outside the array is {@link DecodeStatus#TRUNCATED_LINK}).
     */
    public DecodeStatus decode(byte[] b, int off, int capLen, int linkType, DecodedPacket out) {
        return decode(b, off, capLen, out.wireLength, out.timestampNanos, linkType, out);
    }

    /**
     * Decodes one frame as {@link #decode(byte[], int, int, int, DecodedPacket)} does, and sets {@code out}'s
     * {@code wireLength} and {@code timestampNanos}: the frame's, except that a reassembled datagram
     * ({@link IpFragments#REASSEMBLE}) has the wire bytes of every frame that carried one of its fragments. The time
     * also drives the reassembly timeouts.
     */
    public DecodeStatus decode(byte[] b, int off, int capLen, int wireLength, long timestampNanos, int linkType,
                               DecodedPacket out) {
        out.clear();
        out.timestampNanos = timestampNanos;
        out.wireLength = wireLength;
        if (off < 0 || capLen < 0 || off > b.length) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int end = capLen > b.length - off ? b.length : off + capLen;
        tunnels.reset();
        ip.reset(timestampNanos, wireLength);
        DecodeStatus s = linkType == LinkType.ETHERNET ? link.ethernet(b, off, end, out)
                : link.other(b, off, end, linkType, out);
        if (s == DecodeStatus.OK || s == DecodeStatus.TOO_DEEP) {
            ip.finish(out);
            out.wireLength = ip.wire();
            int v = vlanInKey ? out.vlan : 0;
            out.flowHash = hash.symmetric(out.srcHi, out.srcLo, out.dstHi, out.dstLo, out.srcPort,
                    out.dstPort, out.protocol, v);
        }
        return s;
    }
}
