package io.flowtrace.core.internal;

import io.flowtrace.core.IpFragments;

import static io.flowtrace.core.internal.Bytes.u16;
import static io.flowtrace.core.internal.Bytes.u32;
import static io.flowtrace.core.internal.Bytes.u64;

/**
 * The IP layer: IPv4 (options, fragments) and IPv6 (extension headers, fragments) fill the addresses, protocol and
 * {@code ipLength}, then {@link TransportDecoder} reads what follows. Fragments are matched through
 * {@link FragmentCache}: a first fragment's final key is remembered once the whole packet is decoded, and a later
 * fragment (no transport header) takes it; or, by the {@link IpFragments} mode, later fragments are skipped, or
 * every fragment goes to {@link IpReassembler} and a complete datagram is decoded from its buffer. One per
 * {@link PacketDecoder}; it keeps per-packet state, reset by {@link #reset}.
 */
final class IpDecoder {
    private static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    private static final int IPV6_FRAGMENT_HEADER = 8;

    private final TransportDecoder transport;
    /** Read for the tunnel depth: a first fragment's key is remembered as the inner one when it was a tunnel. */
    private final TunnelDecoder tunnels;
    private final FragmentCache fragments;
    private final IpFragments mode;
    /** Null unless the mode is {@link IpFragments#REASSEMBLE}. */
    private final IpReassembler reassembler;

    // per-packet state
    /** A first fragment was seen in this packet: remember its final key under the fragmented layer's key. */
    private boolean pendingFragment;
    private int pendVersion;
    private long pendSrcHi;
    private long pendSrcLo;
    private long pendDstHi;
    private long pendDstLo;
    private int pendId;
    private int pendProto;
    private int pendDepth;
    /** End of the fragmented layer's bytes when the packet is a first fragment, else -1. */
    private int fragmentEnd;
    /** Start of the last IP header decoded. */
    private int lastIpStart;
    /** Packet time, for reassembly timeouts. */
    private long now;
    /** Wire bytes of the packet: the frame's, or those of every frame of a reassembled datagram. */
    private int wire;

    IpDecoder(TransportDecoder transport, TunnelDecoder tunnels, FragmentCache fragments, IpFragments mode,
              IpReassembler reassembler) {
        this.transport = transport;
        this.tunnels = tunnels;
        this.fragments = fragments;
        this.mode = mode;
        this.reassembler = reassembler;
    }

    /** Before each packet: its time and wire length. */
    void reset(long timestampNanos, int wireLength) {
        pendingFragment = false;
        fragmentEnd = -1;
        now = timestampNanos;
        wire = wireLength;
        if (reassembler != null) {
            reassembler.reset();
            reassembler.expire(timestampNanos);
        }
    }

    /** {@return the packet's wire bytes: the frame's, or for a reassembled datagram those of all its frames} */
    int wire() {
        return wire;
    }

    /** {@return the reassembler, null unless fragments are reassembled} */
    IpReassembler reassembler() {
        return reassembler;
    }

    /** After a metered packet: if it was a first fragment, remembers the key it was decoded to. */
    void finish(DecodedPacket out) {
        if (pendingFragment) {
            finishFirstFragment(out);
        }
    }

