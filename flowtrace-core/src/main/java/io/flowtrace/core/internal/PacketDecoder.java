package io.flowtrace.core.internal;

/**
 * Decodes link, network and transport headers of one frame into a {@link DecodedPacket}, by offset over the
 * caller's byte array. No allocation, no exceptions: a bad frame returns a {@link DecodeStatus} that the caller
 * counts. One instance per thread.
 */
public final class PacketDecoder {
    // link types (pcap LINKTYPE_ values)
    public static final int LINKTYPE_NULL = 0;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_IPV4 = 228;
    public static final int LINKTYPE_IPV6 = 229;

    private final boolean decodeTunnels;
    private final boolean vlanInKey;

    public PacketDecoder(boolean decodeTunnels, boolean vlanInKey) {
        this.decodeTunnels = decodeTunnels;
        this.vlanInKey = vlanInKey;
    }

    public boolean decodeTunnels() {
        return decodeTunnels;
    }

    /**
     * Decodes one frame. On {@link DecodeStatus#OK} every key field of {@code out} and {@code out.flowHash} are set.
     */
    public DecodeStatus decode(byte[] b, int off, int capLen, int linkType, DecodedPacket out) {
        out.clear();
        int end = off + capLen;
        DecodeStatus s;
        switch (linkType) {
            case LINKTYPE_ETHERNET:
                s = ethernet(b, off, end, out);
                break;
            case LINKTYPE_RAW:
            case 12: case 14:
            case LINKTYPE_IPV4:
            case LINKTYPE_IPV6:
                s = ip(b, off, end, out);
                break;
            default:
                return DecodeStatus.UNSUPPORTED_LINK_TYPE;
        }
        if (s == DecodeStatus.OK) {
            int v = vlanInKey ? out.vlan : 0;
            out.flowHash = DecodedPacket.symmetricHash(out.srcHi, out.srcLo, out.dstHi, out.dstLo, out.srcPort,
                    out.dstPort, out.protocol, v);
        }
        return s;
    }

    private DecodeStatus ethernet(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 14) {
            return DecodeStatus.TRUNCATED_LINK;
        }
        int type = u16(b, p + 12);
        p += 14;
        while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
            if (end - p < 4) {
                return DecodeStatus.TRUNCATED_LINK;
            }
            if (out.vlan == 0) {
                out.vlan = u16(b, p) & 0xfff;
            }
            type = u16(b, p + 2);
            p += 4;
        }
        if (type == 0x0800 || type == 0x86dd) {
            return ip(b, p, end, out);
        }
        return DecodeStatus.NON_IP;
    }

    private DecodeStatus ip(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < 1) {
            return DecodeStatus.TRUNCATED_IP;
        }
        int version = (b[p] & 0xff) >>> 4;
        if (version == 4) {
            if (end - p < 20) {
                return DecodeStatus.TRUNCATED_IP;
            }
            int ihl = (b[p] & 0x0f) * 4;
            int total = u16(b, p + 2);
            if (ihl < 20 || total < ihl) {
                return DecodeStatus.BAD_IP_HEADER;
            }
            if (end - p < ihl) {
                return DecodeStatus.TRUNCATED_IP;
            }
            out.ipVersion = 4;
            out.ipLength = total;
            out.protocol = b[p + 9] & 0xff;
            out.srcLo = u32(b, p + 12) & 0xffffffffL;
            out.dstLo = u32(b, p + 16) & 0xffffffffL;
            int fragOffset = u16(b, p + 6) & 0x1fff;
            out.payloadLength = total - ihl;
            if (fragOffset != 0) {
                out.fragment = true;
                return DecodeStatus.OK;
            }
            return transport(b, p + ihl, end, out);
        }
        if (version == 6) {
            if (end - p < 40) {
                return DecodeStatus.TRUNCATED_IP;
            }
            out.ipVersion = 6;
            int payload = u16(b, p + 4);
            out.ipLength = payload + 40;
            out.payloadLength = payload;
            out.protocol = b[p + 6] & 0xff;
            out.srcHi = u64(b, p + 8);
            out.srcLo = u64(b, p + 16);
            out.dstHi = u64(b, p + 24);
            out.dstLo = u64(b, p + 32);
            return transport(b, p + 40, end, out);
        }
        return DecodeStatus.BAD_IP_HEADER;
    }

    private DecodeStatus transport(byte[] b, int p, int end, DecodedPacket out) {
        switch (out.protocol) {
            case 6:
                if (end - p < 14) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                out.tcpFlags = b[p + 13] & 0xff;
                return DecodeStatus.OK;
            case 17:
            case 132:
                if (end - p < 4) {
                    return DecodeStatus.TRUNCATED_TRANSPORT;
                }
                out.srcPort = u16(b, p);
                out.dstPort = u16(b, p + 2);
                return DecodeStatus.OK;
            case 1:
            case 58:
                if (end - p >= 2) {
                    out.icmpType = b[p] & 0xff;
                    out.icmpCode = b[p + 1] & 0xff;
                }
                return DecodeStatus.OK;
            default:
                return DecodeStatus.OK;
        }
    }

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
