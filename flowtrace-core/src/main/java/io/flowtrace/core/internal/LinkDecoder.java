package io.flowtrace.core.internal;

import io.flowtrace.core.spi.LinkType;

import static io.flowtrace.core.internal.Bytes.u16;
import static io.flowtrace.core.internal.Bytes.u32;

/**
 * The link layer: finds the IP packet in a frame of one of the {@link LinkType}s and hands it to {@link IpDecoder}.
 * Ethernet (802.1Q/802.1ad/QinQ tags, MPLS, PPPoE session, Cisco FabricPath, LLC/SNAP), Linux cooked capture v1 and
 * v2, raw IP, BSD NULL and LOOP, PPP, PPP in HDLC and Cisco HDLC (each link type either framing), Frame Relay, NFLOG,
 * 802.11 and radiotap data frames, and PPI around any of them.
 * The first VLAN tag of the outer frame is kept as {@code vlan}. One per {@link PacketDecoder}.
 */
final class LinkDecoder {
    static final int ETHERNET_HEADER = 14;
    /** FabricPath's outer MACs, ethertype and FTag/TTL before the original Ethernet frame. */
    private static final int FABRICPATH_HEADER = 16;
    private static final int SLL_HEADER = 16;
    private static final int SLL2_HEADER = 20;
    private static final int VLAN_TAG = 4;
    private static final int MPLS_LABEL = 4;
    /** PPPoE version/type, code, session id and length, then the PPP protocol. */
    private static final int PPPOE_HEADER = 6;
    private static final int IEEE802_11_HEADER = 24;

    // PPP protocol numbers (RFC 1661 and the IANA list); also what enhanced GRE carries
    static final int PPP_IPV4 = 0x0021;
    static final int PPP_IPV6 = 0x0057;
    private static final int PPP_MPLS_UNICAST = 0x0281;
    private static final int PPP_MPLS_MULTICAST = 0x0283;
    /** HDLC all-stations address, before PPP's protocol field unless compressed away. */
    static final int ALL_STATIONS = 0xff;
    /** Cisco HDLC's unicast and multicast address bytes. */
    private static final int CISCO_UNICAST = 0x0f;
    private static final int CISCO_MULTICAST = 0x8f;
    /** PPI's version, flags, header length and link type (all little-endian), before its fields. */
    private static final int PPI_HEADER = 8;
    /** HDLC and LLC unnumbered-information control byte. */
    static final int UI_CONTROL = 0x03;

    // BSD address families of the NULL and LOOP headers; IPv6's value depends on the capturing system
    private static final int AF_INET = 2;
    private static final int AF_INET6_LINUX = 10;
    private static final int AF_INET6_BSD = 24; // NetBSD, OpenBSD, BSD/OS
    private static final int AF_INET6_FREEBSD = 28; // FreeBSD, DragonFly
    private static final int AF_INET6_DARWIN = 30; // macOS

    // Frame Relay network-layer protocol ids after the UI control byte (RFC 2427)
    private static final int NLPID_IPV4 = 0xcc;
    private static final int NLPID_IPV6 = 0x8e;
    private static final int NLPID_SNAP = 0x80;

    /** NFLOG TLV that holds the packet (NFULA_PAYLOAD). */
    private static final int NFLOG_PAYLOAD = 9;

    private final IpDecoder ip;
    /** Read for the tunnel depth: only the outer frame's VLAN tag goes in the key. */
    private final TunnelDecoder tunnels;

    LinkDecoder(IpDecoder ip, TunnelDecoder tunnels) {
        this.ip = ip;
        this.tunnels = tunnels;
    }

