package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ext6;
import static io.flowtrace.testkit.frames.Frames.frag6;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.ipv6;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.core.IpFragments;
import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.LinkType;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The three fragment modes on hand-built IPv4 and IPv6 datagrams cut into fragments by this test (the ground truth
 * is the datagram before it was cut), and on the corpus's fragmented capture against tshark's count of its
 * fragments.
 */
class IpFragmentsTest {
    private static final long SECOND = 1_000_000_000L;
    private static final FlowHash SEEDED = new FlowHash(42);

    private PacketDecoder decoder = reassembling(IpReassembler.DEFAULT_MAX_DATAGRAMS, IpReassembler.DEFAULT_POOL_BYTES);
    private final DecodedPacket out = new DecodedPacket();

    private static PacketDecoder reassembling(int datagrams, int bytes) {
        return new PacketDecoder(PacketDecoder.ALL_TUNNELS, false, false, PacketDecoder.FRAGMENT_CACHE_SETS, SEEDED,
                IpFragments.REASSEMBLE, datagrams, bytes);
    }

    private DecodeStatus decode(byte[] ip, long time) {
        byte[] frame = eth(ip[0] >>> 4 == 6 ? 0x86dd : 0x0800, ip);
        return decoder.decode(frame, 0, frame.length, frame.length, time, LinkType.ETHERNET, out);
    }

    private String key() {
        return out.protocol + " " + IpText.format(out.ipVersion, out.srcHi, out.srcLo) + ":" + out.srcPort + " > "
                + IpText.format(out.ipVersion, out.dstHi, out.dstLo) + ":" + out.dstPort;
    }

    private IpReassembler reassembler() {
        return decoderIp().reassembler();
    }

