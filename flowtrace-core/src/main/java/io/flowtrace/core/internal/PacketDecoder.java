package io.flowtrace.core.internal;

import io.flowtrace.core.spi.LinkType;

/**
 * Decodes link, network and transport headers of one frame into a {@link DecodedPacket}, by offset over the
 * caller's byte array. No allocation, no exceptions: every read is checked against the end of the captured bytes,
 * and a bad frame returns a {@link DecodeStatus} that the caller counts. One instance per thread (it keeps a small
 * cache of first fragments, see {@link FragmentCache}).
 *
 * <p>Link types: Ethernet (802.1Q/802.1ad/QinQ tags, MPLS, PPPoE session, Cisco FabricPath, LLC/SNAP), Linux cooked
 * capture v1 and v2, raw IP, BSD NULL and LOOP, PPP, PPP in HDLC, Cisco HDLC, Frame Relay, NFLOG, 802.11 and
 * radiotap data frames. Network: IPv4 (options, fragments) and IPv6 (extension headers, fragments). Transport: TCP,
 * UDP, SCTP ports, ICMP and ICMPv6 type and code; other protocols have ports 0.
 *
 * <p>With tunnel decoding on, GRE (with ERSPAN II/III, transparent Ethernet bridging and PPTP's enhanced GRE),
 * VXLAN (UDP 4789), GTP-U (UDP 2152), Teredo (UDP 3544), IP-in-IP and IPv6-in-IPv4/IPv6 are opened and the innermost
 * conversation becomes the flow: addresses, ports, protocol and {@code ipLength} are the inner packet's, while the
 * wire length and the VLAN stay the outer frame's. A UDP packet on a tunnel port whose payload does not look like
 * that tunnel stays an ordinary UDP packet. With tunnel decoding off the outer packet is the flow.
 */
public final class PacketDecoder {
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

    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86dd;

    private final boolean decodeTunnels;
    private final boolean vlanInKey;
    private final boolean icmpTypeInKey;
    private final FragmentCache fragments;
    private final FlowHash hash;