    /** Every link type but Ethernet, which the caller dispatches first as the common case. */
    DecodeStatus other(byte[] b, int p, int end, int linkType, DecodedPacket out) {
        switch (linkType) {
            case LinkType.RAW:
            case LinkType.DLT_RAW:
            case LinkType.DLT_RAW_OPENBSD:
            case LinkType.IPV4:
            case LinkType.IPV6:
                return ip.ip(b, p, end, out);
            case LinkType.LINUX_SLL:
                if (end - p < SLL_HEADER) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, p + SLL_HEADER, end, u16(b, p + 14), out);
            case LinkType.LINUX_SLL2:
                if (end - p < SLL2_HEADER) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, p + SLL2_HEADER, end, u16(b, p), out);
            case LinkType.NULL:
                return bsdNull(b, p, end, out);
            case LinkType.LOOP:
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return addressFamily(b, p + 4, end, u32(b, p), out);
            case LinkType.PPP:
            case LinkType.PPP_HDLC:
            case LinkType.C_HDLC:
                // routers label Cisco HDLC as PPP and PPP as Cisco HDLC: the address byte tells them apart (PPP's
                // protocol field cannot start with 0x0f or 0x8f, its high byte being even)
                if (end - p >= 1 && ((b[p] & 0xff) == CISCO_UNICAST || (b[p] & 0xff) == CISCO_MULTICAST)) {
                    return ciscoHdlc(b, p, end, out);
                }
                return ppp(b, p, end, out);
            case LinkType.PPI:
                return ppi(b, p, end, out);
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