    private IpDecoder decoderIp() {
        try {
            java.lang.reflect.Field f = PacketDecoder.class.getDeclaredField("ip");
            f.setAccessible(true);
            return (IpDecoder) f.get(decoder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The last reassembled datagram, as the decoder read it. */
    private byte[] reassembled() {
        IpReassembler r = reassembler();
        return Arrays.copyOf(r.result(), r.resultLength());
    }

    // ------------------------------------------------------------------ the test's own fragmenter

    /**
     * IPv4 fragments of {@code datagram} (no options, flags 0), its payload cut at the byte offsets {@code cuts}
     * (multiples of 8): each fragment the datagram's header with its length, MF and offset.
     */
    static byte[][] fragments4(byte[] datagram, int... cuts) {
        int ihl = (datagram[0] & 0x0f) * 4;
        int payload = datagram.length - ihl;
        byte[][] f = new byte[cuts.length + 1][];
        for (int i = 0; i <= cuts.length; i++) {
            int from = i == 0 ? 0 : cuts[i - 1];
            int to = i == cuts.length ? payload : cuts[i];
            byte[] g = new byte[ihl + to - from];
            System.arraycopy(datagram, 0, g, 0, ihl);
            System.arraycopy(datagram, ihl + from, g, ihl, to - from);
            g[2] = (byte) (g.length >>> 8);
            g[3] = (byte) g.length;
            int word = (i < cuts.length ? 0x2000 : 0) | from / 8;
            g[6] = (byte) (word >>> 8);
            g[7] = (byte) word;
            f[i] = g;
        }
        return f;
    }

    /**
     * IPv6 fragments of {@code datagram}: its first {@code unfragmentable} bytes repeated in each, the next-header
     * byte at {@code nextAt} naming a fragment header that holds the original next header, the rest cut at
     * {@code cuts}.
     */
    static byte[][] fragments6(byte[] datagram, int unfragmentable, int nextAt, int id, int... cuts) {
        int rest = datagram.length - unfragmentable;
        int next = datagram[nextAt] & 0xff;
        byte[][] f = new byte[cuts.length + 1][];
        for (int i = 0; i <= cuts.length; i++) {
            int from = i == 0 ? 0 : cuts[i - 1];
            int to = i == cuts.length ? rest : cuts[i];
            byte[] head = Arrays.copyOf(datagram, unfragmentable);
            head[nextAt] = 44;
            byte[] g = cat(head, frag6(next, from / 8, i < cuts.length, id),
                    Arrays.copyOfRange(datagram, unfragmentable + from, unfragmentable + to));
            int plen = g.length - 40;
            g[4] = (byte) (plen >>> 8);
            g[5] = (byte) plen;
            f[i] = g;
        }
        return f;
    }

    private static byte[] udp4(int id, int payload) {
        return ipv4(17, "10.0.0.1", "10.0.0.2", id, 0, new byte[0], udp(5000, 53, pattern(payload)));
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private static int ethLength(byte[]... ips) {
        int n = 0;
        for (byte[] ip : ips) {
            n += 14 + ip.length;
        }
        return n;
    }

    @Nested
    class Ipv4 {
        private final byte[] datagram = udp4(77, 3000);
        private final byte[][] f = fragments4(datagram, 1480, 2960);

        @Test
        void inOrderFragmentsGiveTheDatagramOnceWithItsWholeLength() {
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[0], 0));
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[1], 0));
            assertEquals(DecodeStatus.OK, decode(f[2], 0));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
            assertEquals(datagram.length, out.ipLength);
            assertEquals(3000, out.payloadLength);
            assertEquals(ethLength(f), out.wireLength, "the wire bytes of every frame that carried it");
            assertArrayEquals(datagram, reassembled());
            assertEquals(1, reassembler().reassembled());
            assertEquals(0, reassembler().inProgress());
            assertEquals(0, reassembler().bytesHeld());
        }

        @Test
        void outOfOrderFragmentsGiveTheSameDatagram() {
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[2], 0));
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[0], 0));
            assertEquals(DecodeStatus.OK, decode(f[1], 0));
            assertArrayEquals(datagram, reassembled());
        }

        @Test
        void anExactDuplicateIsDroppedAndTheDatagramKept() {
            decode(f[0], 0);
            assertEquals(DecodeStatus.FRAGMENT_DUPLICATE, decode(f[0], 0));
            decode(f[2], 0);
            assertEquals(DecodeStatus.FRAGMENT_DUPLICATE, decode(f[2], 0));
            assertEquals(DecodeStatus.OK, decode(f[1], 0));
            assertArrayEquals(datagram, reassembled());
            assertEquals(ethLength(f), out.wireLength, "duplicates add no bytes");
        }

        @Test
        void anOverlapDropsTheWholeDatagram() {
            byte[][] other = fragments4(datagram, 1472, 2960); // [1472, 2960) overlaps [0, 1480)
            decode(f[0], 0);
            assertEquals(DecodeStatus.FRAGMENT_OVERLAP, decode(other[1], 0));
            assertEquals(1, reassembler().dropped());
            assertEquals(0, reassembler().inProgress());
            // what is left of it no longer completes: a new datagram starts without its first part
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[1], 0));
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[2], 0));
            assertEquals(0, reassembler().reassembled());
        }

        @Test
        void aMissingPieceTimesOutAfter30SecondsOfPacketTime() {
            decode(f[0], 0);
            decode(f[2], 0);
            assertEquals(DecodeStatus.OK, decode(f[1], 30 * SECOND - 1), "just before the timeout");
            decode(f[0], 100 * SECOND);
            decode(f[2], 100 * SECOND);
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[1], 130 * SECOND), "at the timeout: a new datagram");
            assertEquals(1, reassembler().timedOut());
            assertEquals(1, reassembler().reassembled());
        }

        @Test
        void fragmentsOfOtherDatagramsDoNotMix() {
            byte[][] g = fragments4(udp4(78, 3000), 1480, 2960);
            byte[][] tcpSameId = fragments4(ipv4(6, "10.0.0.1", "10.0.0.2", 77, 0, new byte[0],
                    tcp(1, 2, 0x18, pattern(2000))), 1480);
            decode(f[0], 0);
            decode(g[0], 0);
            decode(tcpSameId[0], 0);
            decode(g[2], 0);
            decode(f[2], 0);
            assertEquals(DecodeStatus.OK, decode(tcpSameId[1], 0), "same id, another protocol");
            assertEquals("6 10.0.0.1:1 > 10.0.0.2:2", key());
            assertEquals(DecodeStatus.OK, decode(g[1], 0));
            assertArrayEquals(udp4(78, 3000), reassembled());
            assertEquals(DecodeStatus.OK, decode(f[1], 0));
            assertArrayEquals(datagram, reassembled());
        }

        @Test
        void invalidFragmentsDropTheirDatagram() {
            byte[][] odd = fragments4(datagram, 1481); // a non-last fragment of 1,481 bytes
            assertEquals(DecodeStatus.FRAGMENT_INVALID, decode(odd[0], 0));
            // the last fragment says 3,008 bytes; a later one says more
            decode(f[2], 0);
            byte[] beyond = fragments4(udp4(77, 4000), 2960, 3480)[1];
            assertEquals(DecodeStatus.FRAGMENT_INVALID, decode(beyond, 0));
            assertEquals(0, reassembler().inProgress());
            // a fragment whose end is past 65,535 bytes (the ping of death)
            byte[] big = fragments4(udp4(79, 1000), 8)[1];
            big[6] = 0x1f; // offset 65,528 + 1,000 bytes
            big[7] = (byte) 0xff;
            assertEquals(DecodeStatus.FRAGMENT_INVALID, decode(big, 0));
        }

        @Test
        void aFragmentCutShortByTheSnapLengthIsNotReassembled() {
            byte[] frame = eth(0x0800, f[1]);
            assertEquals(DecodeStatus.FRAGMENT_TRUNCATED,
                    decoder.decode(frame, 0, 200, frame.length, 0, LinkType.ETHERNET, out));
            byte[] first = eth(0x0800, f[0]);
            assertEquals(DecodeStatus.OK, decoder.decode(first, 0, 200, first.length, 0, LinkType.ETHERNET, out),
                    "a first fragment cut short is metered as it is, its ports read");
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
        }

        @Test
        void aTunnelSplitIntoFragmentsIsDecodedWhole() {
            byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", 9, 0, new byte[0],
                    tcp(1111, 22, 0x18, pattern(2400)));
            byte[] gre = ipv4(47, "10.0.0.1", "10.0.0.2", 5, 0, new byte[0], cat("0000 0800", inner));
            byte[][] g = fragments4(gre, 1480);
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(g[0], 0));
            assertEquals(DecodeStatus.OK, decode(g[1], 0));
            assertEquals("6 192.168.1.1:1111 > 192.168.1.2:22", key());
            assertEquals(inner.length, out.ipLength);
            assertEquals(2400, out.payloadLength);
        }

        @Test
        void fragmentsInsideATunnelAreReassembledToo() {
            byte[] inner = udp4(31, 2000);
            byte[][] innerFragments = fragments4(inner, 1000);
            decode(ipv4(47, "10.0.0.1", "10.0.0.2", 1, 0, new byte[0], cat("0000 0800", innerFragments[0])), 0);
            assertEquals(DecodeStatus.OK, decode(ipv4(47, "10.0.0.1", "10.0.0.2", 2, 0, new byte[0],
                    cat("0000 0800", innerFragments[1])), 0));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
            assertEquals(inner.length, out.ipLength);
        }
    }

    @Nested
    class Ipv6 {
        private final byte[] datagram = ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext6(17, 0),
                udp(5353, 53, pattern(3000))));
        /** Unfragmentable part: the fixed header and the hop-by-hop header, whose next header names the fragment. */
        private final byte[][] f = fragments6(datagram, 48, 40, 0x01020304, 1448, 2896);

        @Test
        void fragmentsGiveTheDatagramWithItsHeaderChain() {
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[1], 0));
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[2], 0));
            assertEquals(DecodeStatus.OK, decode(f[0], 0));
            assertEquals("17 2001:db8::1:5353 > 2001:db8::2:53", key());
            assertEquals(datagram.length, out.ipLength);
            assertArrayEquals(datagram, reassembled());
        }

        @Test
        void withoutExtensionHeaders() {
            byte[] plain = ipv6(17, "2001:db8::1", "2001:db8::2", udp(1, 2, pattern(2000)));
            byte[][] g = fragments6(plain, 40, 6, 9, 1232);
            decode(g[0], 0);
            assertEquals(DecodeStatus.OK, decode(g[1], 0));
            assertArrayEquals(plain, reassembled());
        }

        @Test
        void overlapDropsTheDatagramAsRfc5722Asks() {
            byte[][] other = fragments6(datagram, 48, 40, 0x01020304, 1440, 2896);
            decode(f[0], 0);
            assertEquals(DecodeStatus.FRAGMENT_DUPLICATE, decode(f[0], 0));
            assertEquals(DecodeStatus.FRAGMENT_OVERLAP, decode(other[1], 0));
            decode(f[1], 0);
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[2], 0));
        }

        @Test
        void timeoutIs60Seconds() {
            decode(f[0], 0);
            decode(f[1], 0);
            assertEquals(DecodeStatus.OK, decode(f[2], 60 * SECOND - 1));
            decode(f[0], 100 * SECOND);
            decode(f[1], 100 * SECOND);
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[2], 160 * SECOND));
            assertEquals(1, reassembler().timedOut());
        }
    }

    @Nested
    class Bounds {
        @Test
        void aFloodOfUnfinishedDatagramsEvictsTheOldestWithinTheDatagramBound() {
            decoder = reassembling(8, IpReassembler.DEFAULT_POOL_BYTES);
            byte[][] victim = fragments4(udp4(1, 3000), 1480);
            decode(victim[0], 0);
            for (int id = 2; id < 2 + 100; id++) {
                decode(fragments4(udp4(id, 3000), 1480)[0], 0);
                assertTrue(reassembler().inProgress() <= 8);
            }
            assertEquals(93, reassembler().evicted(), "101 datagrams started, 8 kept");
            assertEquals(DecodeStatus.FRAGMENT_HELD, decode(victim[1], 0), "the oldest was evicted");
            assertEquals(DecodeStatus.OK, decode(fragments4(udp4(101, 3000), 1480)[1], 0), "a recent one completes");
        }

        @Test
        void aFloodOfUnfinishedDatagramsStaysWithinTheByteBound() {
            int pool = 64 << 10;
            decoder = reassembling(1024, pool);
            for (int id = 0; id < 500; id++) {
                // each holds 1,480 bytes: two 1 KiB blocks
                decode(fragments4(udp4(id, 3000), 1480)[0], 0);
                assertTrue(reassembler().bytesHeld() <= pool, "bytes held: " + reassembler().bytesHeld());
            }
            assertEquals(32, reassembler().inProgress());
            assertEquals(500 - 32, reassembler().evicted());
            assertEquals(DecodeStatus.OK, decode(fragments4(udp4(499, 3000), 1480)[1], 0));
        }

        @Test
        void randomHostileFragmentsStayWithinTheBoundsAndNeverThrow() {
            int pool = 64 << 10;
            decoder = reassembling(8, pool);
            java.util.SplittableRandom r = new java.util.SplittableRandom(2024);
            long complete = 0;
            for (int i = 0; i < 30_000; i++) {
                int length = r.nextInt(10) == 0 ? r.nextInt(1, 1600) : 8 * r.nextInt(1, 4);
                int offset8 = r.nextInt(10) == 0 ? r.nextInt(8192) : r.nextInt(4);
                boolean more = r.nextBoolean();
                int id = r.nextInt(4);
                byte[] ip;
                if (r.nextBoolean()) {
                    ip = ipv4(r.nextInt(3) == 0 ? 6 : 17, "10.0.0.1", "10.0.0." + (1 + r.nextInt(3)), id,
                            (more ? 0x2000 : 0) | offset8, new byte[0], pattern(length));
                } else {
                    ip = ipv6(r.nextInt(3) == 0 ? 0 : 44, "2001:db8::1", "2001:db8::2", cat(
                            r.nextInt(3) == 0 ? ext6(44, 0) : new byte[0], frag6(17, offset8, more, id),
                            pattern(length)));
                }
                if (r.nextInt(10) == 0) {
                    ip[2 + r.nextInt(6)] ^= (byte) (1 << r.nextInt(8)); // a damaged length or flags
                }
                DecodeStatus st = decode(ip, i * 1_000_000L);
                assertTrue(reassembler().inProgress() <= 8);
                assertTrue(reassembler().bytesHeld() <= pool);
                if (st == DecodeStatus.OK && reassembler().reassembled() > complete) {
                    complete = reassembler().reassembled();
                    assertTrue(reassembler().resultLength() <= IpReassembler.MAX_DATAGRAM);
                }
            }
            assertTrue(complete > 0, "some random datagrams completed");
        }

        @Test
        void tooManyFragmentsDropTheDatagram() {
            int[] cuts = new int[IpReassembler.MAX_FRAGMENTS];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = 8 * (i + 1);
            }
            byte[][] f = fragments4(udp4(3, 1000), cuts);
            for (int i = 0; i < IpReassembler.MAX_FRAGMENTS; i++) {
                assertEquals(DecodeStatus.FRAGMENT_HELD, decode(f[i], 0));
            }
            assertEquals(DecodeStatus.FRAGMENT_INVALID, decode(f[IpReassembler.MAX_FRAGMENTS], 0));
            assertEquals(0, reassembler().inProgress());
        }

        @Test
        void reassemblyAllocatesNothingPerPacket() throws ReflectiveOperationException {
            byte[][] frames4 = new byte[3][];
            byte[][] f4 = fragments4(udp4(5, 3000), 1480, 2960);
            for (int i = 0; i < 3; i++) {
                frames4[i] = eth(0x0800, f4[i]);
            }
            byte[] ipv6 = ipv6(17, "2001:db8::1", "2001:db8::2", udp(1, 2, pattern(2000)));
            byte[][] f6 = fragments6(ipv6, 40, 6, 9, 1232);
            byte[][] frames6 = {eth(0x86dd, f6[1]), eth(0x86dd, f6[0])};
            Runnable round = () -> {
                for (byte[] fr : frames4) {
                    decoder.decode(fr, 0, fr.length, fr.length, 0, LinkType.ETHERNET, out);
                }
                for (byte[] fr : frames6) {
                    decoder.decode(fr, 0, fr.length, fr.length, 0, LinkType.ETHERNET, out);
                }
            };
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            long done = reassembler().reassembled();
            long before = allocatedByThisThread();
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            long allocated = allocatedByThisThread() - before;
            assertEquals(40_000, reassembler().reassembled() - done);
            assertTrue(allocated < 4096, "bytes allocated for 100,000 fragments: " + allocated);
        }
    }

    @Nested
    class FirstOnly {
        private final PacketDecoder firstOnly = new PacketDecoder(true, false, false, IpFragments.FIRST_ONLY);

        private DecodeStatus decodeFirstOnly(byte[] ip) {
            byte[] frame = eth(ip[0] >>> 4 == 6 ? 0x86dd : 0x0800, ip);
            return firstOnly.decode(frame, 0, frame.length, frame.length, 0, LinkType.ETHERNET, out);
        }

        @Test
        void theFirstFragmentIsMeteredAsItIsAndLaterOnesAreSkipped() {
            byte[][] f = fragments4(udp4(8, 3000), 1480, 2960);
            assertEquals(DecodeStatus.FRAGMENT_SKIPPED, decodeFirstOnly(f[2]));
            assertEquals(DecodeStatus.OK, decodeFirstOnly(f[0]));
            assertEquals("17 10.0.0.1:5000 > 10.0.0.2:53", key());
            assertEquals(f[0].length, out.ipLength, "the fragment's own length");
            assertEquals(DecodeStatus.FRAGMENT_SKIPPED, decodeFirstOnly(f[1]));
        }

        @Test
        void ipv6LikeIpv4() {
            byte[] d = ipv6(17, "2001:db8::1", "2001:db8::2", udp(1, 2, pattern(2000)));
            byte[][] f = fragments6(d, 40, 6, 9, 1232);
            assertEquals(DecodeStatus.OK, decodeFirstOnly(f[0]));
            assertEquals("17 2001:db8::1:1 > 2001:db8::2:2", key());
            assertEquals(f[0].length, out.ipLength);
            assertEquals(DecodeStatus.FRAGMENT_SKIPPED, decodeFirstOnly(f[1]));
        }
    }

    /** Each mode through the pipeline: one UDP datagram in three fragments, then one unfragmented packet back. */
    @Test
    void eachModeCountsThePacketsBytesAndFragmentsOfAFlow() {
        byte[] datagram = udp4(40, 3000);
        byte[][] f = fragments4(datagram, 1480, 2960);
        byte[] reply = ipv4(17, "10.0.0.2", "10.0.0.1", 41, 0, new byte[0], udp(53, 5000, pattern(100)));
        Map<IpFragments, io.flowtrace.core.FlowEvent> events = new EnumMap<>(IpFragments.class);
        Map<IpFragments, io.flowtrace.core.FlowStats> stats = new EnumMap<>(IpFragments.class);
        for (IpFragments mode : IpFragments.values()) {
            io.flowtrace.core.testing.ListSource src = new io.flowtrace.core.testing.ListSource();
            src.add(SECOND, eth(0x0800, f[0])).add(SECOND, eth(0x0800, f[2])).add(SECOND, eth(0x0800, f[1]))
                    .add(2 * SECOND, eth(0x0800, reply));
            java.util.List<io.flowtrace.core.FlowEvent> out = new java.util.ArrayList<>();
            stats.put(mode, io.flowtrace.core.FlowTrace.builder().source(src).ipFragments(mode).workers(2)
                    .onEvent(out::add).build().run());
            assertEquals(1, out.size(), mode + ": " + out);
            events.put(mode, out.get(0));
        }
        int replyWire = 14 + reply.length;
        io.flowtrace.core.FlowEvent join = events.get(IpFragments.JOIN);
        assertEquals(4, join.packetCount());
        assertEquals(ethLength(f) + replyWire, join.byteCount());
        assertEquals(Map.of(), stats.get(IpFragments.JOIN).fragments());

        io.flowtrace.core.FlowEvent firstOnly = events.get(IpFragments.FIRST_ONLY);
        assertEquals(2, firstOnly.packetCount());
        assertEquals(ethLength(f[0]) + replyWire, firstOnly.byteCount());
        assertEquals(f[0].length + reply.length, firstOnly.ipByteCount());
        assertEquals(Map.of("fragment_skipped", 2L), stats.get(IpFragments.FIRST_ONLY).fragments());
        assertEquals(2, stats.get(IpFragments.FIRST_ONLY).packetsDecoded());

        io.flowtrace.core.FlowEvent whole = events.get(IpFragments.REASSEMBLE);
        assertEquals(2, whole.packetCount());
        assertEquals(ethLength(f) + replyWire, whole.byteCount(), "every frame's wire bytes");
        assertEquals(datagram.length + reply.length, whole.ipByteCount(), "the datagram's IP length, once");
        assertEquals(Map.of("fragment_held", 2L, "datagram_reassembled", 1L),
                stats.get(IpFragments.REASSEMBLE).fragments());
        assertEquals(4, stats.get(IpFragments.REASSEMBLE).packetsRead());
    }

    /**
     * The corpus's GTP capture: 108 frames, 40 of them first fragments of an outer GTP-U datagram (offset 0, more
     * fragments) and 36 later fragments, which complete 36 datagrams (tshark: {@code ip.flags.mf==1 and
     * ip.frag_offset==0}, {@code ip.frag_offset>0} with reassembly off, and the frames it reassembles with it on);
     * Zeek's conn.log gives the inner conversation 68 packets.
     */
    @Test
    void fragmentedGtpCaptureCountsAsTsharkAndZeekDo() throws Exception {
        Path f = Path.of(System.getProperty("flowtrace.root", ".")).resolve(
                "../shared/corpus/zeek/tunnels_gtp_gtp1_gn_normal_incl_fragmentation.pcap").normalize();
        Map<IpFragments, Map<DecodeStatus, Long>> byMode = new EnumMap<>(IpFragments.class);
        Map<IpFragments, Long> inner = new EnumMap<>(IpFragments.class);
        for (IpFragments mode : IpFragments.values()) {
            PacketDecoder d = new PacketDecoder(true, false, false, mode);
            Map<DecodeStatus, Long> counts = new EnumMap<>(DecodeStatus.class);
            long[] innerPackets = {0};
            PacketDecoderCorpusTest.PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) -> {
                DecodeStatus s = d.decode(b, off, capLen, wireLen, 0, linkType, out);
                counts.merge(s, 1L, Long::sum);
                if (s == DecodeStatus.OK && out.srcPort + out.dstPort == 1923 + 80) {
                    innerPackets[0]++;
                }
            });
            byMode.put(mode, counts);
            inner.put(mode, innerPackets[0]);
        }
        assertEquals(Map.of(DecodeStatus.OK, 108L), byMode.get(IpFragments.JOIN));
        assertEquals(Map.of(DecodeStatus.OK, 72L, DecodeStatus.FRAGMENT_SKIPPED, 36L),
                byMode.get(IpFragments.FIRST_ONLY));
        assertEquals(Map.of(DecodeStatus.OK, 68L, DecodeStatus.FRAGMENT_HELD, 40L), byMode.get(IpFragments.REASSEMBLE));
        assertEquals(68L, inner.get(IpFragments.REASSEMBLE), "Zeek's orig_pkts + resp_pkts");
        Map<String, Long> counters = new LinkedHashMap<>();
        PacketDecoder d = new PacketDecoder(true, false, false, IpFragments.REASSEMBLE);
        PacketDecoderCorpusTest.PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) ->
                d.decode(b, off, capLen, wireLen, 0, linkType, out));
        d.reassemblyCounters(counters);
        assertEquals(36L, counters.get("datagram_reassembled"));
    }

    /** Bytes allocated so far by the calling thread (HotSpot's ThreadMXBean extension), reached reflectively. */
    private static long allocatedByThisThread() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        return (Long) m.invoke(bean);
    }
}
