package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.ipv6;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.udp;
import static io.flowtrace.testkit.frames.Frames.vlanTag;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.LinkType;
import org.junit.jupiter.api.Test;

/**
 * {@link LinkDecoder} through the decoder: what the link layer keeps of a frame that a tunnel carries, and the link
 * types whose frames are written here byte by byte from their specifications (PPI; Cisco HDLC and PPP under either
 * link type).
 */
class LinkDecoderTest {
    private final PacketDecoder decoder = new PacketDecoder(false, false);
    private final DecodedPacket out = new DecodedPacket();
    private final byte[] tcpSyn = ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, 0x02, new byte[0]));
    private final byte[] udp6 = ipv6(17, "2001:db8::1", "2001:db8::2", udp(5353, 53, new byte[4]));
    /**
     * An 802.11 data frame to the distribution system (frame control 0x08 0x01: type data, subtype 0, To DS), its
     * duration, three addresses and sequence control, then LLC/SNAP with the IPv4 ethertype.
     */
    private final String wlanToDs = "0801 2c00 84802d2b4590 54f201e1b299 10f311eaeec1 7030 aaaa03 000000 0800";

    private DecodeStatus decode(byte[] frame, int linkType) {
        return decoder.decode(frame, 0, frame.length, linkType, out);
    }

    private String key() {
        return out.protocol + " " + IpText.format(out.ipVersion, out.srcHi, out.srcLo) + ":" + out.srcPort + " > "
                + IpText.format(out.ipVersion, out.dstHi, out.dstLo) + ":" + out.dstPort;
    }

    @Test
    void ppiWrapsEthernetOr80211AsItsHeaderSays() {
        // PPI header: version 0, flags 0, length 8 (little-endian), link type 1 (little-endian), no fields
        assertEquals(DecodeStatus.OK, decode(cat("00 00 0800 01000000", eth(0x0800, tcpSyn)), LinkType.PPI));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        // 32-bit aligned, length 32: one 802.11-Common field (type 2, length 20) before an 802.11 frame (link type 105)
        // (TSF timer 8 bytes, flags, rate, channel frequency 2412 MHz, channel flags, FHSS hop set and pattern, signal
        // -60 dBm, noise)
        String common = "0200 1400" + " 0000000000000000 0000 0200 6c09 a000 00 00 c4 00";
        assertEquals(DecodeStatus.OK, decode(cat("00 01 2000 69000000", common, wlanToDs, tcpSyn), LinkType.PPI));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        assertEquals(40, out.ipLength, "the IP datagram's own length");
        // a radiotap frame inside PPI: any link type the decoder reads
        assertEquals(DecodeStatus.OK, decode(cat("00 00 0800 7f000000", "0000 0800 00000000", wlanToDs, tcpSyn),
                LinkType.PPI));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
    }

    @Test
    void badPpiHeadersAreCountedNotFollowed() {
        byte[] frame = eth(0x0800, tcpSyn);
        assertEquals(DecodeStatus.BAD_LINK, decode(cat("01 00 0800 01000000", frame), LinkType.PPI), "version 1");
        assertEquals(DecodeStatus.BAD_LINK, decode(cat("00 00 0400 01000000", frame), LinkType.PPI), "length < 8");
        assertEquals(DecodeStatus.BAD_LINK, decode(cat("00 00 0800 c0000000 00 00 0800 01000000", frame),
                LinkType.PPI), "PPI inside PPI");
        assertEquals(DecodeStatus.TRUNCATED_LINK, decode(cat("00 00 0001 01000000", frame), LinkType.PPI),
                "a header longer than the frame");
        assertEquals(DecodeStatus.TRUNCATED_LINK, decode(cat("00 00 0800"), LinkType.PPI));
        assertEquals(DecodeStatus.UNSUPPORTED_LINK_TYPE, decode(cat("00 00 0800 93000000", frame), LinkType.PPI),
                "link type 147 (user 0) is not one the decoder reads");
    }

    @Test
    void aPppLinkCarriesCiscoHdlcFramesAndACiscoHdlcLinkPppFrames() {
        // Cisco HDLC: address 0x0f (unicast) or 0x8f (multicast), control 0, then an ethertype
        assertEquals(DecodeStatus.OK, decode(cat("0f 00 0800", tcpSyn), LinkType.PPP));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        assertEquals(DecodeStatus.OK, decode(cat("8f 00 86dd", udp6), LinkType.PPP));
        assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        assertEquals(DecodeStatus.NON_IP, decode(cat("8f 00 8035", new byte[20]), LinkType.PPP), "SLARP");
        // PPP in HDLC-like framing (RFC 1662: address 0xff, control 0x03) and bare PPP on the same link type
        assertEquals(DecodeStatus.OK, decode(cat("ff 03 0021", tcpSyn), LinkType.PPP));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        assertEquals(DecodeStatus.OK, decode(cat("0057", udp6), LinkType.PPP));
        assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        // and the other way round: PPP on a link labelled Cisco HDLC
        assertEquals(DecodeStatus.OK, decode(cat("0021", tcpSyn), LinkType.C_HDLC));
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        assertEquals(DecodeStatus.OK, decode(cat("ff 03 0057", udp6), LinkType.C_HDLC));
        assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        assertEquals(DecodeStatus.OK, decode(cat("0f 00 0800", tcpSyn), LinkType.C_HDLC));
        assertEquals(DecodeStatus.TRUNCATED_LINK, decode(cat("0f 00 08"), LinkType.PPP));
    }

    @Test
    void aVlanTagInsideATunnelIsNotTheFlowsVlanWhenTheOuterFrameHasNone() {
        byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", tcp(1111, 22, 0x02, new byte[10]));
        byte[] taggedInner = eth(0x8100, cat(vlanTag(9, 0x0800), inner));
        byte[] vxlan = eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(5, TunnelDecoder.VXLAN_PORT,
                cat("08000000 00007b00", taggedInner))));
        PacketDecoder decoder = new PacketDecoder(true, true);
        DecodedPacket out = new DecodedPacket();

        assertEquals(DecodeStatus.OK, decoder.decode(vxlan, 0, vxlan.length, LinkType.ETHERNET, out));

        assertEquals(22, out.dstPort, "the inner conversation is the flow");
        assertEquals(0, out.vlan, "the VLAN is the outer frame's");
    }
}
