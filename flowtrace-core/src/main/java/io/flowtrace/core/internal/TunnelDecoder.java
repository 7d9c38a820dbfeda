package io.flowtrace.core.internal;

import io.flowtrace.core.Tunnel;

import static io.flowtrace.core.internal.Bytes.u16;
import static io.flowtrace.core.internal.Bytes.u32;

/**
 * Tunnels, opened so that the innermost conversation becomes the flow: GRE (with ERSPAN I/II/III, transparent
 * Ethernet bridging, MPLS and PPTP's enhanced GRE), VXLAN, GTP-U, Teredo, IP-in-IP and IPv6-in-IPv4/IPv6, CAPWAP data
 * and TZSP; each only when its {@link Tunnel} is among those decoded. Entering a tunnel clears the outer key and hands
 * the inner frame back to {@link LinkDecoder} or {@link IpDecoder}, at most {@link PacketDecoder#MAX_TUNNEL_DEPTH}
 * deep. A UDP packet on a tunnel port whose payload does not look like that tunnel stays an ordinary UDP packet. One
 * per {@link PacketDecoder}; it keeps the packet's tunnel depth.
 */
final class TunnelDecoder {
    // well-known UDP ports
    static final int VXLAN_PORT = 4789;
    static final int GTP_U_PORT = 2152;
    static final int TEREDO_PORT = 3544;
    /** CAPWAP's data channel (RFC 5415); its control channel, 5246, carries no user frames. */
    static final int CAPWAP_DATA_PORT = 5247;
    /** TZSP's customary port (0x9090; not IANA-registered). */
    static final int TZSP_PORT = 37008;

    /** The tunnels reached through UDP, and through GRE. */
    static final int UDP_TUNNELS = Tunnel.VXLAN.bit() | Tunnel.GTP.bit() | Tunnel.TEREDO.bit()
            | Tunnel.CAPWAP.bit() | Tunnel.TZSP.bit();
    static final int GRE_TUNNELS = Tunnel.GRE.bit() | Tunnel.ERSPAN.bit();
    private static final int VXLAN = Tunnel.VXLAN.bit();
    private static final int GTP = Tunnel.GTP.bit();
    private static final int TEREDO = Tunnel.TEREDO.bit();
    private static final int CAPWAP = Tunnel.CAPWAP.bit();
    private static final int TZSP = Tunnel.TZSP.bit();
    private static final int GRE = Tunnel.GRE.bit();
    private static final int ERSPAN = Tunnel.ERSPAN.bit();

    private static final int VXLAN_HEADER = 8;
    private static final int GTP_HEADER = 8;
    /** Teredo's IPv6 prefix 2001:0::/32, as the first four bytes of an address. */
    private static final int TEREDO_PREFIX = 0x20010000;
    /** GTP-U message type of a G-PDU, the one that carries a user packet. */
    private static final int GTP_G_PDU = 0xff;

    // GRE flag bits (RFC 1701, 2637)
    private static final int GRE_CHECKSUM = 0x8000;
    private static final int GRE_ROUTING = 0x4000;
    private static final int GRE_KEY = 0x2000;
    private static final int GRE_SEQUENCE = 0x1000;
    private static final int GRE_ACK = 0x0080;

    // CAPWAP data header (RFC 5415 section 4.3): preamble, HLEN/RID/WBID/flags, fragment id and offset
    private static final int CAPWAP_HEADER = 8;
    private static final int CAPWAP_T = 0x100;
    private static final int CAPWAP_F = 0x80;
    private static final int CAPWAP_W = 0x20;
    private static final int CAPWAP_M = 0x10;
    private static final int CAPWAP_K = 0x08;
    /** Wireless binding id of IEEE 802.11, the one native frame format read. */
    private static final int CAPWAP_WBID_80211 = 1;

    // TZSP: version, type, encapsulated protocol, then tagged fields up to the END tag
    private static final int TZSP_HEADER = 4;
    private static final int TZSP_VERSION = 1;
    private static final int TZSP_RECEIVED = 0;
    private static final int TZSP_TRANSMIT = 1;
    private static final int TZSP_TAG_PADDING = 0;
    private static final int TZSP_TAG_END = 1;
    private static final int TZSP_ETHERNET = 1;
    private static final int TZSP_PPP = 4;
    private static final int TZSP_RAW_IP = 7;
    private static final int TZSP_IEEE802_11 = 18;

    /** The {@link Tunnel#bit()}s of the tunnels opened. */
    private final int bits;

    /** The layers a tunnel carries; set once by {@link #connect}, as they in turn reach tunnels. */
    private LinkDecoder link;
    private IpDecoder ip;