    DecodeStatus ethernet(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < ETHERNET_HEADER) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int type = u16(b, p + 12);
        if (type == EtherType.FABRICPATH) {
            p += FABRICPATH_HEADER;
            if (end - p < ETHERNET_HEADER) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            type = u16(b, p + 12);
        }
        return etherType(b, p + ETHERNET_HEADER, end, type, out);
    }

    /** Dispatches on an ethertype; {@code p} is the first byte after it. IP first, as nearly every frame is. */
    DecodeStatus etherType(byte[] b, int p, int end, int type, DecodedPacket out) {
        if (type == EtherType.IPV4) {
            return ip.ip4(b, p, end, out);
        }
        if (type == EtherType.IPV6) {
            return ip.ip6(b, p, end, out);
        }
        return etherTypeOther(b, p, end, type, out);
    }

    private DecodeStatus etherTypeOther(byte[] b, int p, int end, int type, DecodedPacket out) {
        int tags = 0;
        while (type == EtherType.VLAN || type == EtherType.QINQ || type == EtherType.QINQ_9100
                || type == EtherType.QINQ_9200) {
            if (++tags > PacketDecoder.MAX_VLAN_TAGS) {
                return DecodeStatus.BAD_LINK;
            }
            if (end - p < VLAN_TAG) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            if (out.vlan == 0 && tunnels.depth() == 0) {
                out.vlan = u16(b, p) & 0xfff;
            }
            type = u16(b, p + 2);
            p += VLAN_TAG;
        }
        switch (type) {
            case EtherType.IPV4:
                return ip.ip4(b, p, end, out);
            case EtherType.IPV6:
                return ip.ip6(b, p, end, out);
            case EtherType.MPLS_UNICAST:
            case EtherType.MPLS_MULTICAST:
                return mpls(b, p, end, out);
            case EtherType.PPPOE_SESSION:
                if (end - p < PPPOE_HEADER + 2) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return pppProtocol(b, p + PPPOE_HEADER + 2, end, u16(b, p + PPPOE_HEADER), out);
            default:
                if (type <= EtherType.MAX_LENGTH) {
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
        if ((b[p] & 0xff) != 0xaa || (b[p + 1] & 0xff) != 0xaa || (b[p + 2] & 0xff) != UI_CONTROL) {
            return DecodeStatus.NON_IP; // not SNAP (DSAP and SSAP 0xaa)
        }
        if (end - p < 8) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int type = u16(b, p + 6);
        if (type < EtherType.MIN_TYPE) {
            return DecodeStatus.NON_IP;
        }
        return etherType(b, p + 8, end, type, out);
    }

    DecodeStatus mpls(byte[] b, int p, int end, DecodedPacket out) {
        for (int labels = 0; ; labels++) {
            if (labels == PacketDecoder.MAX_MPLS_LABELS) {
                return DecodeStatus.BAD_LINK;
            }
            if (end - p < MPLS_LABEL) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            boolean bottom = (b[p + 2] & 1) != 0;
            p += MPLS_LABEL;
            if (bottom) {
                break;
            }
        }
        if (end - p < 1) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int version = (b[p] & 0xff) >>> 4;
        if (version == 4) {
            return ip.ip4(b, p, end, out);
        }
        if (version == 6) {
            return ip.ip6(b, p, end, out);
        }
        return DecodeStatus.NON_IP;
    }

    /** PPP with or without the HDLC address/control bytes, with or without protocol field compression. */
    DecodeStatus ppp(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 2) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p] & 0xff) == ALL_STATIONS && (b[p + 1] & 0xff) == UI_CONTROL) {
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
            case PPP_IPV4:
                return ip.ip4(b, p, end, out);
            case PPP_IPV6:
                return ip.ip6(b, p, end, out);
            case PPP_MPLS_UNICAST:
            case PPP_MPLS_MULTICAST:
                return mpls(b, p, end, out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    /** Cisco HDLC: address, control, then an ethertype. */
    private DecodeStatus ciscoHdlc(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        return etherType(b, p + 4, end, u16(b, p + 2), out);
    }

    /**
     * PPI (per-packet information): a header whose length covers its fields, then a frame of the link type it names
     * (802.11 or Ethernet as a rule). A PPI header inside PPI is bad.
     */
    private DecodeStatus ppi(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < PPI_HEADER) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int len = (b[p + 2] & 0xff) | (b[p + 3] & 0xff) << 8;
        int dlt = (b[p + 4] & 0xff) | (b[p + 5] & 0xff) << 8 | (b[p + 6] & 0xff) << 16 | (b[p + 7] & 0xff) << 24;
        if (b[p] != 0 || len < PPI_HEADER || dlt == LinkType.PPI) {
            return DecodeStatus.BAD_LINK;
        }
        if (end - p < len) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        return dlt == LinkType.ETHERNET ? ethernet(b, p + len, end, out) : other(b, p + len, end, dlt, out);
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
            case AF_INET:
                return ip.ip4(b, p, end, out);
            case AF_INET6_LINUX:
            case AF_INET6_BSD:
            case AF_INET6_FREEBSD:
            case AF_INET6_DARWIN:
                return ip.ip6(b, p, end, out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    /** Frame Relay: Q.922 address, then RFC 2427 (UI + NLPID) or Cisco encapsulation (an ethertype). */
    private DecodeStatus frameRelay(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        if ((b[p + 2] & 0xff) != UI_CONTROL) {
            return etherType(b, p + 4, end, u16(b, p + 2), out);
        }
        int q = p + 3;
        if ((b[q] & 0xff) == 0 && end - q >= 2) {
            q++; // padding before the NLPID
        }
        switch (b[q] & 0xff) {
            case NLPID_IPV4:
                return ip.ip4(b, q + 1, end, out);
            case NLPID_IPV6:
                return ip.ip6(b, q + 1, end, out);
            case NLPID_SNAP:
                // OUI then ethertype
                if (end - q < 6) {
                    return DecodeStatus.TRUNCATED_LINK;
                }
                return etherType(b, q + 6, end, u16(b, q + 4), out);
            default:
                return DecodeStatus.NON_IP;
        }
    }

    /** Linux NFLOG: a 4-byte header then little-endian TLVs padded to 4 bytes; one of them holds the IP packet. */
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
            if (type == NFLOG_PAYLOAD) {
                int tlvEnd = q + len;
                return ip.ip(b, q + 4, tlvEnd < end ? tlvEnd : end, out);
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
    DecodeStatus ieee80211(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < IEEE802_11_HEADER) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        return ieee80211(b, p, end, b[p] & 0xff, b[p + 1] & 0xff, out);
    }

    /**
     * 802.11 as CAPWAP access points send it: some (Cisco's) swap the two frame control bytes, which Wireshark undoes
     * by default there. Read in the standard order when that is a data frame, else swapped when that one is.
     */
    DecodeStatus ieee80211MaybeSwapped(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < IEEE802_11_HEADER) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int fc0 = b[p] & 0xff;
        int fc1 = b[p + 1] & 0xff;
        if ((fc0 & 0x0c) != 0x08 && (fc1 & 0x0f) == 0x08) {
            return ieee80211(b, p, end, fc1, fc0, out);
        }
        return ieee80211(b, p, end, fc0, fc1, out);
    }

    /** {@code fc0} and {@code fc1}: the frame control bytes, type and subtype first. */
    private DecodeStatus ieee80211(byte[] b, int p, int end, int fc0, int fc1, DecodedPacket out) {
        int subtype = fc0 >>> 4;
        if ((fc0 & 0x0c) != 0x08 || (subtype & 0x4) != 0 || (fc1 & 0x40) != 0) {
            return DecodeStatus.NON_IP;
        }
        int header = IEEE802_11_HEADER;
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
}