    // per-packet state, reset by decode()
    /** Tunnels entered so far in this packet. */
    private int depth;
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

    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey) {
        this(decodeTunnels, vlanInKey, false);
    }

    /** @param icmpTypeInKey ICMP type and reply type (or code) as the ports: see {@link #icmpPorts} */
    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey) {
        this(decodeTunnels, vlanInKey, icmpTypeInKey, FRAGMENT_CACHE_SETS);
    }

    PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets) {
        this(decodeTunnels, vlanInKey, icmpTypeInKey, fragmentCacheSets, FlowHash.PROCESS);
    }

    /** @param hash the seeded hash of flow keys and fragment keys (tests fix its seed) */
    PacketDecoder(boolean decodeTunnels, boolean vlanInKey, boolean icmpTypeInKey, int fragmentCacheSets,
                  FlowHash hash) {
        this.decodeTunnels = decodeTunnels;
        this.vlanInKey = vlanInKey;
        this.icmpTypeInKey = icmpTypeInKey;
        this.hash = hash;
        this.fragments = new FragmentCache(fragmentCacheSets, hash);
    }

    public boolean decodeTunnels() {
        return decodeTunnels;
    }

    /**
     * Decodes one frame of {@code capLen} captured bytes at {@code off}. On a {@linkplain DecodeStatus#metered()
     * metered} status every key field of {@code out} and {@code out.flowHash} are set. {@code wireLength}, {@code capturedLength},
     * {@code timestampNanos} and {@code interfaceIndex} are the caller's and left alone. Never throws, whatever the
     * bytes (a range outside the array is {@link DecodeStatus#TRUNCATED_LINK}).
     */
    public DecodeStatus decode(byte[] b, int off, int capLen, int linkType, DecodedPacket out) {
        out.clear();
        if (off < 0 || capLen < 0 || off > b.length) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int end = capLen > b.length - off ? b.length : off + capLen;
        depth = 0;
        pendingFragment = false;
        fragmentEnd = -1;
        DecodeStatus s = linkType == LinkType.ETHERNET ? ethernet(b, off, end, out) : otherLink(b, off, end, linkType,
                out);
        if (s == DecodeStatus.OK || s == DecodeStatus.TOO_DEEP) {
            if (pendingFragment) {
                finishFirstFragment(out);
            }
            int v = vlanInKey ? out.vlan : 0;
            out.flowHash = hash.symmetric(out.srcHi, out.srcLo, out.dstHi, out.dstLo, out.srcPort,
                    out.dstPort, out.protocol, v);
        }
        return s;
    }

    private DecodeStatus otherLink(byte[] b, int p, int end, int linkType, DecodedPacket out) {
        switch (linkType) {
            case LinkType.RAW:
            case 12:
            case 14:
            case LinkType.IPV4:
            case LinkType.IPV6:
                return ip(b, p, end, out);
            case LinkType.LINUX_SLL:
                if (end - p < 16) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, p + 16, end, u16(b, p + 14), out);
            case LinkType.LINUX_SLL2:
                if (end - p < 20) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, p + 20, end, u16(b, p), out);
            case LinkType.NULL:
                return bsdNull(b, p, end, out);
            case LinkType.LOOP:
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return addressFamily(b, p + 4, end, u32(b, p), out);
            case LinkType.PPP:
                return ppp(b, p, end, out);
            case LinkType.PPP_HDLC:
                if (end - p >= 1 && ((b[p] & 0xff) == 0x0f || (b[p] & 0xff) == 0x8f)) {
                    return ciscoHdlc(b, p, end, out);
                }
                return ppp(b, p, end, out);
            case LinkType.C_HDLC:
                return ciscoHdlc(b, p, end, out);
            case LinkType.FRELAY:
                return frameRelay(b, p, end, out);
            case LinkType.NFLOG:
                return nflog(b, p, end, out);
            case LinkType.IEEE802_11:
                return ieee80211(b, p, end, out);
            case LinkType.IEEE802_11_RADIOTAP:
                return radiotap(b, p, end, out);
            default:
                return DecodeStatus.UNSUPPORTED_LINK_TYPE;
        }
    }

    // ---------------------------------------------------------------- link layer

    private DecodeStatus ethernet(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 14) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int type = u16(b, p + 12);
        if (type == 0x8903) {
            // Cisco FabricPath: outer MACs, ethertype and a 2-byte FTag/TTL, then the original Ethernet frame
            p += 16;
            if (end - p < 14) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            type = u16(b, p + 12);
        }
        return etherType(b, p + 14, end, type, out);
    }

    /** Dispatches on an ethertype; {@code p} is the first byte after it. */
    private DecodeStatus etherType(byte[] b, int p, int end, int type, DecodedPacket out) {
        if (type == ETH_IPV4) {
            return ip4(b, p, end, out);
        }
        if (type == ETH_IPV6) {
            return ip6(b, p, end, out);
        }
        return etherTypeOther(b, p, end, type, out);
    }

    private DecodeStatus etherTypeOther(byte[] b, int p, int end, int type, DecodedPacket out) {
        int tags = 0;
        while (type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200) {
            if (++tags > MAX_VLAN_TAGS) {
                return DecodeStatus.BAD_LINK;
            }
            if (end - p < 4) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            if (out.vlan == 0 && depth == 0) {
                out.vlan = u16(b, p) & 0xfff;
            }
            type = u16(b, p + 2);
            p += 4;
        }
        switch (type) {
            case ETH_IPV4:
                return ip4(b, p, end, out);
            case ETH_IPV6:
                return ip6(b, p, end, out);
            case 0x8847:
            case 0x8848:
                return mpls(b, p, end, out);
            case 0x8864:
                // PPPoE session: version/type, code, session id, length, then the PPP protocol
                if (end - p < 8) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return pppProtocol(b, p + 8, end, u16(b, p + 6), out);
            default:
                if (type <= 1500) {
                    return llc(b, p, end, out);
                }
                return DecodeStatus.NON_IP;
        }
    }

    /** 802.2 LLC after an 802.3 length field: only SNAP carries IP. */
    private DecodeStatus llc(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 3) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p] & 0xff) != 0xaa || (b[p + 1] & 0xff) != 0xaa || (b[p + 2] & 0xff) != 0x03) {
            return DecodeStatus.NON_IP;
        }
        if (end - p < 8) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int type = u16(b, p + 6);
        if (type <= 1535) {
            return DecodeStatus.NON_IP;
        }
        return etherType(b, p + 8, end, type, out);
    }

    private DecodeStatus mpls(byte[] b, int p, int end, DecodedPacket out) {
        for (int labels = 0; ; labels++) {
            if (labels == MAX_MPLS_LABELS) {
                return DecodeStatus.BAD_LINK;
            }
            if (end - p < 4) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            boolean bottom = (b[p + 2] & 1) != 0;
            p += 4;
            if (bottom) {
                break;
            }
        }
        if (end - p < 1) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int version = (b[p] & 0xff) >>> 4;
        if (version == 4) {
            return ip4(b, p, end, out);
        }
        if (version == 6) {
            return ip6(b, p, end, out);
        }
        return DecodeStatus.NON_IP;
    }

    /** PPP with or without the HDLC address/control bytes, with or without protocol field compression. */
    private DecodeStatus ppp(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 2) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p] & 0xff) == 0xff && (b[p + 1] & 0xff) == 0x03) {
            p += 2;
        }
        if (end - p < 1) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p] & 1) != 0) {
            return pppProtocol(b, p + 1, end, b[p] & 0xff, out);
        }
        if (end - p < 2) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        return pppProtocol(b, p + 2, end, u16(b, p), out);
    }

    private DecodeStatus pppProtocol(byte[] b, int p, int end, int protocol, DecodedPacket out) {
        switch (protocol) {
            case 0x0021:
                return ip4(b, p, end, out);
            case 0x0057:
                return ip6(b, p, end, out);
            case 0x0281:
            case 0x0283:
                return mpls(b, p, end, out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    private DecodeStatus ciscoHdlc(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        return etherType(b, p + 4, end, u16(b, p + 2), out);
    }

    private DecodeStatus bsdNull(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        // host byte order of the capturing machine: accept the value in either order
        int big = u32(b, p);
        int family = (big & 0xffff) == 0 ? Integer.reverseBytes(big) : big;
        return addressFamily(b, p + 4, end, family, out);
    }

    private DecodeStatus addressFamily(byte[] b, int p, int end, int family, DecodedPacket out) {
        switch (family) {
            case 2:
                return ip4(b, p, end, out);
            case 10: // Linux
            case 24: // NetBSD, OpenBSD, BSD/OS
            case 28: // FreeBSD, DragonFly
            case 30: // macOS
                return ip6(b, p, end, out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    /** Frame Relay: Q.922 address, then RFC 2427 (UI + NLPID) or Cisco encapsulation (an ethertype). */
    private DecodeStatus frameRelay(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p + 2] & 0xff) != 0x03) {
            return etherType(b, p + 4, end, u16(b, p + 2), out);
        }
        int q = p + 3;
        if ((b[q] & 0xff) == 0 && end - q >= 2) {
            q++; // padding before the NLPID
        }
        switch (b[q] & 0xff) {
            case 0xcc:
                return ip4(b, q + 1, end, out);
            case 0x8e:
                return ip6(b, q + 1, end, out);
            case 0x80:
                // SNAP: OUI then ethertype
                if (end - q < 6) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, q + 6, end, u16(b, q + 4), out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    /** Linux NFLOG: a 4-byte header then little-endian TLVs padded to 4 bytes; type 9 holds the IP packet. */
    private DecodeStatus nflog(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int q = p + 4;
        while (q < end) {
            if (end - q < 4) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            int len = (b[q] & 0xff) | (b[q + 1] & 0xff) << 8;
            int type = ((b[q + 2] & 0xff) | (b[q + 3] & 0xff) << 8) & 0x7fff;
            if (len < 4) {
                return DecodeStatus.BAD_LINK;
            }
            if (type == 9) {
                int tlvEnd = q + len;
                return ip(b, q + 4, tlvEnd < end ? tlvEnd : end, out);
            }
            q += (len + 3) & ~3;
        }
        return DecodeStatus.NON_IP;
    }

    private DecodeStatus radiotap(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 8) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int len = (b[p + 2] & 0xff) | (b[p + 3] & 0xff) << 8;
        if (b[p] != 0 || len < 8) {
            return DecodeStatus.BAD_LINK;
        }
        return ieee80211(b, p + len, end, out);
    }

    /** 802.11 data frames whose body is LLC/SNAP; management, control, null and protected frames are not IP. */
    private DecodeStatus ieee80211(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 24) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int fc0 = b[p] & 0xff;
        int fc1 = b[p + 1] & 0xff;
        int subtype = fc0 >>> 4;
        if ((fc0 & 0x0c) != 0x08 || (subtype & 0x4) != 0 || (fc1 & 0x40) != 0) {
            return DecodeStatus.NON_IP;
        }
        int header = 24;
        if ((fc1 & 0x03) == 0x03) {
            header += 6; // fourth address
        }
        if ((subtype & 0x8) != 0) {
            if (end - p < header + 2) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            if ((b[p + header] & 0x80) != 0) {
                return DecodeStatus.NON_IP; // A-MSDU
            }
            header += 2; // QoS control
            if ((fc1 & 0x80) != 0) {
                header += 4; // HT control
            }
        }
        return llc(b, p + header, end, out);
    }

    // ---------------------------------------------------------------- network layer

    /** IP with the version taken from the first nibble. */
    private DecodeStatus ip(byte[] b, int p, int end, DecodedPacket out) {
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

    private DecodeStatus ip4(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 20) {
            return DecodeStatus.TRUNCATED_IP;
        }
        int vihl = b[p] & 0xff;
        int ihl = (vihl & 0x0f) << 2;
        if ((vihl >>> 4) != 4 || ihl < 20) {
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
            if ((frag & 0x1fff) != 0) {
                return laterFragment(4, 0, out.srcLo, 0, out.dstLo, u16(b, p + 4), protocol, total - ihl, out);
            }
            firstFragment(4, 0, out.srcLo, 0, out.dstLo, u16(b, p + 4), protocol, ipEnd);
        }
        return transport(b, p + ihl, end, protocol, total - ihl, out);
    }

    private DecodeStatus ip6(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 40) {
            return DecodeStatus.TRUNCATED_IP;
        }
        if (((b[p] & 0xff) >>> 4) != 6) {
            return DecodeStatus.BAD_IP_HEADER;
        }
        int payload = u16(b, p + 4);
        int next = b[p + 6] & 0xff;
        // 0 with a hop-by-hop header: a jumbogram (or segmentation offload): the captured bytes are the packet
        int total = payload == 0 && next == 0 ? end - p : payload + 40;
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
        return transport(b, p + 40, end, next, total - 40, out);
    }

    private static boolean isIpv6Extension(int next) {
        return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135 || next == 139
                || next == 140;
    }

    /** Walks the extension header chain after the fixed IPv6 header at {@code p}. */
    private DecodeStatus ip6Extensions(byte[] b, int p, int end, int next, DecodedPacket out) {
        int q = p + 40;
        int total = out.ipLength;
        for (int n = 0; isIpv6Extension(next); n++) {
            if (n == MAX_IPV6_EXTENSIONS) {
                // not followed further: the packet is metered with what is known, the header it stops at as protocol
                out.protocol = next;
                out.payloadLength = Math.max(0, total - (q - p));
                return DecodeStatus.TOO_DEEP;
            }
            if (end - q < 8) {
                return DecodeStatus.BAD_IPV6_EXTENSION;
            }
            int len;
            if (next == 44) {
                int offsetFlags = u16(b, q + 2);
                int id = u32(b, q + 4);
                int inner = b[q] & 0xff;
                if ((offsetFlags & 0xfff8) != 0) {
                    out.protocol = inner;
                    return laterFragment(6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, id, inner,
                            total - (q + 8 - p), out);
                }
                if ((offsetFlags & 1) != 0) {
                    firstFragment(6, out.srcHi, out.srcLo, out.dstHi, out.dstLo, id, inner, p + total);
                }
                len = 8;
            } else if (next == 51) {
                len = ((b[q + 1] & 0xff) + 2) << 2;
            } else {
                len = ((b[q + 1] & 0xff) + 1) << 3;
            }
            next = b[q] & 0xff;
            q += len;
        }
        if (q > end) {
            return DecodeStatus.BAD_IPV6_EXTENSION;
        }
        out.protocol = next;
        return transport(b, q, end, next, total - (q - p), out);
    }

    // ---------------------------------------------------------------- fragments

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
        pendDepth = depth;
        fragmentEnd = ipEnd;
    }

    private void finishFirstFragment(DecodedPacket out) {
        boolean tunnelled = depth > pendDepth;
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

    // ---------------------------------------------------------------- transport layer

    private DecodeStatus transport(byte[] b, int p, int end, int protocol, int ipPayload, DecodedPacket out) {
        switch (protocol) {
            case 6: {
                if (end - p < 14) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                int dataOffset = (b[p + 12] & 0xf0) >>> 2;
                if (dataOffset < 20) {
                    return DecodeStatus.BAD_TCP_HEADER;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                out.tcpFlags = b[p + 13] & 0xff;
                out.payloadLength = Math.max(0, ipPayload - dataOffset);
                return DecodeStatus.OK;
            }
            case 17: {
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                int sp = u16(b, p);
                int dp = u16(b, p + 2);
                out.srcPort = sp;
                out.dstPort = dp;
                out.payloadLength = Math.max(0, ipPayload - 8);
                if (decodeTunnels) {
                    return udpTunnel(b, p, end, sp, dp, out);
                }
                return DecodeStatus.OK;
            }
            case 132:
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                out.payloadLength = Math.max(0, ipPayload - 12);
                return DecodeStatus.OK;
            case 1:
            case 58:
                if (end - p >= 2) {
                    out.icmpType = b[p] & 0xff;
                    out.icmpCode = b[p + 1] & 0xff;
                    if (icmpTypeInKey) {
                        icmpPorts(protocol, out);
                    }
                }
                out.payloadLength = Math.max(0, ipPayload - 8);
                return DecodeStatus.OK;
            case 4:
            case 41:
                out.payloadLength = Math.max(0, ipPayload);
                if (decodeTunnels) {
                    if (!enterTunnel(out)) {
                        return DecodeStatus.TOO_DEEP;
                    }
                    return protocol == 4 ? ip4(b, p, end, out) : ip6(b, p, end, out);
                }
                return DecodeStatus.OK;
            case 47:
                out.payloadLength = Math.max(0, ipPayload);
                if (decodeTunnels) {
                    return gre(b, p, end, out);
                }
                return DecodeStatus.OK;
            default:
                out.payloadLength = Math.max(0, ipPayload);
                return DecodeStatus.OK;
        }
    }

    /**
     * ICMP keyed as Zeek keys it: the source port is the type, the destination port the type of the matching reply
     * or request, so that both directions of an exchange make one flow (echo request 8 and reply 0 give ports 8 and
     * 0 one way and 0 and 8 the other); a message that has no counterpart (an error, a redirect) gets its code.
     */
    static void icmpPorts(int protocol, DecodedPacket out) {
        int type = out.icmpType;
        int other = protocol == 1 ? icmp4Counterpart(type) : icmp6Counterpart(type);
        out.srcPort = type;
        out.dstPort = other >= 0 ? other : out.icmpCode;
    }

    /** The request or reply type that pairs with an ICMPv4 type, or -1 (RFC 792, 950, 1256). */
    static int icmp4Counterpart(int type) {
        switch (type) {
            case 8: return 0;    // echo
            case 0: return 8;
            case 13: return 14;  // timestamp
            case 14: return 13;
            case 15: return 16;  // information
            case 16: return 15;
            case 10: return 9;   // router solicitation / advertisement
            case 9: return 10;
            case 17: return 18;  // address mask
            case 18: return 17;
            default: return -1;
        }
    }

    /** The request or reply type that pairs with an ICMPv6 type, or -1 (RFC 4443, 4861, 2710, 4620, 6275). */
    static int icmp6Counterpart(int type) {
        switch (type) {
            case 128: return 129; // echo
            case 129: return 128;
            case 133: return 134; // router solicitation / advertisement
            case 134: return 133;
            case 135: return 136; // neighbour solicitation / advertisement
            case 136: return 135;
            case 130: return 131; // multicast listener query / report
            case 131: return 130;
            case 139: return 140; // node information query / reply
            case 140: return 139;
            case 144: return 145; // home agent address discovery request / reply
            case 145: return 144;
            default: return -1;
        }
    }

    // ---------------------------------------------------------------- tunnels

    /**
     * Counts one more tunnel level and clears the outer key; false when that is one level too many, the outer key
     * left as it is so that the packet is metered as the outer flow.
     */
    private boolean enterTunnel(DecodedPacket out) {
        if (depth == MAX_TUNNEL_DEPTH) {
            return false;
        }
        depth++;
        out.ipVersion = 0;
        out.srcHi = out.srcLo = out.dstHi = out.dstLo = 0;
        out.srcPort = out.dstPort = out.protocol = 0;
        out.tcpFlags = out.payloadLength = 0;
        out.icmpType = out.icmpCode = -1;
        return true;
    }

    /**
     * Result when a tunnel header at {@code q} needs {@code need} bytes: the captured bytes end before the
     * datagram does (snap length) is a cut tunnel; a datagram really that short is not this tunnel.
     */
    private static DecodeStatus shortTunnel(int q, int need, int end, int declaredEnd) {
        return declaredEnd > end && end - q < need ? DecodeStatus.BAD_TUNNEL : DecodeStatus.OK;
    }

    private DecodeStatus udpTunnel(byte[] b, int p, int end, int sp, int dp, DecodedPacket out) {
        if (end - p < 8) {
            return DecodeStatus.OK; // nothing of the payload captured: the outer packet is all there is
        }
        int udpLength = u16(b, p + 4);
        int declaredEnd = udpLength >= 8 ? p + udpLength : end;
        int uend = declaredEnd < end ? declaredEnd : end;
        int q = p + 8;
        if (dp == 4789 || sp == 4789) {
            return vxlan(b, q, end, uend, declaredEnd, out);
        }
        if (dp == 2152 || sp == 2152) {
            return gtpU(b, q, end, uend, declaredEnd, out);
        }
        if (dp == 3544 || sp == 3544) {
            return teredo(b, q, end, uend, declaredEnd, false, out);
        }
        // Teredo relays talk to clients from any port (Zeek detects it on every UDP packet): accept it there only
        // with a Teredo address (2001:0::/32) on one side, so that no ordinary UDP payload is mistaken for it
        if (uend - q >= 40 && ((b[q] & 0xf0) == 0x60 || (b[q] == 0 && (b[q + 1] == 0 || b[q + 1] == 1)))) {
            return teredo(b, q, end, uend, declaredEnd, true, out);
        }
        return DecodeStatus.OK;
    }

    private DecodeStatus vxlan(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < 8 + 14) {
            return shortTunnel(q, 8 + 14, end, declaredEnd);
        }
        if ((b[q] & 0x08) == 0) {
            return DecodeStatus.OK; // no valid VNI: not VXLAN
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return ethernet(b, q + 8, uend, out);
    }

    /** GTP-U G-PDU (version 1, protocol type GTP) carrying IPv4 or IPv6; other messages stay outer UDP. */
    private DecodeStatus gtpU(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < 8) {
            return shortTunnel(q, 8, end, declaredEnd);
        }
        int flags = b[q] & 0xff;
        if ((flags & 0xf0) != 0x30 || (b[q + 1] & 0xff) != 0xff) {
            return DecodeStatus.OK;
        }
        int gtpEnd = q + 8 + u16(b, q + 2);
        int h = q + 8;
        if ((flags & 0x07) != 0) {
            if (uend - h < 4) {
                return DecodeStatus.BAD_TUNNEL;
            }
            int nextExt = b[h + 3] & 0xff;
            h += 4;
            for (int n = 0; nextExt != 0; n++) {
                if (n == MAX_GTP_EXTENSIONS || uend - h < 4) {
                    return DecodeStatus.BAD_TUNNEL;
                }
                int len = (b[h] & 0xff) << 2;
                if (len == 0 || uend - h < len) {
                    return DecodeStatus.BAD_TUNNEL;
                }
                nextExt = b[h + len - 1] & 0xff;
                h += len;
            }
        }
        int innerEnd = gtpEnd < uend ? gtpEnd : uend;
        if (innerEnd - h < 1) {
            return h < gtpEnd ? DecodeStatus.BAD_TUNNEL : DecodeStatus.OK;
        }
        int version = (b[h] & 0xff) >>> 4;
        if (version != 4 && version != 6) {
            return DecodeStatus.OK;
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return version == 4 ? ip4(b, h, innerEnd, out) : ip6(b, h, innerEnd, out);
    }

    /**
     * Teredo: optional authentication and origin indications, then an IPv6 packet that must fill the UDP payload
     * exactly (as Zeek checks); anything else stays outer UDP.
     */
    private DecodeStatus teredo(byte[] b, int q, int end, int uend, int declaredEnd, boolean anyPort,
                                DecodedPacket out) {
        if (uend - q >= 4 && (b[q] & 0xff) == 0 && (b[q + 1] & 0xff) == 1) {
            q += 4 + (b[q + 2] & 0xff) + (b[q + 3] & 0xff) + 9; // ids, nonce, confirmation
        }
        if (uend - q >= 2 && (b[q] & 0xff) == 0 && (b[q + 1] & 0xff) == 0) {
            q += 8;
        }
        if (uend - q < 40) {
            return anyPort ? DecodeStatus.OK : shortTunnel(q, 40, end, declaredEnd);
        }
        if (((b[q] & 0xff) >>> 4) != 6 || q + 40 + u16(b, q + 4) != declaredEnd) {
            return DecodeStatus.OK;
        }
        if (anyPort && u32(b, q + 8) != 0x20010000 && u32(b, q + 24) != 0x20010000) {
            return DecodeStatus.OK;
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return ip6(b, q, uend, out);
    }

    private DecodeStatus gre(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.BAD_TUNNEL;
        }
        int flags = u16(b, p);
        int proto = u16(b, p + 2);
        int version = flags & 0x7;
        int header;
        if (version == 0) {
            if ((flags & 0x4000) != 0) {
                return DecodeStatus.OK; // source routing (RFC 1701): not followed, the outer packet is the flow
            }
            header = 4 + ((flags & 0x8000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0)
                    + ((flags & 0x1000) != 0 ? 4 : 0);
        } else if (version == 1 && proto == 0x880b) {
            // enhanced GRE (PPTP): key always present, sequence and acknowledgment optional
            header = 8 + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x0080) != 0 ? 4 : 0);
        } else {
            return DecodeStatus.OK;
        }
        if (end - p < header) {
            return DecodeStatus.BAD_TUNNEL;
        }
        int q = p + header;
        switch (proto) {
            case ETH_IPV4:
            case ETH_IPV6:
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return proto == ETH_IPV4 ? ip4(b, q, end, out) : ip6(b, q, end, out);
            case 0x6558: // transparent Ethernet bridging
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return ethernet(b, q, end, out);
            case 0x88be: // ERSPAN type II (with a sequence number) or type I (without, no ERSPAN header)
                if ((flags & 0x1000) != 0) {
                    if (end - q < 8) {
                        return DecodeStatus.BAD_TUNNEL;
                    }
                    q += 8;
                }
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return ethernet(b, q, end, out);
            case 0x22eb: // ERSPAN type III, optional 8-byte platform sub-header
                if (end - q < 12) {
                    return DecodeStatus.BAD_TUNNEL;
                }
                q += (b[q + 11] & 1) != 0 ? 20 : 12;
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return ethernet(b, q, end, out);
            case 0x8847:
            case 0x8848:
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return mpls(b, q, end, out);
            case 0x880b: {
                // PPP inside enhanced GRE: only IP is a conversation; control traffic stays the outer flow
                if (end - q < 2) {
                    return DecodeStatus.OK;
                }
                int r = q;
                if ((b[r] & 0xff) == 0xff && (b[r + 1] & 0xff) == 0x03) {
                    r += 2;
                }
                if (end - r < 2) {
                    return DecodeStatus.OK;
                }
                int pp;
                if ((b[r] & 1) != 0) {
                    pp = b[r] & 0xff;
                    r += 1;
                } else {
                    pp = u16(b, r);
                    r += 2;
                }
                if (pp != 0x0021 && pp != 0x0057) {
                    return DecodeStatus.OK;
                }
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return pp == 0x0021 ? ip4(b, r, end, out) : ip6(b, r, end, out);
            }
            default:
                return DecodeStatus.OK;
        }
    }

    // ---------------------------------------------------------------- reads (callers check bounds)

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static int u32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    static long u64(byte[] b, int p) {
        return ((long) u32(b, p) << 32) | (u32(b, p + 4) & 0xffffffffL);
    }
}