    /** Tunnels entered so far in this packet. */
    private int depth;

    /** @param bits the {@link Tunnel#bit()}s of the tunnels opened */
    TunnelDecoder(int bits) {
        this.bits = bits;
    }

    void connect(LinkDecoder link, IpDecoder ip) {
        this.link = link;
        this.ip = ip;
    }

    /** Before each packet. */
    void reset() {
        depth = 0;
    }

    int depth() {
        return depth;
    }

    /**
     * Counts one more tunnel level and clears the outer key; false when that is one level too many, the outer key
     * left as it is so that the packet is metered as the outer flow.
     */
    private boolean enterTunnel(DecodedPacket out) {
        if (depth == PacketDecoder.MAX_TUNNEL_DEPTH) {
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

    /** IPv4 or IPv6 directly inside IP (protocol 4 or 41). */
    DecodeStatus ipInIp(byte[] b, int p, int end, boolean v4, DecodedPacket out) {
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return v4 ? ip.ip4(b, p, end, out) : ip.ip6(b, p, end, out);
    }

    /** The UDP datagram at {@code p} (ports {@code sp}, {@code dp}) if it is a tunnel decoded. */
    DecodeStatus udp(byte[] b, int p, int end, int sp, int dp, DecodedPacket out) {
        if (end - p < TransportDecoder.UDP_HEADER) {
            return DecodeStatus.OK; // nothing of the payload captured: the outer packet is all there is
        }
        int udpLength = u16(b, p + 4);
        int declaredEnd = udpLength >= TransportDecoder.UDP_HEADER ? p + udpLength : end;
        int uend = declaredEnd < end ? declaredEnd : end;
        int q = p + TransportDecoder.UDP_HEADER;
        if ((bits & VXLAN) != 0 && (dp == VXLAN_PORT || sp == VXLAN_PORT)) {
            return vxlan(b, q, end, uend, declaredEnd, out);
        }
        if ((bits & GTP) != 0 && (dp == GTP_U_PORT || sp == GTP_U_PORT)) {
            return gtpU(b, q, end, uend, declaredEnd, out);
        }
        if ((bits & CAPWAP) != 0 && (dp == CAPWAP_DATA_PORT || sp == CAPWAP_DATA_PORT)) {
            return capwap(b, q, end, uend, declaredEnd, out);
        }
        if ((bits & TZSP) != 0 && (dp == TZSP_PORT || sp == TZSP_PORT)) {
            return tzsp(b, q, end, uend, declaredEnd, out);
        }
        if ((bits & TEREDO) == 0) {
            return DecodeStatus.OK;
        }
        if (dp == TEREDO_PORT || sp == TEREDO_PORT) {
            return teredo(b, q, end, uend, declaredEnd, false, out);
        }
        // Teredo relays talk to clients from any port (Zeek detects it on every UDP packet): accept it there only
        // with a Teredo address (2001:0::/32) on one side, so that no ordinary UDP payload is mistaken for it
        if (uend - q >= IpDecoder.IPV6_HEADER
                && ((b[q] & 0xf0) == 0x60 || (b[q] == 0 && (b[q + 1] == 0 || b[q + 1] == 1)))) {
            return teredo(b, q, end, uend, declaredEnd, true, out);
        }
        return DecodeStatus.OK;
    }

    /**
     * CAPWAP data (RFC 5415 section 4.3): an 802.3 frame (T=0) or a native 802.11 frame (T=1, binding 802.11) after a
     * header of HLEN words that holds the optional radio MAC address (M) and wireless information (W), each a length
     * byte then its bytes padded to 4; the 802.11 frame control may come byte-swapped. Fragments are not
     * reassembled: the first one is decoded (it holds the inner headers, as nDPI reads it), later ones stay the outer
     * flow, as do DTLS-encrypted data, keep-alives and other bindings; a header longer than the datagram or too short
     * for its own fields is bad.
     */
    private DecodeStatus capwap(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < CAPWAP_HEADER) {
            return shortTunnel(q, CAPWAP_HEADER, end, declaredEnd);
        }
        if (b[q] != 0) {
            return DecodeStatus.OK; // version 0 with a plain header only; type 1 is DTLS, unreadable
        }
        int w = (b[q + 1] & 0xff) << 16 | (b[q + 2] & 0xff) << 8 | (b[q + 3] & 0xff);
        int hlen = (w >>> 19) << 2;
        int need = CAPWAP_HEADER;
        if ((w & CAPWAP_M) != 0) {
            if (uend - q <= need) {
                return DecodeStatus.BAD_TUNNEL;
            }
            need += (1 + (b[q + need] & 0xff) + 3) & ~3;
        }
        if ((w & CAPWAP_W) != 0) {
            if (uend - q <= need) {
                return DecodeStatus.BAD_TUNNEL;
            }
            need += (1 + (b[q + need] & 0xff) + 3) & ~3;
        }
        if (hlen < need || uend - q < hlen) {
            return DecodeStatus.BAD_TUNNEL;
        }
        if ((w & CAPWAP_K) != 0 || uend - q == hlen) {
            return DecodeStatus.OK;
        }
        if ((w & CAPWAP_F) != 0 && (u16(b, q + 6) >>> 3) != 0) {
            return DecodeStatus.OK; // a later fragment: no inner headers; the first one carries them
        }
        boolean native80211 = (w & CAPWAP_T) != 0;
        if (native80211 && ((w >>> 9) & 0x1f) != CAPWAP_WBID_80211) {
            return DecodeStatus.OK;
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return native80211 ? link.ieee80211MaybeSwapped(b, q + hlen, uend, out)
                : link.ethernet(b, q + hlen, uend, out);
    }

    /**
     * TZSP: version 1 received or transmitted packets, tagged fields (padding, END, else type and length) up to the
     * END tag, then the frame in its encapsulation: Ethernet, 802.11, PPP or raw IP. Other versions and message
     * types (configuration, keep-alive, port opener) and other encapsulations stay the outer flow; tags without an
     * END are bad.
     */
    private DecodeStatus tzsp(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < TZSP_HEADER) {
            return shortTunnel(q, TZSP_HEADER, end, declaredEnd);
        }
        int type = b[q + 1] & 0xff;
        if ((b[q] & 0xff) != TZSP_VERSION || (type != TZSP_RECEIVED && type != TZSP_TRANSMIT)) {
            return DecodeStatus.OK;
        }
        int encapsulation = u16(b, q + 2);
        if (encapsulation != TZSP_ETHERNET && encapsulation != TZSP_IEEE802_11 && encapsulation != TZSP_PPP
                && encapsulation != TZSP_RAW_IP) {
            return DecodeStatus.OK;
        }
        int r = q + TZSP_HEADER;
        // every step moves on at least one byte: the walk is bounded by the datagram
        while (true) {
            if (r >= uend) {
                return DecodeStatus.BAD_TUNNEL;
            }
            int tag = b[r] & 0xff;
            if (tag == TZSP_TAG_END) {
                r++;
                break;
            }
            if (tag == TZSP_TAG_PADDING) {
                r++;
            } else {
                if (uend - r < 2) {
                    return DecodeStatus.BAD_TUNNEL;
                }
                r += 2 + (b[r + 1] & 0xff);
            }
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        switch (encapsulation) {
            case TZSP_ETHERNET:
                return link.ethernet(b, r, uend, out);
            case TZSP_IEEE802_11:
                return link.ieee80211(b, r, uend, out);
            case TZSP_PPP:
                return link.ppp(b, r, uend, out);
            default:
                return ip.ip(b, r, uend, out);
        }
    }

    private DecodeStatus vxlan(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < VXLAN_HEADER + LinkDecoder.ETHERNET_HEADER) {
            return shortTunnel(q, VXLAN_HEADER + LinkDecoder.ETHERNET_HEADER, end, declaredEnd);
        }
        if ((b[q] & 0x08) == 0) {
            return DecodeStatus.OK; // no valid VNI: not VXLAN
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return link.ethernet(b, q + VXLAN_HEADER, uend, out);
    }

    /** GTP-U G-PDU (version 1, protocol type GTP) carrying IPv4 or IPv6; other messages stay outer UDP. */
    private DecodeStatus gtpU(byte[] b, int q, int end, int uend, int declaredEnd, DecodedPacket out) {
        if (uend - q < GTP_HEADER) {
            return shortTunnel(q, GTP_HEADER, end, declaredEnd);
        }
        int flags = b[q] & 0xff;
        if ((flags & 0xf0) != 0x30 || (b[q + 1] & 0xff) != GTP_G_PDU) {
            return DecodeStatus.OK;
        }
        int gtpEnd = q + GTP_HEADER + u16(b, q + 2);
        int h = q + GTP_HEADER;
        if ((flags & 0x07) != 0) {
            // sequence number, N-PDU number and next extension type, then the extensions
            if (uend - h < 4) {
                return DecodeStatus.BAD_TUNNEL;
            }
            int nextExt = b[h + 3] & 0xff;
            h += 4;
            for (int n = 0; nextExt != 0; n++) {
                if (n == PacketDecoder.MAX_GTP_EXTENSIONS || uend - h < 4) {
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
        return version == 4 ? ip.ip4(b, h, innerEnd, out) : ip.ip6(b, h, innerEnd, out);
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
            q += 8; // origin indication
        }
        if (uend - q < IpDecoder.IPV6_HEADER) {
            return anyPort ? DecodeStatus.OK : shortTunnel(q, IpDecoder.IPV6_HEADER, end, declaredEnd);
        }
        if (((b[q] & 0xff) >>> 4) != 6 || q + IpDecoder.IPV6_HEADER + u16(b, q + 4) != declaredEnd) {
            return DecodeStatus.OK;
        }
        if (anyPort && u32(b, q + 8) != TEREDO_PREFIX && u32(b, q + 24) != TEREDO_PREFIX) {
            return DecodeStatus.OK;
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return ip.ip6(b, q, uend, out);
    }

    DecodeStatus gre(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 4) {
            return DecodeStatus.BAD_TUNNEL;
        }
        int flags = u16(b, p);
        int proto = u16(b, p + 2);
        int version = flags & 0x7;
        if ((bits & (proto == EtherType.ERSPAN_II || proto == EtherType.ERSPAN_III ? ERSPAN : GRE)) == 0) {
            return DecodeStatus.OK; // ERSPAN and GRE's other payloads are decoded each on its own
        }
        int header;
        if (version == 0) {
            if ((flags & GRE_ROUTING) != 0) {
                return DecodeStatus.OK; // source routing (RFC 1701): not followed, the outer packet is the flow
            }
            header = 4 + ((flags & GRE_CHECKSUM) != 0 ? 4 : 0) + ((flags & GRE_KEY) != 0 ? 4 : 0)
                    + ((flags & GRE_SEQUENCE) != 0 ? 4 : 0);
        } else if (version == 1 && proto == EtherType.PPP) {
            // enhanced GRE (PPTP): key always present, sequence and acknowledgment optional
            header = 8 + ((flags & GRE_SEQUENCE) != 0 ? 4 : 0) + ((flags & GRE_ACK) != 0 ? 4 : 0);
        } else {
            return DecodeStatus.OK;
        }
        if (end - p < header) {
            return DecodeStatus.BAD_TUNNEL;
        }
        int q = p + header;
        switch (proto) {
            case EtherType.IPV4:
            case EtherType.IPV6:
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return proto == EtherType.IPV4 ? ip.ip4(b, q, end, out) : ip.ip6(b, q, end, out);
            case EtherType.TRANSPARENT_ETHERNET:
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return link.ethernet(b, q, end, out);
            case EtherType.ERSPAN_II:
                // type II has a sequence number and an 8-byte ERSPAN header; type I has neither
                if ((flags & GRE_SEQUENCE) != 0) {
                    if (end - q < 8) {
                        return DecodeStatus.BAD_TUNNEL;
                    }
                    q += 8;
                }
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return link.ethernet(b, q, end, out);
            case EtherType.ERSPAN_III:
                // 12-byte header, then an optional 8-byte platform sub-header
                if (end - q < 12) {
                    return DecodeStatus.BAD_TUNNEL;
                }
                q += (b[q + 11] & 1) != 0 ? 20 : 12;
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return link.ethernet(b, q, end, out);
            case EtherType.MPLS_UNICAST:
            case EtherType.MPLS_MULTICAST:
                if (!enterTunnel(out)) {
                    return DecodeStatus.TOO_DEEP;
                }
                return link.mpls(b, q, end, out);
            case EtherType.PPP:
                return pptp(b, q, end, out);
            default:
                return DecodeStatus.OK;
        }
    }

    /** PPP inside enhanced GRE: only IP is a conversation; control traffic stays the outer flow. */
    private DecodeStatus pptp(byte[] b, int q, int end, DecodedPacket out) {
        if (end - q < 2) {
            return DecodeStatus.OK;
        }
        int r = q;
        if ((b[r] & 0xff) == LinkDecoder.ALL_STATIONS && (b[r + 1] & 0xff) == LinkDecoder.UI_CONTROL) {
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
        if (pp != LinkDecoder.PPP_IPV4 && pp != LinkDecoder.PPP_IPV6) {
            return DecodeStatus.OK;
        }
        if (!enterTunnel(out)) {
            return DecodeStatus.TOO_DEEP;
        }
        return pp == LinkDecoder.PPP_IPV4 ? ip.ip4(b, r, end, out) : ip.ip6(b, r, end, out);
    }
}
