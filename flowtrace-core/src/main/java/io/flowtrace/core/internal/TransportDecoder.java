package io.flowtrace.core.internal;

import io.flowtrace.core.Tunnel;

import static io.flowtrace.core.internal.Bytes.u16;

/**
 * The transport layer: TCP, UDP and SCTP ports, TCP flags, ICMP and ICMPv6 type and code, and the payload length;
 * other protocols have ports 0. When one of their tunnels is decoded, UDP, IP-in-IP and GRE go on to
 * {@link TunnelDecoder}. One per {@link PacketDecoder}; no state of its own.
 */
final class TransportDecoder {
    static final int UDP_HEADER = 8;
    private static final int SCTP_HEADER = 12;
    /** Type, code, checksum and four message bytes. */
    private static final int ICMP_HEADER = 8;
    private static final int TCP_MIN_HEADER = 20;

    private final TunnelDecoder tunnels;
    /** Whether any UDP tunnel, IP-in-IP or a GRE tunnel is opened: one test per packet each. */
    private final boolean udpTunnels;
    private final boolean ipInIp;
    private final boolean gre;
    private final boolean icmpTypeInKey;

    /**
     * @param tunnelBits    the {@link io.flowtrace.core.Tunnel#bit()}s of the tunnels opened
     * @param icmpTypeInKey ICMP type and reply type (or code) as the ports: see {@link #icmpPorts}
     */
    TransportDecoder(TunnelDecoder tunnels, int tunnelBits, boolean icmpTypeInKey) {
        this.tunnels = tunnels;
        this.udpTunnels = (tunnelBits & TunnelDecoder.UDP_TUNNELS) != 0;
        this.ipInIp = (tunnelBits & Tunnel.IPIP.bit()) != 0;
        this.gre = (tunnelBits & TunnelDecoder.GRE_TUNNELS) != 0;
        this.icmpTypeInKey = icmpTypeInKey;
    }

    /** Reads the header of {@code protocol} at {@code p}; {@code ipPayload} is the IP layer's payload length. */
    DecodeStatus transport(byte[] b, int p, int end, int protocol, int ipPayload, DecodedPacket out) {
        switch (protocol) {
            case IpProtocol.TCP: {
                if (end - p < 14) {
                    return DecodeStatus.TRUNCATED_TRANSPORT; // ports to flags
                }
                int dataOffset = (b[p + 12] & 0xf0) >>> 2;
                if (dataOffset < TCP_MIN_HEADER) {
                    return DecodeStatus.BAD_TCP_HEADER;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                out.tcpFlags = b[p + 13] & 0xff;
                out.payloadLength = Math.max(0, ipPayload - dataOffset);
                return DecodeStatus.OK;
            }
            case IpProtocol.UDP: {
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                int sp = u16(b, p);
                int dp = u16(b, p + 2);
                out.srcPort = sp;
                out.dstPort = dp;
                out.payloadLength = Math.max(0, ipPayload - UDP_HEADER);
                if (udpTunnels) {
                    return tunnels.udp(b, p, end, sp, dp, out);
                }
                return DecodeStatus.OK;
            }
            case IpProtocol.SCTP:
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                out.payloadLength = Math.max(0, ipPayload - SCTP_HEADER);
                return DecodeStatus.OK;
            case IpProtocol.ICMP:
            case IpProtocol.ICMPV6:
                if (end - p >= 2) {
                    out.icmpType = b[p] & 0xff;
                    out.icmpCode = b[p + 1] & 0xff;
                    if (icmpTypeInKey) {
                        icmpPorts(protocol, out);
                    }
                }
                out.payloadLength = Math.max(0, ipPayload - ICMP_HEADER);
                return DecodeStatus.OK;
            case IpProtocol.IPIP:
            case IpProtocol.IPV6:
                out.payloadLength = Math.max(0, ipPayload);
                if (ipInIp) {
                    return tunnels.ipInIp(b, p, end, protocol == IpProtocol.IPIP, out);
                }
                return DecodeStatus.OK;
            case IpProtocol.GRE:
                out.payloadLength = Math.max(0, ipPayload);
                if (gre) {
                    return tunnels.gre(b, p, end, out);
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
        int other = protocol == IpProtocol.ICMP ? icmp4Counterpart(type) : icmp6Counterpart(type);
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
}