    /** IP with the version taken from the first nibble. */
    DecodeStatus ip(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 1) {
            return DecodeStatus.TRUNCATED_IP;
        }
        int version = (b[p] & 0xff) >>> 4;
        if (version == 4) {
            return ip4(b, p, end, out);
        }
        if (version == 6) {
            return ip6(b, p, end, out);
        }
        return DecodeStatus.BAD_IP_HEADER;
    }

    DecodeStatus ip4(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < IPV4_HEADER) {
            return DecodeStatus.TRUNCATED_IP;
        }
        int vihl = b[p] & 0xff;
        int ihl = (vihl & 0x0f) << 2;
        if ((vihl >>> 4) != 4 || ihl < IPV4_HEADER) {
            return DecodeStatus.BAD_IP_HEADER;
        }
        if (end - p < ihl) {
            return DecodeStatus.TRUNCATED_IP;
        }
        int total = u16(b, p + 2);
        if (total == 0) {
            total = end - p; // segmentation offload: the stack had not filled the length in yet
        } else if (total < ihl) {
            return DecodeStatus.BAD_IP_HEADER;
        }
        lastIpStart = p;
        out.ipVersion = 4;
        out.ipLength = total;
        out.srcLo = u32(b, p + 12) & 0xffffffffL;
        out.dstLo = u32(b, p + 16) & 0xffffffffL;
        int protocol = b[p + 9] & 0xff;
        out.protocol = protocol;
        int ipEnd = p + total;
        if (ipEnd < end) {
            end = ipEnd; // Ethernet padding is not transport payload
        }
        int frag = u16(b, p + 6);
        if ((frag & 0x3fff) != 0) {
            // fragment: "more fragments" set or a non-zero offset
            if (mode != IpFragments.JOIN) {
                return fragment4(b, p, ihl, total, end, frag, protocol, out);
            }
            if ((frag & 0x1fff) != 0) {
                return laterFragment(4, 0, out.srcLo, 0, out.dstLo, u16(b, p + 4), protocol, total - ihl, out);
            }
            firstFragment(4, 0, out.srcLo, 0, out.dstLo, u16(b, p + 4), protocol, ipEnd);
        }
        return transport.transport(b, p + ihl, end, protocol, total - ihl, out);
    }

    DecodeStatus ip6(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < IPV6_HEADER) {
            return DecodeStatus.TRUNCATED_IP;
        }
        if (((b[p] & 0xff) >>> 4) != 6) {
            return DecodeStatus.BAD_IP_HEADER;
        }
        int payload = u16(b, p + 4);
        int next = b[p + 6] & 0xff;
        // 0 with a hop-by-hop header: a jumbogram (or segmentation offload): the captured bytes are the packet
        int total = payload == 0 && next == IpProtocol.HOPOPT ? end - p : payload + IPV6_HEADER;
        lastIpStart = p;
        out.ipVersion = 6;
        out.ipLength = total;
        out.srcHi = u64(b, p + 8);
        out.srcLo = u64(b, p + 16);
        out.dstHi = u64(b, p + 24);
        out.dstLo = u64(b, p + 32);
        int ipEnd = p + total;
        if (ipEnd < end) {
            end = ipEnd;
        }
        if (isIpv6Extension(next)) {
            return ip6Extensions(b, p, end, next, out);
        }
        out.protocol = next;
        return transport.transport(b, p + IPV6_HEADER, end, next, total - IPV6_HEADER, out);
    }

    private static boolean isIpv6Extension(int next) {
        return next == IpProtocol.HOPOPT || next == IpProtocol.IPV6_ROUTE || next == IpProtocol.IPV6_FRAGMENT
                || next == IpProtocol.IPV6_DESTINATION_OPTIONS || next == IpProtocol.AH
                || next == IpProtocol.MOBILITY || next == IpProtocol.HIP || next == IpProtocol.SHIM6;
    }

    /** Walks the extension header chain after the fixed IPv6 header at {@code p}. */
    private DecodeStatus ip6Extensions(byte[] b, int p, int end, int next, DecodedPacket out) {
        int q = p + IPV6_HEADER;
        int total = out.ipLength;
        int nextAt = p + 6; // the next-header byte that names the header at q
        for (int n = 0; isIpv6Extension(next); n++) {
            if (n == PacketDecoder.MAX_IPV6_EXTENSIONS) {
                // not followed further: the packet is metered with what is known, the header it stops at as protocol
                out.protocol = next;
                out.payloadLength = Math.max(0, total - (q - p));
                return DecodeStatus.TOO_DEEP;
            }
            if (end - q < 8) {
                return DecodeStatus.BAD_IPV6_EXTENSION;
            }
            int len;
            if (next == IpProtocol.IPV6_FRAGMENT) {
                int offsetFlags = u16(b, q + 2);
                int id = u32(b, q + 4);
                int inner = b[q] & 0xff;
                if ((offsetFlags & 0xfff9) != 0 && mode != IpFragments.JOIN) {
                    DecodeStatus st = fragment6(b, p, q, nextAt, end, total, offsetFlags, out);
                    if (st != null) {
                        return st;
                    }
                }
                if ((offsetFlags & 0xfff8) != 0) {
                    out.protocol = inner;
                    return laterFragment(6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, id, inner,
                            total - (q + IPV6_FRAGMENT_HEADER - p), out);
                }
                if ((offsetFlags & 1) != 0 && mode == IpFragments.JOIN) {
                    firstFragment(6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, id, inner, p + total);
                }
                len = IPV6_FRAGMENT_HEADER;
            } else if (next == IpProtocol.AH) {
                len = ((b[q + 1] & 0xff) + 2) << 2;
            } else {
                len = ((b[q + 1] & 0xff) + 1) << 3;
            }
            next = b[q] & 0xff;
            nextAt = q;
            q += len;
        }
        if (q > end) {
            return DecodeStatus.BAD_IPV6_EXTENSION;
        }
        out.protocol = next;
        return transport.transport(b, q, end, next, total - (q - p), out);
    }

    // ---------------------------------------------------------------- fragments

    /**
     * An IPv4 fragment in the first-only or reassemble mode (apart from {@link #ip4}, which stays small enough to be
     * inlined): a later fragment skipped, a first one decoded as it is; or the fragment held, and once its datagram
     * is complete, the datagram decoded.
     */
    private DecodeStatus fragment4(byte[] b, int p, int ihl, int total, int end, int frag, int protocol,
                                   DecodedPacket out) {
        boolean later = (frag & 0x1fff) != 0;
        if (mode == IpFragments.FIRST_ONLY || end < p + total) {
            // first-only, or cut by the snap length so that it cannot be reassembled: a first fragment as it is
            if (later) {
                return mode == IpFragments.FIRST_ONLY ? DecodeStatus.FRAGMENT_SKIPPED : DecodeStatus.FRAGMENT_TRUNCATED;
            }
            return transport.transport(b, p + ihl, end, protocol, total - ihl, out);
        }
        DecodeStatus st = reassembler.add(4, 0, out.srcLo, 0, out.dstLo, u16(b, p + 4), protocol, b, p, ihl, 0,
                (frag & 0x1fff) << 3, (frag & 0x2000) != 0, p + ihl, total - ihl, wire, now);
        if (st != DecodeStatus.OK) {
            return st;
        }
        wire = reassembler.resultWire();
        return ip4(reassembler.result(), 0, reassembler.resultLength(), out);
    }

    /**
     * An IPv6 fragment header at {@code q} in the first-only or reassemble mode: the status of a later fragment
     * skipped, of a fragment held or of its complete datagram decoded; null when the fragment is to be read on as an
     * ordinary packet (a first fragment, kept whole or cut by the snap length).
     */
    private DecodeStatus fragment6(byte[] b, int p, int q, int nextAt, int end, int total, int offsetFlags,
                                   DecodedPacket out) {
        boolean later = (offsetFlags & 0xfff8) != 0;
        if (mode == IpFragments.FIRST_ONLY || end < p + total) {
            if (!later) {
                return null;
            }
            return mode == IpFragments.FIRST_ONLY ? DecodeStatus.FRAGMENT_SKIPPED : DecodeStatus.FRAGMENT_TRUNCATED;
        }
        int data = q + IPV6_FRAGMENT_HEADER;
        DecodeStatus st = reassembler.add(6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, u32(b, q + 4), b[q] & 0xff,
                b, p, q - p, nextAt - p, offsetFlags & 0xfff8, (offsetFlags & 1) != 0, data, p + total - data, wire,
                now);
        if (st != DecodeStatus.OK) {
            return st;
        }
        wire = reassembler.resultWire();
        return ip6(reassembler.result(), 0, reassembler.resultLength(), out);
    }

    private void firstFragment(int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int protocol,
                               int ipEnd) {
        if (pendingFragment) {
            return; // the outermost fragmented layer is the one later fragments will be looked up by
        }
        pendingFragment = true;
        pendVersion = version;
        pendSrcHi = srcHi;
        pendSrcLo = srcLo;
        pendDstHi = dstHi;
        pendDstLo = dstLo;
        pendId = id;
        pendProto = protocol;
        pendDepth = tunnels.depth();
        fragmentEnd = ipEnd;
    }

    private void finishFirstFragment(DecodedPacket out) {
        boolean tunnelled = tunnels.depth() > pendDepth;
        if (tunnelled && fragmentEnd > lastIpStart) {
            // only part of the inner datagram is in this fragment; later fragments carry the rest
            int carried = fragmentEnd - lastIpStart;
            if (carried < out.ipLength) {
                out.ipLength = carried;
            }
        }
        fragments.put(pendVersion, pendSrcHi, pendSrcLo, pendDstHi, pendDstLo, pendId, pendProto, out, tunnelled);
    }

    /** A fragment with a non-zero offset: no transport header; the key comes from its first fragment if seen. */
    private DecodeStatus laterFragment(int version, long srcHi, long srcLo, long dstHi, long dstLo, int id,
                                       int protocol, int carried, DecodedPacket out) {
        int i = fragments.find(version, srcHi, srcLo, dstHi, dstLo, id, protocol);
        out.payloadLength = carried > 0 ? carried : 0;
        if (i < 0) {
            out.fragment = true;
            return DecodeStatus.OK;
        }
        fragments.copyKey(i, out);
        if (fragments.tunnelled(i)) {
            out.ipLength = out.payloadLength; // the part of the inner datagram this fragment carries
        }
        return DecodeStatus.OK;
    }
}
