package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.ipv6;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowtrace.core.IpText;
import io.flowtrace.core.Tunnel;
import io.flowtrace.core.spi.LinkType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * CAPWAP data and TZSP, their headers written byte by byte from RFC 5415 section 4.3 and the TZSP description, and
 * which tunnels a decoder opens when given a list of them.
 */
class TunnelDecoderTest {
    private final DecodedPacket out = new DecodedPacket();
    private final byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", tcp(1111, 22, 0x02, new byte[10]));
    /** 802.11 data frame from a station to the AP (To DS), three addresses, then LLC/SNAP with the IPv4 type. */
    private final String wlanToDs = "0801 2c00 84802d2b4590 54f201e1b299 10f311eaeec1 7030 aaaa03 000000 0800";

    private DecodeStatus decode(Set<Tunnel> tunnels, byte[] frame) {
        PacketDecoder d = new PacketDecoder(tunnels, false, false);
        return d.decode(frame, 0, frame.length, LinkType.ETHERNET, out);
    }

    private DecodeStatus decodeAll(byte[] frame) {
        return decode(EnumSet.allOf(Tunnel.class), frame);
    }

    private String key() {
        return out.protocol + " " + IpText.format(out.ipVersion, out.srcHi, out.srcLo) + ":" + out.srcPort + " > "
                + IpText.format(out.ipVersion, out.dstHi, out.dstLo) + ":" + out.dstPort;
    }

    private void assertInner() {
        assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
        assertEquals(50, out.ipLength);
    }

