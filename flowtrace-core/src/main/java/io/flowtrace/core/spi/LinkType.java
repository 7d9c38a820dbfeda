package io.flowtrace.core.spi;

/**
 * The link-layer types the decoder reads, as pcap's {@code LINKTYPE_} values: what a {@link PacketSource} passes
 * as {@code linkType} to {@link PacketHandler#onPacket}. A frame of another type is counted as malformed
 * ({@code unsupported_link}). Constants only.
 *
 * @since 0.1
 */
public final class LinkType {
    private LinkType() {
    }

    /** BSD loopback: a 4-byte address family in host byte order, then IP. */
    public static final int NULL = 0;
    /** Ethernet II (with 802.1Q/QinQ tags, MPLS and PPPoE inside). */
    public static final int ETHERNET = 1;
    /** PPP, with or without HDLC-like framing; frames with a Cisco HDLC address (0x0f, 0x8f) are read as Cisco HDLC. */
    public static final int PPP = 9;
    /** Raw IP as libpcap's {@code DLT_RAW} on most systems (live capture, some old files); read as {@link #RAW}. */
    public static final int DLT_RAW = 12;
    /** Raw IP as OpenBSD's {@code DLT_RAW}; read as {@link #RAW}. */
    public static final int DLT_RAW_OPENBSD = 14;
    /** PPP in HDLC-like framing. */
    public static final int PPP_HDLC = 50;
    /** Raw IP, version from the first nibble. */
    public static final int RAW = 101;
    /** Cisco HDLC; a frame without its address byte (0x0f, 0x8f) is read as PPP, as routers' captures mix them. */
    public static final int C_HDLC = 104;
    /** IEEE 802.11 data frames. */
    public static final int IEEE802_11 = 105;
    /** Frame Relay. */
    public static final int FRELAY = 107;
    /** OpenBSD loopback: a 4-byte address family in network byte order, then IP. */
    public static final int LOOP = 108;
    /** Linux cooked capture v1. */
    public static final int LINUX_SLL = 113;
    /** 802.11 with a radiotap header. */
    public static final int IEEE802_11_RADIOTAP = 127;
    /** PPI (per-packet information): a header naming the link type of the frame after it (802.11, Ethernet). */
    public static final int PPI = 192;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux netfilter NFLOG. */
    public static final int NFLOG = 239;
    /** Linux cooked capture v2. */
    public static final int LINUX_SLL2 = 276;
}
