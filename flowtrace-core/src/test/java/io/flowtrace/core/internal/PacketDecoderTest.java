package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ext6;
import static io.flowtrace.testkit.frames.Frames.frag6;
import static io.flowtrace.testkit.frames.Frames.hex;
import static io.flowtrace.testkit.frames.Frames.icmp;
import static io.flowtrace.testkit.frames.Frames.ip6Udp;
import static io.flowtrace.testkit.frames.Frames.ipTcp;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.ipv6;
import static io.flowtrace.testkit.frames.Frames.sctp;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.u16;
import static io.flowtrace.testkit.frames.Frames.udp;
import static io.flowtrace.testkit.frames.Frames.vlanTag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.core.IpText;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PacketDecoderTest {
    private PacketDecoder decoder = new PacketDecoder(false, false);
    private PacketDecoder tunnels = new PacketDecoder(true, false);
    private final DecodedPacket out = new DecodedPacket();

    private DecodeStatus decode(byte[] frame, int linkType) {
        return decoder.decode(frame, 0, frame.length, linkType, out);
    }

    private DecodeStatus decodeTunnels(byte[] frame, int linkType) {
        return tunnels.decode(frame, 0, frame.length, linkType, out);
    }

    private String key() {
        return out.protocol + " " + IpText.format(out.ipVersion, out.srcHi, out.srcLo) + ":" + out.srcPort + " > "
                + IpText.format(out.ipVersion, out.dstHi, out.dstLo) + ":" + out.dstPort;
    }

    private void assertTcpSyn() {
        assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
        assertEquals(0x02, out.tcpFlags);
    }

    @Test
    void everyStatusHasAFrameThatProducesIt() {
        java.util.Map<DecodeStatus, Runnable> cases = new java.util.EnumMap<>(DecodeStatus.class);
        byte[] badTcp = tcp(1, 2, 0x02, new byte[0]);
        badTcp[12] = 0x30;
        byte[] deep = ipTcp();
        for (int i = 0; i <= PacketDecoder.MAX_TUNNEL_DEPTH; i++) {
            deep = ipv4(4, "10.9.0.1", "10.9.0.2", deep);
        }
        byte[] deepFrame = deep;
        cases.put(DecodeStatus.OK, () -> assertEquals(DecodeStatus.OK, decode(Frames.ethTcp(), 1)));
        cases.put(DecodeStatus.NON_IP, () -> assertEquals(DecodeStatus.NON_IP, decode(eth(0x0806, new byte[28]), 1)));
        cases.put(DecodeStatus.UNSUPPORTED_LINK_TYPE,
                () -> assertEquals(DecodeStatus.UNSUPPORTED_LINK_TYPE, decode(ipTcp(), 999)));
        cases.put(DecodeStatus.TRUNCATED_LINK, () -> assertEquals(DecodeStatus.TRUNCATED_LINK, decode(hex("0102"), 1)));
        cases.put(DecodeStatus.BAD_LINK,
                () -> assertEquals(DecodeStatus.BAD_LINK, decode(cat("0000 0400 00000000", ipTcp()), 127)));
        cases.put(DecodeStatus.TRUNCATED_IP, () -> assertEquals(DecodeStatus.TRUNCATED_IP, decode(hex("4500"), 101)));
        cases.put(DecodeStatus.BAD_IP_HEADER,
                () -> assertEquals(DecodeStatus.BAD_IP_HEADER, decode(cat("70", ipTcp()), 101)));
        cases.put(DecodeStatus.BAD_IPV6_EXTENSION, () -> assertEquals(DecodeStatus.BAD_IPV6_EXTENSION,
                decode(ipv6(0, "2001:db8::1", "2001:db8::2", hex("1100")), 101)));
        cases.put(DecodeStatus.TRUNCATED_TRANSPORT, () -> assertEquals(DecodeStatus.TRUNCATED_TRANSPORT,
                decode(ipv4(6, "10.0.0.1", "10.0.0.2", hex("0001 0002")), 101)));
        cases.put(DecodeStatus.BAD_TCP_HEADER, () -> assertEquals(DecodeStatus.BAD_TCP_HEADER,
                decode(ipv4(6, "10.0.0.1", "10.0.0.2", badTcp), 101)));
        cases.put(DecodeStatus.BAD_TUNNEL, () -> assertEquals(DecodeStatus.BAD_TUNNEL,
                decodeTunnels(ipv4(47, "10.0.0.1", "10.0.0.2", hex("0000")), 101)));
        cases.put(DecodeStatus.TOO_DEEP,
                () -> assertEquals(DecodeStatus.TOO_DEEP, decodeTunnels(deepFrame, 101)));
        PacketDecoder firstOnly = new PacketDecoder(false, false, false, io.flowtrace.core.IpFragments.FIRST_ONLY);
        PacketDecoder reassembling = new PacketDecoder(false, false, false, io.flowtrace.core.IpFragments.REASSEMBLE);
        byte[] first = ipv4(17, "10.0.0.1", "10.0.0.2", 9, 0x2000, new byte[0], udp(1, 2, new byte[8]));
        byte[] later = ipv4(17, "10.0.0.1", "10.0.0.2", 9, 2, new byte[0], new byte[8]);
        byte[] overlapping = ipv4(17, "10.0.0.1", "10.0.0.2", 9, 0x2001, new byte[0], new byte[16]);
        byte[] odd = ipv4(17, "10.0.0.1", "10.0.0.2", 10, 0x2000, new byte[0], udp(1, 2, new byte[5]));
        cases.put(DecodeStatus.FRAGMENT_SKIPPED, () -> assertEquals(DecodeStatus.FRAGMENT_SKIPPED,
                firstOnly.decode(later, 0, later.length, 101, out)));
        cases.put(DecodeStatus.FRAGMENT_HELD, () -> assertEquals(DecodeStatus.FRAGMENT_HELD,
                reassembling.decode(first, 0, first.length, 101, out)));
        cases.put(DecodeStatus.FRAGMENT_DUPLICATE, () -> assertEquals(DecodeStatus.FRAGMENT_DUPLICATE,
                reassembling.decode(first, 0, first.length, 101, out)));
        cases.put(DecodeStatus.FRAGMENT_OVERLAP, () -> assertEquals(DecodeStatus.FRAGMENT_OVERLAP,
                reassembling.decode(overlapping, 0, overlapping.length, 101, out)));
        cases.put(DecodeStatus.FRAGMENT_INVALID, () -> assertEquals(DecodeStatus.FRAGMENT_INVALID,
                reassembling.decode(odd, 0, odd.length, 101, out)));
        cases.put(DecodeStatus.FRAGMENT_TRUNCATED, () -> assertEquals(DecodeStatus.FRAGMENT_TRUNCATED,
                reassembling.decode(later, 0, later.length - 1, 101, out)));
        assertEquals(java.util.EnumSet.allOf(DecodeStatus.class), cases.keySet(), "a case for every status");
        cases.values().forEach(Runnable::run);
    }

    @Nested
    class Ethernet {
        @Test
        void ipv4TcpFillsKeyFlagsAndLengths() {
            byte[] f = eth(0x0800, ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, 0x18, hex("01020304"))));
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertEquals("6 10.0.0.1:40000 > 10.0.0.2:80", key());
            assertEquals(4, out.ipVersion);
            assertEquals(0x18, out.tcpFlags);
            assertEquals(44, out.ipLength);
            assertEquals(4, out.payloadLength);
            assertEquals(-1, out.icmpType);
            assertFalse(out.fragment);
        }

        @Test
        void flowHashIsTheSameInBothDirections() {
            decode(eth(0x0800, ipv4(6, "10.0.0.1", "10.0.0.2", tcp(40000, 80, 0x02, new byte[0]))), 1);
            int forward = out.flowHash;
            decode(eth(0x0800, ipv4(6, "10.0.0.2", "10.0.0.1", tcp(80, 40000, 0x12, new byte[0]))), 1);
            assertEquals(forward, out.flowHash);
            decode(eth(0x0800, ipv4(6, "10.0.0.2", "10.0.0.1", tcp(81, 40000, 0x12, new byte[0]))), 1);
            assertNotEquals(forward, out.flowHash);
        }

        @Test
        void ipv4OptionsAreSkipped() {
            byte[] f = eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", 1, 0, hex("01010101 94040000"),
                    udp(1000, 2000, hex("aa"))));
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertEquals("17 10.0.0.1:1000 > 10.0.0.2:2000", key());
            assertEquals(28 + 9, out.ipLength);
            assertEquals(1, out.payloadLength);
        }

        @Test
        void paddingAfterTheDatagramIsNotCounted() {
            byte[] f = cat(eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(1, 2, new byte[0]))), "000000000000");
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertEquals(28, out.ipLength);
            assertEquals(0, out.payloadLength);
        }

        @Test
        void totalLengthZeroMeansSegmentationOffloadAndUsesTheCapturedLength() {
            byte[] ip = ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1, 2, 0x10, new byte[100]));
            ip[2] = 0;
            ip[3] = 0;
            assertEquals(DecodeStatus.OK, decode(eth(0x0800, ip), 1));
            assertEquals(140, out.ipLength);
            assertEquals(100, out.payloadLength);
        }

        @Test
        void ipv6PayloadLengthZeroIsAJumbogramOnlyWithAHopByHopHeader() {
            byte[] empty = ipv6(99, "2001:db8::1", "2001:db8::2", new byte[0]);
            assertEquals(DecodeStatus.OK, decode(cat(eth(0x86dd, empty), "000000000000"), 1));
            assertEquals(40, out.ipLength, "an empty payload; the rest is Ethernet padding");
            byte[] jumbo = ipv6(0, "2001:db8::1", "2001:db8::2", cat("11 00 c2 04 00010020", udp(1, 2,
                    new byte[16])));
            jumbo[4] = 0;
            jumbo[5] = 0;
            assertEquals(DecodeStatus.OK, decode(jumbo, 101));
            assertEquals(jumbo.length, out.ipLength);
            assertEquals("17 2001:db8::1:1 > 2001:db8::2:2", key());
        }

        @Test
        void ipv6UdpFillsBothAddressHalves() {
            assertEquals(DecodeStatus.OK, decode(eth(0x86dd, ip6Udp()), 1));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
            assertEquals(6, out.ipVersion);
            assertEquals(50, out.ipLength);
        }

        @Test
        void vlanTagIsRecordedAndQinQKeepsTheOuterTag() {
            assertEquals(DecodeStatus.OK, decode(eth(0x8100, cat(vlanTag(0x2064, 0x0800), ipTcp())), 1));
            assertEquals(100, out.vlan);
            assertTcpSyn();
            assertEquals(DecodeStatus.OK,
                    decode(eth(0x88a8, cat(vlanTag(200, 0x8100), vlanTag(300, 0x0800), ipTcp())), 1));
            assertEquals(200, out.vlan);
            assertTcpSyn();
            assertEquals(DecodeStatus.OK,
                    decode(eth(0x9100, cat(vlanTag(7, 0x86dd), ip6Udp())), 1));
            assertEquals(7, out.vlan);
        }

        @Test
        void vlanIsPartOfTheHashOnlyWhenAskedFor() {
            byte[] v1 = eth(0x8100, cat(vlanTag(1, 0x0800), ipTcp()));
            byte[] v2 = eth(0x8100, cat(vlanTag(2, 0x0800), ipTcp()));
            decode(v1, 1);
            int h1 = out.flowHash;
            decode(v2, 1);
            assertEquals(h1, out.flowHash);
            decoder = new PacketDecoder(false, true);
            decode(v1, 1);
            h1 = out.flowHash;
            decode(v2, 1);
            assertNotEquals(h1, out.flowHash);
        }

        @Test
        void tooManyVlanTagsIsABadLinkHeader() {
            byte[] tags = new byte[0];
            for (int i = 0; i < PacketDecoder.MAX_VLAN_TAGS + 1; i++) {
                tags = cat(tags, vlanTag(i + 1, 0x8100));
            }
            assertEquals(DecodeStatus.BAD_LINK, decode(eth(0x8100, cat(tags, ipTcp())), 1));
        }

        @Test
        void mplsLabelStackIsFollowedToIpv4AndIpv6() {
            assertEquals(DecodeStatus.OK, decode(eth(0x8847, cat("00010140", ipTcp())), 1));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK, decode(eth(0x8848, cat("00010040 00020140", ip6Udp())), 1));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        }

        @Test
        void mplsWithoutIpOrWithoutBottomOfStackIsNotDecoded() {
            assertEquals(DecodeStatus.NON_IP, decode(eth(0x8847, cat("00010140", "0000", eth(0x0800, ipTcp()))), 1));
            byte[] labels = new byte[0];
            for (int i = 0; i < PacketDecoder.MAX_MPLS_LABELS; i++) {
                labels = cat(labels, "00010040");
            }
            assertEquals(DecodeStatus.BAD_LINK, decode(eth(0x8847, cat(labels, "00010140", ipTcp())), 1));
        }

        @Test
        void pppoeSessionCarriesIpv4AndIpv6() {
            byte[] ip = ipTcp();
            assertEquals(DecodeStatus.OK, decode(eth(0x8864, cat("1100 0001", u16(ip.length + 2), "0021", ip)), 1));
            assertTcpSyn();
            byte[] ip6 = ip6Udp();
            assertEquals(DecodeStatus.OK, decode(eth(0x8864, cat("1100 0001", u16(ip6.length + 2), "0057", ip6)), 1));
            assertEquals(6, out.ipVersion);
            assertEquals(DecodeStatus.NON_IP, decode(eth(0x8864, cat("1100 0001 0006 c021 01010004")), 1));
            assertEquals(DecodeStatus.NON_IP, decode(eth(0x8863, cat("1109 0000 0000")), 1));
        }

        @Test
        void ciscoFabricPathHeaderIsSkipped() {
            byte[] f = cat("f351d64e6200 964ebf4e521d 8903 0000", eth(0x0800, ipTcp()));
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertTcpSyn();
        }

        @Test
        void llcSnapCarriesIpAndOtherLlcIsNotIp() {
            byte[] ip = ipTcp();
            assertEquals(DecodeStatus.OK, decode(eth(8 + ip.length, cat("aaaa03 000000 0800", ip)), 1));
            assertTcpSyn();
            assertEquals(DecodeStatus.NON_IP, decode(eth(38, cat("424203 0000 0000000000000000")), 1));
        }

        @Test
        void arpIsNotIp() {
            assertEquals(DecodeStatus.NON_IP, decode(eth(0x0806, new byte[28]), 1));
        }
    }

    @Nested
    class OtherLinkTypes {
        @Test
        void rawIpLinkTypesTakeTheVersionFromTheFirstNibble() {
            for (int lt : new int[] {101, 12, 14, 228, 229}) {
                assertEquals(DecodeStatus.OK, decode(ipTcp(), lt), "link type " + lt);
                assertTcpSyn();
                assertEquals(DecodeStatus.OK, decode(ip6Udp(), lt), "link type " + lt);
                assertEquals(6, out.ipVersion);
            }
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(hex("50000000"), 101));
        }

        @Test
        void linuxCookedV1AndV2() {
            assertEquals(DecodeStatus.OK, decode(cat("0000 0001 0006 020000000001 0000 0800", ipTcp()), 113));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK,
                    decode(cat("0000 0001 0006 020000000001 0000 8100", vlanTag(5, 0x86dd), ip6Udp()), 113));
            assertEquals(5, out.vlan);
            assertEquals(DecodeStatus.OK, decode(cat("86dd 0000 00000002 0001 00 06 020000000001 0000", ip6Udp()),
                    276));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
            assertEquals(DecodeStatus.NON_IP, decode(cat("0806 0000 00000002 0001 00 06 020000000001 0000",
                    new byte[28]), 276));
        }

        @Test
        void bsdNullInEitherByteOrderAndLoopInNetworkOrder() {
            assertEquals(DecodeStatus.OK, decode(cat("02000000", ipTcp()), 0));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK, decode(cat("00000002", ipTcp()), 0));
            for (String af : new String[] {"18000000", "1c000000", "1e000000", "0000001e"}) {
                assertEquals(DecodeStatus.OK, decode(cat(af, ip6Udp()), 0), af);
                assertEquals(6, out.ipVersion);
            }
            assertEquals(DecodeStatus.NON_IP, decode(cat("07000000", ipTcp()), 0));
            assertEquals(DecodeStatus.OK, decode(cat("00000002", ipTcp()), 108));
            assertEquals(DecodeStatus.OK, decode(cat("0000001c", ip6Udp()), 108));
            assertEquals(DecodeStatus.NON_IP, decode(cat("02000000", ipTcp()), 108));
        }

        @Test
        void pppWithAndWithoutAddressControlAndCompressedProtocol() {
            assertEquals(DecodeStatus.OK, decode(cat("0021", ipTcp()), 9));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK, decode(cat("ff03 0057", ip6Udp()), 9));
            assertEquals(6, out.ipVersion);
            assertEquals(DecodeStatus.OK, decode(cat("21", ipTcp()), 9));
            assertEquals(DecodeStatus.NON_IP, decode(cat("ff03 c021 01010004"), 9));
            assertEquals(DecodeStatus.OK, decode(cat("ff03 0021", ipTcp()), 50));
            assertEquals(DecodeStatus.OK, decode(cat("0f00 0800", ipTcp()), 50));
            assertEquals(DecodeStatus.OK, decode(cat("8f00 86dd", ip6Udp()), 104));
            assertEquals(6, out.ipVersion);
        }

        @Test
        void frameRelayCiscoAndNlpidEncapsulations() {
            assertEquals(DecodeStatus.OK, decode(cat("1861 0800", ipTcp()), 107));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK, decode(cat("1861 03cc", ipTcp()), 107));
            assertTcpSyn();
            assertEquals(DecodeStatus.OK, decode(cat("1861 03 00 8e", ip6Udp()), 107));
            assertEquals(6, out.ipVersion);
            assertEquals(DecodeStatus.OK, decode(cat("1861 03 80 000000 0800", ipTcp()), 107));
            assertEquals(DecodeStatus.NON_IP, decode(cat("1861 03 08 0000"), 107));
        }

        @Test
        void nflogPayloadTlvIsTheIpPacket() {
            byte[] ip = ipTcp();
            byte[] f = cat("02000028", "08000100 00000316", "05000a00 00000000", u16le(ip.length + 4), "0900", ip);
            assertEquals(DecodeStatus.OK, decode(f, 239));
            assertTcpSyn();
            assertEquals(DecodeStatus.NON_IP, decode(cat("02000028", "08000100 00000316"), 239));
            assertEquals(DecodeStatus.BAD_LINK, decode(cat("02000028", "02000100 00000316"), 239));
        }

        private byte[] u16le(int v) {
            return new byte[] {(byte) v, (byte) (v >>> 8)};
        }

        private final String wlanQosHeader = "8801 2c00 8a15149b5ae0 90724097b6f5 442b03aaab8d 1000 0600";

        @Test
        void ieee80211DataFrameWithLlcSnap() {
            assertEquals(DecodeStatus.OK, decode(cat(wlanQosHeader, "aaaa03 000000 0800", ipTcp()), 105));
            assertTcpSyn();
            // non-QoS data, four addresses
            assertEquals(DecodeStatus.OK, decode(cat("0803 0000", new byte[18], "0000", new byte[6],
                    "aaaa03 000000 86dd", ip6Udp()), 105));
            assertEquals(6, out.ipVersion);
        }

        @Test
        void ieee80211ManagementNullAndProtectedFramesAreNotIp() {
            assertEquals(DecodeStatus.NON_IP, decode(cat("8000 0000", new byte[40]), 105)); // beacon
            assertEquals(DecodeStatus.NON_IP, decode(cat("4801 0000", new byte[40]), 105)); // null data
            assertEquals(DecodeStatus.NON_IP, decode(cat("8841 0000", new byte[60]), 105)); // protected
        }

        @Test
        void radiotapHeaderIsSkipped() {
            byte[] f = cat("0000 0c00 00000000 00000000", wlanQosHeader, "aaaa03 000000 0800", ipTcp());
            assertEquals(DecodeStatus.OK, decode(f, 127));
            assertTcpSyn();
            assertEquals(DecodeStatus.BAD_LINK, decode(cat("0000 0400 00000000", wlanQosHeader), 127));
        }

        @Test
        void unknownLinkTypeIsUnsupported() {
            assertEquals(DecodeStatus.UNSUPPORTED_LINK_TYPE, decode(ipTcp(), 147));
            assertEquals(DecodeStatus.UNSUPPORTED_LINK_TYPE, decode(ipTcp(), -1));
        }
    }

    @Nested
    class NetworkAndTransport {
        @Test
        void icmpTypeAndCodeAreKeptAndPortsStayZero() {
            assertEquals(DecodeStatus.OK, decode(ipv4(1, "10.0.0.1", "10.0.0.2", icmp(8, 0)), 101));
            assertEquals("1 10.0.0.1:0 > 10.0.0.2:0", key());
            assertEquals(8, out.icmpType);
            assertEquals(0, out.icmpCode);
            assertEquals(DecodeStatus.OK, decode(ipv6(58, "fe80::1", "ff02::2", icmp(133, 0)), 101));
            assertEquals(133, out.icmpType);
            assertEquals(0, out.srcPort);
        }

        /** As Zeek's conn.log: orig_p is the type, resp_p the counterpart type, or the code when there is none. */
        @Test
        void icmpTypeInKeyGivesTheTypeAndItsReplyTypeOrTheCodeAsPorts() {
            decoder = new PacketDecoder(false, false, true);
            assertEquals(DecodeStatus.OK, decode(ipv4(1, "10.0.0.1", "10.0.0.2", icmp(8, 0)), 101));
            assertEquals("1 10.0.0.1:8 > 10.0.0.2:0", key(), "echo request");
            int request = out.flowHash;
            assertEquals(DecodeStatus.OK, decode(ipv4(1, "10.0.0.2", "10.0.0.1", icmp(0, 0)), 101));
            assertEquals("1 10.0.0.2:0 > 10.0.0.1:8", key(), "echo reply: the request's key reversed");
            assertEquals(request, out.flowHash, "both directions hash alike, so one worker sees both");
            assertEquals(DecodeStatus.OK, decode(ipv4(1, "10.0.0.2", "10.0.0.1", icmp(3, 3)), 101));
            assertEquals("1 10.0.0.2:3 > 10.0.0.1:3", key(), "port unreachable: no counterpart, the code");
            assertEquals(DecodeStatus.OK, decode(ipv4(1, "10.0.0.1", "10.0.0.2", icmp(13, 0)), 101));
            assertEquals("1 10.0.0.1:13 > 10.0.0.2:14", key(), "timestamp request");
            assertEquals(DecodeStatus.OK, decode(ipv6(58, "fe80::1", "ff02::1:ff00:2", icmp(135, 0)), 101));
            assertEquals("58 fe80::1:135 > ff02::1:ff00:2:136", key(), "neighbour solicitation");
            assertEquals(DecodeStatus.OK, decode(ipv6(58, "fe80::1", "ff02::16", icmp(143, 0)), 101));
            assertEquals("58 fe80::1:143 > ff02::16:0", key(), "MLDv2 report: no counterpart");
            assertEquals(DecodeStatus.OK, decode(ipv6(58, "2001:db8::1", "2001:db8::2", icmp(129, 0)), 101));
            assertEquals("58 2001:db8::1:129 > 2001:db8::2:128", key(), "echo reply");
            assertEquals(129, out.icmpType, "type and code stay available");
            assertEquals(0, out.icmpCode);
        }

        @Test
        void sctpHasPortsAndOtherProtocolsHaveNone() {
            assertEquals(DecodeStatus.OK, decode(ipv4(132, "10.0.0.1", "10.0.0.2", sctp(5000, 80)), 101));
            assertEquals("132 10.0.0.1:5000 > 10.0.0.2:80", key());
            assertEquals(DecodeStatus.OK, decode(ipv4(89, "10.0.0.1", "224.0.0.5", new byte[40]), 101));
            assertEquals("89 10.0.0.1:0 > 224.0.0.5:0", key());
        }

        @Test
        void badIpHeaders() {
            byte[] ip = ipTcp();
            ip[0] = 0x55; // version 5
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(ip, 101));
            ip = ipTcp();
            ip[0] = 0x44; // header length 16
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(ip, 101));
            ip = ipTcp();
            ip[3] = 19; // total length below the header
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(ip, 101));
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(eth(0x0800, ip6Udp()), 1));
            assertEquals(DecodeStatus.BAD_IP_HEADER, decode(eth(0x86dd, ipTcp()), 1));
        }

        @Test
        void truncatedHeadersHaveTheirOwnStatus() {
            byte[] f = Frames.ethTcp();
            assertEquals(DecodeStatus.TRUNCATED_LINK, decoder.decode(f, 0, 13, 1, out));
            assertEquals(DecodeStatus.TRUNCATED_IP, decoder.decode(f, 0, 14 + 19, 1, out));
            assertEquals(DecodeStatus.TRUNCATED_TRANSPORT, decoder.decode(f, 0, 14 + 20 + 13, 1, out));
            assertEquals(DecodeStatus.OK, decoder.decode(f, 0, 14 + 20 + 14, 1, out));
            byte[] withOptions = ipv4(17, "10.0.0.1", "10.0.0.2", 1, 0, new byte[8], udp(1, 2, new byte[0]));
            assertEquals(DecodeStatus.TRUNCATED_IP, decoder.decode(withOptions, 0, 24, 101, out));
            assertEquals(DecodeStatus.TRUNCATED_IP, decoder.decode(ip6Udp(), 0, 39, 101, out));
        }

        @Test
        void tcpDataOffsetBelowFiveWordsIsBad() {
            byte[] t = tcp(1, 2, 0x02, new byte[0]);
            t[12] = 0x40;
            assertEquals(DecodeStatus.BAD_TCP_HEADER, decode(ipv4(6, "10.0.0.1", "10.0.0.2", t), 101));
        }

        @Test
        void ipv6ExtensionChainIsWalkedToTheTransportHeader() {
            byte[] f = ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext6(60, 0), ext6(43, 1), ext6(6, 0),
                    tcp(1234, 443, 0x02, new byte[0])));
            assertEquals(DecodeStatus.OK, decode(f, 101));
            assertEquals("6 2001:db8::1:1234 > 2001:db8::2:443", key());
            assertEquals(0, out.payloadLength);
            // authentication header: length in 4-byte units minus 2
            byte[] ah = cat("11 04 0000", new byte[20]);
            assertEquals(DecodeStatus.OK, decode(ipv6(51, "2001:db8::1", "2001:db8::2", cat(ah, udp(1, 2,
                    new byte[0]))), 101));
            assertEquals("17 2001:db8::1:1 > 2001:db8::2:2", key());
        }

        @Test
        void espAndNoNextHeaderStopTheChain() {
            assertEquals(DecodeStatus.OK, decode(ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext6(50, 0),
                    new byte[40])), 101));
            assertEquals(50, out.protocol);
            assertEquals(0, out.srcPort);
            assertEquals(DecodeStatus.OK, decode(ipv6(59, "2001:db8::1", "2001:db8::2", new byte[0]), 101));
            assertEquals(59, out.protocol);
        }

        @Test
        void aChainLongerThanFollowedIsMeteredAsItsIpLayerAndCounted() {
            byte[] chain = new byte[0];
            for (int i = 0; i < PacketDecoder.MAX_IPV6_EXTENSIONS + 1; i++) {
                chain = cat(chain, ext6(i < PacketDecoder.MAX_IPV6_EXTENSIONS ? 60 : 17, 0));
            }
            byte[] packet = ipv6(60, "2001:db8::1", "2001:db8::2", cat(chain, udp(1, 2, new byte[4])));
            assertEquals(DecodeStatus.TOO_DEEP, decode(packet, 101));
            assertTrue(DecodeStatus.TOO_DEEP.metered());
            assertEquals("60 2001:db8::1:0 > 2001:db8::2:0", key(), "the header the decoder stopped at");
            assertEquals(packet.length, out.ipLength);
            assertEquals(8 + 4 + 8, out.payloadLength, "the last extension header and the UDP datagram");
            int hash = out.flowHash;
            decode(ipv6(60, "2001:db8::2", "2001:db8::1", cat(chain, udp(2, 1, new byte[4]))), 101);
            assertEquals(hash, out.flowHash, "both directions hash alike");
        }

        @Test
        void cutExtensionChainsAreBad() {
            byte[] cut = ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext6(17, 2), udp(1, 2, new byte[0])));
            assertEquals(DecodeStatus.BAD_IPV6_EXTENSION, decoder.decode(cut, 0, 40 + 20, 101, out));
        }
    }

    @Nested
    class Fragments {
        private byte[] v4(int id, int flagsOffset, byte[] payload) {
            return ipv4(17, "10.0.0.1", "10.0.0.2", id, flagsOffset, new byte[0], payload);
        }

        private final byte[] first = v4(7, 0x2000, udp(5000, 53, new byte[16]));
        private final byte[] middle = v4(7, 0x2000 | 3, new byte[24]);
        private final byte[] last = v4(7, 6, new byte[8]);

        @Test
        void laterFragmentsTakeThePortsOfTheFirst() {
            assertEquals(DecodeStatus.OK, decode(first, 101));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
            int hash = out.flowHash;
            // later fragments out of order among themselves
            assertEquals(DecodeStatus.OK, decode(last, 101));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
            assertEquals(hash, out.flowHash);
            assertEquals(28, out.ipLength);
            assertFalse(out.fragment);
            assertEquals(DecodeStatus.OK, decode(middle, 101));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
        }

        @Test
        void laterFragmentBeforeItsFirstHasNoPortsAndIsMarked() {
            assertEquals(DecodeStatus.OK, decode(last, 101));
            assertEquals("17 10.0.0.1:0 > 10.0.0.2:0", key());
            assertTrue(out.fragment);
            decode(first, 101);
            decode(middle, 101);
            assertEquals(5000, out.srcPort);
        }

        @Test
        void fragmentsOfAnotherDatagramDoNotMatch() {
            decode(first, 101);
            assertEquals(DecodeStatus.OK, decode(v4(8, 6, new byte[8]), 101));
            assertTrue(out.fragment);
            assertEquals(0, out.srcPort);
            assertEquals(DecodeStatus.OK, decode(ipv4(6, "10.0.0.1", "10.0.0.2", 7, 6, new byte[0],
                    new byte[8]), 101));
            assertTrue(out.fragment, "another protocol, same id");
        }

        @Test
        void cacheIsBoundedAndEvictsTheOldest() {
            decoder = new PacketDecoder(false, false, false, 1); // one set: FragmentCache.WAYS datagrams
            int n = FragmentCache.WAYS + 1;
            for (int id = 0; id < n; id++) {
                decode(v4(id, 0x2000, udp(1000 + id, 53, new byte[8])), 101);
            }
            decode(v4(0, 3, new byte[8]), 101);
            assertTrue(out.fragment, "the oldest first fragment was evicted");
            for (int id = 1; id < n; id++) {
                decode(v4(id, 3, new byte[8]), 101);
                assertEquals(1000 + id, out.srcPort, "datagram " + id);
            }
        }

        @Test
        void ipv6FragmentHeaderUsesTheSameCache() {
            byte[] f1 = ipv6(44, "2001:db8::1", "2001:db8::2", cat(frag6(6, 0, true, 99),
                    tcp(1234, 80, 0x18, new byte[32])));
            byte[] f2 = ipv6(44, "2001:db8::1", "2001:db8::2", cat(frag6(6, 7, false, 99), new byte[40]));
            assertEquals(DecodeStatus.OK, decode(f2, 101));
            assertTrue(out.fragment);
            assertEquals(6, out.protocol);
            assertEquals(DecodeStatus.OK, decode(f1, 101));
            assertEquals("6 2001:db8::1:1234 > 2001:db8::2:80", key());
            assertEquals(DecodeStatus.OK, decode(f2, 101));
            assertEquals("6 2001:db8::1:1234 > 2001:db8::2:80", key());
            assertEquals(0, out.tcpFlags);
            assertEquals(40, out.payloadLength);
        }

        @Test
        void atomicIpv6FragmentIsAnOrdinaryPacket() {
            byte[] f = ipv6(44, "2001:db8::1", "2001:db8::2", cat(frag6(17, 0, false, 5), udp(1, 2, new byte[0])));
            assertEquals(DecodeStatus.OK, decode(f, 101));
            assertEquals("17 2001:db8::1:1 > 2001:db8::2:2", key());
        }
    }

    @Nested
    class Tunnels {
        private final byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", tcp(1111, 22, 0x02, new byte[10]));

        private void assertInner() {
            assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
            assertEquals(0x02, out.tcpFlags);
            assertEquals(50, out.ipLength);
        }

        private byte[] outer(int proto, byte[] payload) {
            return eth(0x8100, cat(vlanTag(42, 0x0800), ipv4(proto, "10.0.0.1", "10.0.0.2", payload)));
        }

        @Test
        void greIsOpenedOnlyWhenTunnelsAreOn() {
            byte[] f = outer(47, cat("0000 0800", inner));
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertEquals("47 10.0.0.1:0 > 10.0.0.2:0", key());
            assertEquals(DecodeStatus.OK, decodeTunnels(f, 1));
            assertInner();
            assertEquals(42, out.vlan, "the outer VLAN stays");
        }

        @Test
        void greOptionalFieldsAreSkipped() {
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("b000 0800 00000000 00000001 00000002",
                    inner)), 1));
            assertInner();
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("2000 86dd 0000000a", ip6Udp())), 1));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        }

        @Test
        void greWithUnknownPayloadOrRoutingStaysTheOuterFlow() {
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("0000 88b5 0000")), 1));
            assertEquals("47 10.0.0.1:0 > 10.0.0.2:0", key());
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("4000 0800 00000000", inner)), 1));
            assertEquals(47, out.protocol);
        }

        @Test
        void greTransparentBridgingAndErspan() {
            byte[] innerEth = cat(eth(0x8100, cat(vlanTag(9, 0x0800), inner)));
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("0000 6558", innerEth)), 1));
            assertInner();
            assertEquals(42, out.vlan, "inner tags do not replace the outer VLAN");
            // ERSPAN type II: sequence number present, 8-byte ERSPAN header
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("1000 88be 00000001 10640001 00000000",
                    innerEth)), 1));
            assertInner();
            // ERSPAN type I: no sequence number, no ERSPAN header
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("0000 88be", innerEth)), 1));
            assertInner();
            // ERSPAN type III without and with the platform sub-header
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("1000 22eb 00000001",
                    "20640001 00000000 00000000", innerEth)), 1));
            assertInner();
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("1000 22eb 00000001",
                    "20640001 00000000 00000001 0000000000000000", innerEth)), 1));
            assertInner();
        }

        @Test
        void pptpEnhancedGreCarriesPpp() {
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("3081 880b 0036 0001 00000005 00000004",
                    "ff03 0021", inner)), 1));
            assertInner();
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(47, cat("3001 880b 0006 0001 00000005",
                    "ff03 c021 0101")), 1));
            assertEquals(47, out.protocol, "PPP control traffic stays the outer flow");
        }

        @Test
        void vxlanCarriesEthernet() {
            byte[] f = outer(17, udp(50000, 4789, cat("08000000 00007b00", eth(0x0800, inner))));
            assertEquals(DecodeStatus.OK, decode(f, 1));
            assertEquals("17 10.0.0.1:50000 > 10.0.0.2:4789", key());
            assertEquals(DecodeStatus.OK, decodeTunnels(f, 1));
            assertInner();
            assertEquals(DecodeStatus.NON_IP, decodeTunnels(outer(17, udp(50000, 4789, cat("08000000 00007b00",
                    eth(0x0806, new byte[28])))), 1));
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(50000, 4789, cat("00000000 00007b00",
                    eth(0x0800, inner)))), 1));
            assertEquals("17 10.0.0.1:50000 > 10.0.0.2:4789", key(), "without the I flag it is not VXLAN");
        }

        @Test
        void gtpUWithAndWithoutExtensionHeaders() {
            byte[] gpdu = cat("30ff", u16(inner.length), "00000001", inner);
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(2152, 2152, gpdu)), 1));
            assertInner();
            // E flag: sequence, N-PDU, next type 0x85 (PDU session container, 1 unit), then no more
            byte[] ext = cat("34ff", u16(inner.length + 8), "00000001", "0000 00 85", "01 0001 00", inner);
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(2152, 2152, ext)), 1));
            assertInner();
            byte[] v6 = ip6Udp();
            assertEquals(DecodeStatus.OK, decodeTunnels(eth(0x86dd, ipv6(17, "2001:db8:1::1", "2001:db8:1::2",
                    udp(2152, 2152, cat("30ff", u16(v6.length), "00000001", v6)))), 1));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
        }

        @Test
        void gtpSignallingStaysOuterAndBrokenExtensionsAreBad() {
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(2152, 2152, hex("32010004 00000000 00010000"))),
                    1));
            assertEquals("17 10.0.0.1:2152 > 10.0.0.2:2152", key());
            byte[] zeroLength = cat("34ff", u16(inner.length + 8), "00000001", "0000 00 85", "00 0001 00", inner);
            assertEquals(DecodeStatus.BAD_TUNNEL, decodeTunnels(outer(17, udp(2152, 2152, zeroLength)), 1));
        }

        @Test
        void teredoWithAuthenticationAndOriginIndications() {
            byte[] v6 = ipv6(6, "2001:0:4137:9e50:8000:f12a:b9c8:2815", "2001:4860:0:2001::68",
                    tcp(1286, 80, 0x02, new byte[0]));
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(3797, 3544, v6)), 1));
            assertEquals("6 2001:0:4137:9e50:8000:f12a:b9c8:2815:1286 > 2001:4860:0:2001::68:80", key());
            byte[] indications = cat("0001 0000 cd5669400b22df88 00", "0000 f12ab9c82815", v6);
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(3544, 3797, indications)), 1));
            assertEquals(6, out.protocol);
            assertEquals(1286, out.srcPort);
            // a relay on another port: recognised by the Teredo address
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(3797, 32900, v6)), 1));
            assertEquals(1286, out.srcPort);
        }

        @Test
        void udpThatOnlyLooksLikeTeredoStaysUdp() {
            byte[] plainV6 = ipv6(6, "2001:db8::1", "2001:db8::2", tcp(1, 2, 0x02, new byte[0]));
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(5000, 6000, plainV6)), 1));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:6000", key(), "no Teredo address off port 3544");
            byte[] wrongLength = cat(ipv6(6, "2001:0::1", "2001:db8::2", tcp(1, 2, 0x02, new byte[0])), "00");
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(3797, 3544, wrongLength)), 1));
            assertEquals(17, out.protocol);
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(17, udp(53, 3544, new byte[12])), 1));
            assertEquals(17, out.protocol);
        }

        @Test
        void ipInIpAndIpv6InIpv4() {
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(4, inner), 1));
            assertInner();
            assertEquals(DecodeStatus.OK, decodeTunnels(outer(41, ip6Udp()), 1));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
            assertEquals(DecodeStatus.OK, decodeTunnels(eth(0x86dd, ipv6(4, "2001:db8::1", "2001:db8::2", inner)),
                    1));
            assertInner();
            assertEquals(DecodeStatus.OK, decode(outer(4, inner), 1));
            assertEquals("4 10.0.0.1:0 > 10.0.0.2:0", key());
        }

        @Test
        void nestedTunnelsAreBounded() {
            byte[] p = inner;
            for (int i = 0; i < PacketDecoder.MAX_TUNNEL_DEPTH; i++) {
                p = ipv4(4, "10.9.0." + i, "10.9.1." + i, p);
            }
            assertEquals(DecodeStatus.OK, decodeTunnels(p, 101));
            assertInner();
            assertEquals(DecodeStatus.TOO_DEEP, decodeTunnels(ipv4(4, "10.9.9.9", "10.9.9.8", p), 101));
            // metered as the deepest layer decoded: the IP-in-IP packet that carries the tunnel not opened
            assertEquals("4 10.9.0.0:0 > 10.9.1.0:0", key());
            assertEquals(FlowHash.PROCESS.symmetric(out.srcHi, out.srcLo, out.dstHi, out.dstLo, 0, 0, 4, 0),
                    out.flowHash);
        }

        @Test
        void aVxlanTunnelTooDeepIsMeteredAsItsUdpFlow() {
            byte[] p = inner;
            for (int i = 0; i < PacketDecoder.MAX_TUNNEL_DEPTH; i++) {
                p = ipv4(4, "10.9.0." + i, "10.9.1." + i, p);
            }
            byte[] vxlan = cat(hex("0800 0000 0000 0100"), eth(0x0800, p));
            assertEquals(DecodeStatus.TOO_DEEP,
                    decodeTunnels(ipv4(17, "10.7.0.1", "10.7.0.2", udp(40000, 4789, vxlan)), 101));
            assertEquals("4 10.9.0.0:0 > 10.9.1.0:0", key(),
                    "VXLAN and three IP-in-IP levels opened, the innermost IP-in-IP not");
        }

        @Test
        void cutTunnelHeadersAreBad() {
            byte[] gre = outer(47, hex("b000 0800 0000"));
            assertEquals(DecodeStatus.BAD_TUNNEL, decodeTunnels(gre, 1));
            byte[] vx = outer(17, udp(50000, 4789, cat("08000000 00007b00", eth(0x0800, inner))));
            assertEquals(DecodeStatus.BAD_TUNNEL, tunnels.decode(vx, 0, 18 + 20 + 8 + 10, 1, out));
        }

        @Test
        void wireLengthIsLeftToTheCaller() {
            out.wireLength = 1514;
            out.capturedLength = 96;
            decodeTunnels(outer(4, inner), 1);
            assertEquals(1514, out.wireLength);
            assertEquals(96, out.capturedLength);
        }

        @Test
        void fragmentedOuterPacketsOfATunnelLandInTheInnerConversation() {
            byte[] gpdu = cat("30ff", u16(inner.length), "00000001", inner);
            byte[] whole = udp(2152, 2152, gpdu);
            // outer datagram split after 8 + 8 + 24 bytes (a multiple of 8): the inner IP header is cut
            byte[] part1 = java.util.Arrays.copyOfRange(whole, 0, 40);
            byte[] part2 = java.util.Arrays.copyOfRange(whole, 40, whole.length);
            byte[] f1 = ipv4(17, "10.0.0.1", "10.0.0.2", 77, 0x2000, new byte[0], part1);
            byte[] f2 = ipv4(17, "10.0.0.1", "10.0.0.2", 77, 5, new byte[0], part2);
            assertEquals(DecodeStatus.TRUNCATED_TRANSPORT, decodeTunnels(f1, 101),
                    "the inner TCP header is not in the first fragment");
            part1 = java.util.Arrays.copyOfRange(whole, 0, 64);
            part2 = java.util.Arrays.copyOfRange(whole, 64, whole.length);
            f1 = ipv4(17, "10.0.0.1", "10.0.0.2", 78, 0x2000, new byte[0], part1);
            f2 = ipv4(17, "10.0.0.1", "10.0.0.2", 78, 8, new byte[0], part2);
            assertEquals(DecodeStatus.OK, decodeTunnels(f1, 101));
            assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
            int firstPart = out.ipLength;
            assertEquals(64 - 16, firstPart, "inner bytes carried by the first fragment");
            assertEquals(DecodeStatus.OK, decodeTunnels(f2, 101));
            assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
            assertEquals(inner.length, firstPart + out.ipLength, "inner bytes counted once over the fragments");
        }
    }
}