    private static byte[] overUdp(int sp, int dp, byte[] payload) {
        return eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(sp, dp, payload)));
    }

    // ---------------------------------------------------------------- CAPWAP

    @Test
    void capwapCarries8023EthernetFrames() {
        // preamble 0 (version 0, type 0); HLEN 2 words, RID 0, WBID 1, T=0; fragment id and offset 0
        byte[] f = overUdp(41264, 5247, cat("00 100200 00000000", eth(0x0800, inner)));
        assertEquals(DecodeStatus.OK, decodeAll(f));
        assertInner();
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(5247, 41264, cat("00 100200 00000000",
                eth(0x0800, inner)))), "the access controller's side, from port 5247");
        assertInner();
    }

    @Test
    void capwapCarriesNative80211FramesAfterRadioMacAndWirelessInformation() {
        // HLEN 6 words: 8 fixed bytes, radio MAC (length 6, padded to 8), wireless information (length 4: RSSI,
        // SNR, data rate, padded to 8); WBID 1 (802.11), T, W and M set
        String header = "00 300330 00000000" + " 06 a1a2a3a4a5a6 00" + " 04 bf230000 000000";
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat(header, wlanToDs, inner))));
        assertInner();
        // the frame control bytes swapped, as Cisco's access points send them (Wireshark's default there)
        String swapped = "0108" + wlanToDs.substring(4);
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat(header, swapped, inner))));
        assertInner();
        // only the wireless information, as access points send it (HLEN 4)
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 200320 00000000 04 bf230000 000000",
                wlanToDs, inner))));
        assertInner();
    }

    @Test
    void capwapThatCarriesNoReadableFrameStaysTheOuterFlow() {
        String outer = "17 10.0.0.1:41264 > 10.0.0.2:5247";
        byte[] eth = eth(0x0800, inner);
        // DTLS (preamble type 1)
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("01 000000 0000000000000000", eth))));
        assertEquals(outer, key());
        // a later fragment (F, offset 1 in 8-byte units), a keep-alive (K), native frames of another binding (WBID 3,
        // EPCGlobal)
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 100280 00010008", eth))));
        assertEquals(outer, key());
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 100208 00000000 0000"))));
        assertEquals(outer, key());
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 100700 00000000", eth))));
        assertEquals(outer, key());
        // a header and no payload
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 100200 00000000"))));
        assertEquals(outer, key());
    }

    @Test
    void theFirstFragmentOfACapwapFrameIsDecodedAndTheOthersStayOuter() {
        byte[] eth = eth(0x0800, inner);
        // F set, fragment id 7, offset 0: the inner headers are here
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 100280 00070000",
                Arrays.copyOf(eth, 56)))));
        assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
        // F and L set, offset 7 (56 bytes): the rest of the frame
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(41264, 5247, cat("00 1002c0 00070038",
                Arrays.copyOfRange(eth, 56, eth.length)))));
        assertEquals("17 10.0.0.1:41264 > 10.0.0.2:5247", key());
    }

    @Test
    void malformedCapwapHeadersAreBadTunnels() {
        byte[] eth = eth(0x0800, inner);
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(41264, 5247, cat("00 080200 00000000", eth))),
                "HLEN 1 word: shorter than the fixed header");
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(41264, 5247, cat("00 f80200 00000000", eth))),
                "HLEN 31 words: beyond the datagram");
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(41264, 5247, cat("00 100210 00000000 06 a1a2a3a4a5a6 00",
                eth))), "M set but HLEN leaves no room for the radio MAC");
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(41264, 5247, cat("00 200220 00000000 ff 000000"))),
                "a wireless information length past the header");
        byte[] cut = overUdp(41264, 5247, cat("00 100200 00000000", eth));
        assertEquals(DecodeStatus.BAD_TUNNEL, new PacketDecoder(true, false).decode(cut, 0, 14 + 20 + 8 + 4,
                LinkType.ETHERNET, out), "cut by the snap length inside the header");
    }

    // ---------------------------------------------------------------- TZSP

    @Test
    void tzspCarriesEthernetAnd80211AfterItsTags() {
        // version 1, type 0 (received), encapsulation 1 (Ethernet); tags: RSSI (10, length 1), padding, END
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 00 0001 0a01c4 00 01",
                eth(0x0800, inner)))));
        assertInner();
        // encapsulation 18 (802.11), type 1 (for transmission), no tags but END
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 01 0012 01", wlanToDs, inner))));
        assertInner();
        // encapsulation 7 (raw IP) and 4 (PPP)
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 00 0007 01", inner))));
        assertInner();
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 00 0004 01 ff03 0021", inner))));
        assertInner();
    }

    @Test
    void tzspThatCarriesNoReadableFrameStaysTheOuterFlowAndTagsWithoutEndAreBad() {
        String outer = "17 10.0.0.1:40000 > 10.0.0.2:37008";
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 04 0000 01"))), "keep-alive");
        assertEquals(outer, key());
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("02 00 0001 01", eth(0x0800, inner)))),
                "version 2");
        assertEquals(outer, key());
        assertEquals(DecodeStatus.OK, decodeAll(overUdp(40000, 37008, cat("01 00 0005 01", new byte[40]))), "FDDI");
        assertEquals(outer, key());
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(40000, 37008, cat("01 00 0001 0a01c4 00 00"))),
                "no END tag");
        assertEquals(DecodeStatus.BAD_TUNNEL, decodeAll(overUdp(40000, 37008, cat("01 00 0001 0a"))),
                "a tag cut before its length");
    }

    @Test
    void capwapAndTzspRespectTheNestingBound() {
        byte[] p = inner;
        for (int i = 0; i < PacketDecoder.MAX_TUNNEL_DEPTH; i++) {
            p = ipv4(4, "10.9.0." + i, "10.9.1." + i, p);
        }
        byte[] capwap = eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(41264, 5247,
                cat("00 100200 00000000", eth(0x0800, p)))));
        assertEquals(DecodeStatus.TOO_DEEP, decodeAll(capwap));
        assertEquals("4 10.9.0.0:0 > 10.9.1.0:0", key(), "CAPWAP and three IP-in-IP levels opened");
        byte[] tzsp = eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(40000, 37008, cat("01 00 0007 01", p))));
        assertEquals(DecodeStatus.TOO_DEEP, decodeAll(tzsp));
        assertEquals("4 10.9.0.0:0 > 10.9.1.0:0", key());
    }

    // ---------------------------------------------------------------- the list

    @Test
    void onlyTheListedTunnelsAreOpened() {
        byte[] gre = eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("0000 0800", inner)));
        byte[] erspan = eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("0000 88be", eth(0x0800, inner))));
        byte[] vxlan = overUdp(50000, 4789, cat("08000000 00007b00", eth(0x0800, inner)));
        byte[] gtp = overUdp(2152, 2152, cat("30ff", io.flowtrace.testkit.frames.Frames.u16(inner.length),
                "00000001", inner));
        byte[] ipip = eth(0x0800, ipv4(4, "10.0.0.1", "10.0.0.2", inner));
        byte[] teredo6 = ipv6(6, "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::2", tcp(1111, 22, 0x02,
                new byte[10]));
        byte[] teredo = overUdp(40000, 3544, teredo6);
        byte[] capwap = overUdp(41264, 5247, cat("00 100200 00000000", eth(0x0800, inner)));
        byte[] tzsp = overUdp(40000, 37008, cat("01 00 0001 01", eth(0x0800, inner)));
        byte[][] frames = {gre, erspan, vxlan, gtp, teredo, ipip, capwap, tzsp};
        Tunnel[] carried = {Tunnel.GRE, Tunnel.ERSPAN, Tunnel.VXLAN, Tunnel.GTP, Tunnel.TEREDO, Tunnel.IPIP,
                Tunnel.CAPWAP, Tunnel.TZSP};
        for (Tunnel only : Tunnel.values()) {
            for (int i = 0; i < frames.length; i++) {
                assertEquals(DecodeStatus.OK, decode(EnumSet.of(only), frames[i]), only + " " + carried[i]);
                boolean opened = out.protocol == 6;
                assertEquals(carried[i] == only, opened, "with only " + only + ", " + carried[i] + " opened");
            }
        }
        // none: every packet is its outer flow; Teredo is plain UDP
        assertEquals(DecodeStatus.OK, decode(EnumSet.noneOf(Tunnel.class), teredo));
        assertEquals("17 10.0.0.1:40000 > 10.0.0.2:3544", key());
        assertEquals(DecodeStatus.OK, decode(EnumSet.of(Tunnel.GRE, Tunnel.VXLAN, Tunnel.GTP, Tunnel.TZSP,
                Tunnel.CAPWAP), teredo), "nDPI's list: Teredo metered as UDP");
        assertEquals("17 10.0.0.1:40000 > 10.0.0.2:3544", key());
    }
}
