package io.flowtrace.capture;

import io.flowtrace.testkit.frames.CaptureFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.testkit.frames.CaptureFiles.Pcap;
import io.flowtrace.testkit.frames.CaptureFiles.Pcapng;
import io.flowtrace.core.CaptureFileException;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcapFileSourceTest {
    private static final long T = 1_700_000_000L; // 2023-11-14, seconds
    private static final long NANOS = 1_000_000_000L;

    @TempDir
    Path dir;

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private Recorder read(Path file) throws IOException {
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(r);
        }
        return r;
    }

    private Recorder read(String name, byte[] content) throws IOException {
        return read(write(name, content));
    }

    /** Reads a damaged file: returns the exception and keeps the packets handed on before it. */
    private CaptureFileException readDamaged(String name, byte[] content, Recorder into) throws IOException {
        Path file = write(name, content);
        try (PcapFileSource source = PcapFileSource.open(file)) {
            CaptureFileException e = assertThrows(CaptureFileException.class, () -> source.run(into));
            assertEquals(file.toString(), e.file());
            assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
            assertTrue(e.getMessage().endsWith("at byte offset " + e.offset()), e.getMessage());
            return e;
        }
    }

    // ------------------------------------------------------------------------------------------------ pcap

    @ParameterizedTest(name = "{0} endian, nanoseconds={1}")
    @CsvSource({"little,false", "little,true", "big,false", "big,true"})
    void pcapInEitherByteOrderAndResolutionGivesEpochNanos(String endian, boolean nanos) throws IOException {
        ByteOrder order = endian.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Pcap pcap = new Pcap(order, nanos, 1, 65535)
                .packet(T, nanos ? 123_456_789 : 123_456, CaptureFiles.frame(60, 1))
                .packet(T + 1, nanos ? 5 : 999_999, CaptureFiles.frame(1514, 2), 1514)
                .packet(T + 2, 0, CaptureFiles.frame(64, 3), 9000);

        Recorder r = read("variant.pcap", pcap.toByteArray());

        assertEquals(3, r.size());
        assertEquals(T * NANOS + (nanos ? 123_456_789 : 123_456_000), r.get(0).timestampNanos());
        assertEquals((T + 1) * NANOS + (nanos ? 5 : 999_999_000), r.get(1).timestampNanos());
        assertEquals((T + 2) * NANOS, r.get(2).timestampNanos());
        assertArrayEquals(CaptureFiles.frame(1514, 2), r.get(1).data());
        assertEquals(9000, r.get(2).wireLength());
        for (Recorder.Packet p : r.packets) {
            assertEquals(1, p.linkType());
            assertEquals(0, p.interfaceIndex());
        }
    }

    @ParameterizedTest(name = "link-type field 0x{0} is link type {1}")
    @CsvSource({"00000001,1", "f4000001,1", "10000071,113", "04000065,101"})
    void fcsBitsInTheLinkTypeFieldAreMaskedAway(String field, int expected) throws IOException {
        Pcap pcap = new Pcap(ByteOrder.BIG_ENDIAN, false, Long.parseLong(field, 16), 262144)
                .packet(T, 0, CaptureFiles.frame(20, 0));
        assertEquals(expected, read("fcs.pcap", pcap.toByteArray()).get(0).linkType());
    }

    @Test
    void timestampFieldsAreUnsignedThirtyTwoBitSeconds() throws IOException {
        long late = 0xF000_0000L; // 2097: negative as a signed int
        Pcap pcap = Pcap.ethernet().packet(late, 1, CaptureFiles.frame(14, 0));
        assertEquals(late * NANOS + 1000, read("late.pcap", pcap.toByteArray()).get(0).timestampNanos());
    }

    @Test
    void modifiedPcapWithTwentyFourByteRecordsIsRead() throws IOException {
        // the patched-libpcap variant (magic 0xa1b2cd34): each record header has 8 more bytes (ifindex, protocol...)
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + 2 * (24 + 30)).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b2cd34).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < 2; i++) {
            b.putInt((int) T + i).putInt(10).putInt(30).putInt(60).putInt(7).putShort((short) 8).put((byte) 0)
                    .put((byte) 0).put(CaptureFiles.frame(30, i));
        }
        Recorder r = read("modified.pcap", b.array());
        assertEquals(2, r.size());
        assertPacket(r.get(1), (T + 1) * NANOS + 10_000, 1, 0, CaptureFiles.frame(30, 1), 60);
    }

    @Test
    void headerOnlyFileEndsNormallyWithNoPackets() throws IOException {
        assertEquals(0, read("empty.pcap", Pcap.ethernet().toByteArray()).size());
    }

    // ---------------------------------------------------------------------------------------------- pcapng

    @Test
    void pcapngSectionsInBothByteOrdersWithInterfacesOfTheirOwnLinkTypeAndResolution() throws IOException {
        Pcapng ng = new Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(1, 0, "eth0", -1, null)                 // default: microseconds
                .other(4, 20)                                   // name resolution block
                .iface(113, 0, "any", 9, null)                  // nanoseconds
                .iface(101, 0, null, 0x80 | 20, 100L)           // 2^-20 s, offset 100 s
                .epb(0, T * 1_000_000 + 123_456, CaptureFiles.frame(60, 0))
                .epb(1, T * NANOS + 5, CaptureFiles.frame(61, 1), 1500)
                .other(5, 24)                                   // interface statistics block
                .epb(2, (T << 20) | (1 << 19), CaptureFiles.frame(40, 2))
                .spb(CaptureFiles.frame(42, 3), 42)
                .pb(1, T * NANOS + 7, CaptureFiles.frame(43, 4))
                .other(0x40000bad, 3)                          // custom block, odd length padded
                .section(ByteOrder.BIG_ENDIAN)
                .iface(1, 0, "wan0", 3, null)                   // milliseconds
                .iface(1, 0, null, 12, null)                    // picoseconds
                .epb(0, T * 1000 + 7, CaptureFiles.frame(44, 5))
                .epb(1, 1_000_000L * 1_000_000_000_000L + 3000, CaptureFiles.frame(45, 6));

        Path file = write("multi.pcapng", ng.toByteArray());
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(r);
            assertEquals("eth0", source.interfaceName(0));
            assertEquals("any", source.interfaceName(1));
            assertNull(source.interfaceName(2));
            assertEquals("wan0", source.interfaceName(3));
            assertNull(source.interfaceName(4));
            assertEquals(2L, source.counters().get("sections"));
            assertEquals(5L, source.counters().get("interfaces"));
            assertEquals(3L, source.counters().get("blocks_skipped"));
            assertEquals(7L, source.counters().get("packets_read"));
        }

        assertEquals(7, r.size());
        assertPacket(r.get(0), T * NANOS + 123_456_000, 1, 0, CaptureFiles.frame(60, 0), 60);
        assertPacket(r.get(1), T * NANOS + 5, 113, 1, CaptureFiles.frame(61, 1), 1500);
        assertPacket(r.get(2), (T + 100) * NANOS + 500_000_000, 101, 2, CaptureFiles.frame(40, 2), 40);
        // a simple packet block has no time of its own: it keeps the previous packet's
        assertPacket(r.get(3), (T + 100) * NANOS + 500_000_000, 1, 0, CaptureFiles.frame(42, 3), 42);
        assertPacket(r.get(4), T * NANOS + 7, 113, 1, CaptureFiles.frame(43, 4), 43);
        assertPacket(r.get(5), T * NANOS + 7_000_000, 1, 3, CaptureFiles.frame(44, 5), 44);
        assertPacket(r.get(6), 1_000_000L * NANOS + 3, 1, 4, CaptureFiles.frame(45, 6), 45);
    }

    private static void assertPacket(Recorder.Packet p, long ts, int linkType, int iface, byte[] data, int wire) {
        assertEquals(ts, p.timestampNanos(), "timestamp of " + p);
        assertEquals(linkType, p.linkType(), "link type of " + p);
        assertEquals(iface, p.interfaceIndex(), "interface of " + p);
        assertArrayEquals(data, p.data(), "data of " + p);
        assertEquals(wire, p.wireLength(), "wire length of " + p);
    }

    @ParameterizedTest(name = "if_tsresol 0x{0}")
    @CsvSource({
        "00,1700000000,1700000000000000000",
        "06,1700000000123456,1700000000123456000",
        "09,1700000000123456789,1700000000123456789",
        "0a,17000000001234567891,1700000000123456789",
        "80,1700000000,1700000000000000000",
        "88,435200000128,1700000000500000000",
        "a0,7301444403200000000,1700000000000000000"})
    void timestampResolutionInPowersOfTenAndTwo(String tsresol, String units, long expectedNanos)
            throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN)
                .iface(1, 0, null, Integer.parseInt(tsresol, 16), null)
                .epb(0, Long.parseUnsignedLong(units), CaptureFiles.frame(14, 0));
        assertEquals(expectedNanos, read("res.pcapng", ng.toByteArray()).get(0).timestampNanos());
    }

    @Test
    void manyInterfacesKeepTheirOwnLinkTypeAndName() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 40; i++) {
            ng.iface(100 + i, 0, "if" + i, -1, null);
        }
        ng.epb(39, 1, CaptureFiles.frame(20, 0)).epb(7, 2, CaptureFiles.frame(20, 1));
        Path file = write("forty.pcapng", ng.toByteArray());
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(r);
            assertEquals("if39", source.interfaceName(39));
            assertEquals("if7", source.interfaceName(7));
            assertNull(source.interfaceName(40));
            assertNull(source.interfaceName(-1));
        }
        assertEquals(139, r.get(0).linkType());
        assertEquals(39, r.get(0).interfaceIndex());
        assertEquals(107, r.get(1).linkType());
    }

    @Test
    void blocksLongerThanTheBufferAreReadThrough() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1)
                .epb(0, 1, CaptureFiles.frame(60, 0))
                .other(0x40000bad, 3 * CaptureFileReader.DEFAULT_BUFFER_SIZE + 5)
                .epb(0, 2, CaptureFiles.frame(61, 1));
        Recorder r = read("long-block.pcapng", ng.toByteArray());
        assertEquals(2, r.size());
        assertArrayEquals(CaptureFiles.frame(61, 1), r.get(1).data());
    }

    @Test
    void simplePacketBlockIsCutToTheInterfaceSnaplen() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.BIG_ENDIAN)
                .iface(1, 64, null, -1, null)
                .epb(0, T * 1_000_000, CaptureFiles.frame(64, 0), 100)
                .spb(CaptureFiles.frame(64, 1), 100);
        Recorder r = read("spb.pcapng", ng.toByteArray());
        assertEquals(2, r.size());
        assertPacket(r.get(1), T * NANOS, 1, 0, CaptureFiles.frame(64, 1), 100);
    }

    // ------------------------------------------------------------------------------------------------ gzip

    @Test
    void gzipIsToldByItsMagicNotItsNameAndConcatenatedMembersAreOneStream() throws IOException {
        Pcap pcap = Pcap.ethernet();
        for (int i = 0; i < 200; i++) {
            pcap.packet(T + i, i, CaptureFiles.frame(60 + i, i));
        }
        byte[] plain = pcap.toByteArray();
        Recorder expected = read("plain.pcap", plain);

        Path gz = write("looks-plain.pcap", CaptureFiles.gzip(plain, 3));
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(gz)) {
            source.run(r);
            assertEquals((long) plain.length, source.counters().get("bytes_read"));
        }
        assertSame(expected, r);
    }

    @Test
    void gzipPcapngReadsLikeThePlainFile() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.BIG_ENDIAN).iface(1, 0, "eth0", 9, null);
        for (int i = 0; i < 100; i++) {
            ng.epb(0, T * NANOS + i, CaptureFiles.frame(i, i));
        }
        byte[] plain = ng.toByteArray();
        assertSame(read("a.pcapng", plain), read("a.pcapng.gz", CaptureFiles.gzip(plain, 1)));
    }

    private static void assertSame(Recorder expected, Recorder actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Recorder.Packet e = expected.get(i);
            assertPacket(actual.get(i), e.timestampNanos(), e.linkType(), e.interfaceIndex(), e.data(),
                    e.wireLength());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pcap,1", "pcapng,1", "pcap-gzip,4", "pcapng-gzip,2"})
    void recordsAcrossManyBufferRefillsKeepTheirBytes(String kind, int members) throws IOException {
        Random random = new Random(42);
        boolean ng = kind.startsWith("pcapng");
        Pcap pcap = Pcap.ethernet();
        Pcapng pcapng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, null, 9, null);
        int[] sizes = new int[3000];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = i == 1000 || i == 2000 ? CaptureFileReader.MAX_CAPLEN : random.nextInt(1600);
            byte[] data = CaptureFiles.frame(sizes[i], i);
            if (ng) {
                pcapng.epb(0, T * NANOS + i, data);
            } else {
                pcap.packet(T, i, data);
            }
        }
        byte[] content = ng ? pcapng.toByteArray() : pcap.toByteArray();
        if (kind.endsWith("gzip")) {
            content = CaptureFiles.gzip(content, members);
        }
        Path file = write("many." + kind, content);
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(file, CaptureFileReader.MIN_BUFFER_SIZE)) {
            source.run(r);
        }
        assertEquals(sizes.length, r.size());
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(CaptureFiles.frame(sizes[i], i), r.get(i).data(), "packet " + i);
        }
    }

    // ---------------------------------------------------------------------------------------------- damage

    @Test
    void badMagicIsNotACaptureFile() throws IOException {
        byte[] content = Pcap.ethernet().packet(T, 0, CaptureFiles.frame(60, 0)).toByteArray();
        content[0] = (byte) 0xde;
        content[1] = (byte) 0xad;
        content[2] = (byte) 0xbe;
        content[3] = (byte) 0xef;
        CaptureFileException e = readDamaged("bad.pcap", content, new Recorder());
        assertTrue(e.getMessage().contains("not a capture file (magic 0xdeadbeef)"), e.getMessage());
        assertEquals(0, e.offset());
    }

    @Test
    void emptyFileIsNotACaptureFile() throws IOException {
        CaptureFileException e = readDamaged("zero.pcap", new byte[0], new Recorder());
        assertTrue(e.getMessage().contains("not a capture file (empty)"), e.getMessage());
    }

    @Test
    void shortGlobalHeaderIsReported() throws IOException {
        byte[] content = Arrays.copyOf(Pcap.ethernet().toByteArray(), 14);
        CaptureFileException e = readDamaged("short.pcap", content, new Recorder());
        assertTrue(e.getMessage().contains("truncated global header (14 of 24 bytes)"), e.getMessage());
    }

    @Test
    void recordHeaderCutShortComesAfterEveryGoodPacket() throws IOException {
        Pcap pcap = Pcap.ethernet().packet(T, 0, CaptureFiles.frame(100, 0)).packet(T, 1, CaptureFiles.frame(50, 1));
        int good = pcap.size();
        pcap.raw(new byte[10]);
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("cut.pcap", pcap.toByteArray(), r);
        assertEquals(2, r.size());
        assertEquals(good, e.offset());
        assertTrue(e.getMessage().contains("record header cut short (10 of 16 bytes)"), e.getMessage());
    }

    @Test
    void packetDataCutShortSaysHowMuchWasLeft() throws IOException {
        Pcap pcap = Pcap.ethernet().packet(T, 0, CaptureFiles.frame(60, 0));
        int good = pcap.size();
        pcap.record(T, 1, 100, 100, new byte[40]);
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("cut.pcap", pcap.toByteArray(), r);
        assertEquals(1, r.size());
        assertEquals(good, e.offset());
        assertTrue(e.getMessage().contains("packet data cut short (caplen 100, 40 bytes left)"), e.getMessage());
    }

    @Test
    void hugeCaplenIsReportedWithoutAllocatingIt() throws IOException {
        Pcap pcap = Pcap.ethernet();
        for (int i = 0; i < 3; i++) {
            pcap.packet(T, i, CaptureFiles.frame(60, i));
        }
        int good = pcap.size();
        pcap.record(T, 3, 0xFFFFFF00L, 60, new byte[60]);
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("huge.pcap", pcap.toByteArray(), r);
        assertEquals(3, r.size());
        assertEquals(good, e.offset());
        assertTrue(e.getMessage().contains("caplen 4294967040 exceeds snaplen/maximum"), e.getMessage());
    }

    @Test
    void pcapngBlockLengthThatIsNotAMultipleOfFourIsInvalid() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1).epb(0, 1, CaptureFiles.frame(60, 0));
        int good = ng.size();
        ng.raw(new byte[] {6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("len.pcapng", ng.toByteArray(), r);
        assertEquals(1, r.size());
        assertEquals(good, e.offset());
        assertTrue(e.getMessage().contains("block length 13 invalid"), e.getMessage());
    }

    @Test
    void pcapngBlockTrailerMustRepeatTheLength() throws IOException {
        byte[] content = new Pcapng().section(ByteOrder.BIG_ENDIAN).iface(1).epb(0, 1, CaptureFiles.frame(60, 0))
                .toByteArray();
        content[content.length - 1] ^= 4;
        CaptureFileException e = readDamaged("trailer.pcapng", content, new Recorder());
        assertTrue(e.getMessage().contains("does not match block length"), e.getMessage());
    }

    @Test
    void pcapngPacketOnAnUndefinedInterfaceIsDamage() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1).epb(0, 1, CaptureFiles.frame(60, 0))
                .section(ByteOrder.LITTLE_ENDIAN).iface(1).epb(1, 1, CaptureFiles.frame(60, 0));
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("iface.pcapng", ng.toByteArray(), r);
        assertEquals(1, r.size());
        assertTrue(e.getMessage().contains("interface id 1 not defined (1 interface description blocks in this "
                + "section)"), e.getMessage());
    }

    @Test
    void pcapngFileCutInsideABlockIsReported() throws IOException {
        Pcapng ng = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1).epb(0, 1, CaptureFiles.frame(60, 0));
        int good = ng.size();
        ng.epb(0, 2, CaptureFiles.frame(200, 1));
        byte[] content = Arrays.copyOf(ng.toByteArray(), good + 100);
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("cut.pcapng", content, r);
        assertEquals(1, r.size());
        assertEquals(good, e.offset());
        assertTrue(e.getMessage().contains("block cut short (block length 232, 100 bytes left)"), e.getMessage());
    }

    @Test
    void pcapngSectionWithABadByteOrderMagicIsReported() throws IOException {
        byte[] content = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).toByteArray();
        content[8] = 0x55;
        CaptureFileException e = readDamaged("bom.pcapng", content, new Recorder());
        assertTrue(e.getMessage().contains("byte-order magic"), e.getMessage());
    }

    @Test
    void gzipCutShortIsDamageAfterThePacketsBeforeIt() throws IOException {
        Pcap pcap = Pcap.ethernet();
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] data = new byte[200];
            random.nextBytes(data); // incompressible, so the cut lands well inside the packets
            pcap.packet(T, i, data);
        }
        byte[] gz = CaptureFiles.gzip(pcap.toByteArray(), 1);
        Recorder r = new Recorder();
        CaptureFileException e = readDamaged("cut.pcap.gz", Arrays.copyOf(gz, gz.length / 2), r);
        assertTrue(e.getMessage().contains("gzip stream cut short"), e.getMessage());
        assertTrue(r.size() > 500 && r.size() < 1500, "packets before the cut: " + r.size());
        assertTrue(e.offset() >= 24 + r.size() * 216L, "offset " + e.offset());
    }

    @Test
    void corruptGzipDataIsDamage() throws IOException {
        Pcap pcap = Pcap.ethernet();
        for (int i = 0; i < 500; i++) {
            pcap.packet(T, i, CaptureFiles.frame(100, i));
        }
        byte[] gz = CaptureFiles.gzip(pcap.toByteArray(), 1);
        for (int i = gz.length / 2; i < gz.length / 2 + 16; i++) {
            gz[i] = (byte) 0xff;
        }
        readDamaged("corrupt.pcap.gz", gz, new Recorder());
    }

    // ----------------------------------------------------------------------------------- odd but readable

    @Test
    void caplenOverOriglenIsHandedOnWithCaplenAsWireLengthAndCounted() throws IOException {
        Pcap pcap = Pcap.ethernet().packet(T, 0, CaptureFiles.frame(100, 0), 60);
        Path file = write("over.pcap", pcap.toByteArray());
        Recorder r = new Recorder();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(r);
            assertEquals(1L, source.counters().get("caplen_exceeds_wirelen"));
        }
        assertEquals(100, r.get(0).data().length);
        assertEquals(100, r.get(0).wireLength());
    }

    @Test
    void zeroCaplenAndBackwardTimestampsAreHandedOnAsTheyAre() throws IOException {
        Pcap pcap = Pcap.ethernet()
                .packet(T + 10, 0, CaptureFiles.frame(60, 0))
                .packet(T + 5, 0, new byte[0], 60)
                .packet(T + 1, 0, CaptureFiles.frame(60, 2));
        Recorder r = read("odd.pcap", pcap.toByteArray());
        assertEquals(List.of((T + 10) * NANOS, (T + 5) * NANOS, (T + 1) * NANOS),
                r.packets.stream().map(Recorder.Packet::timestampNanos).toList());
        assertEquals(0, r.get(1).data().length);
        assertEquals(60, r.get(1).wireLength());
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    @Test
    void stopFromAnotherThreadEndsRunAfterThePacketInHand() throws Exception {
        Pcap pcap = Pcap.ethernet();
        for (int i = 0; i < 10_000; i++) {
            pcap.packet(T, i, CaptureFiles.frame(60, i));
        }
        Path file = write("long.pcap", pcap.toByteArray());
        try (PcapFileSource source = PcapFileSource.open(file)) {
            Recorder r = new Recorder() {
                @Override
                public void onPacket(long ts, int lt, byte[] d, int o, int c, int w, int i) {
                    super.onPacket(ts, lt, d, o, c, w, i);
                    if (size() == 1) {
                        Thread stopper = new Thread(source::stop);
                        stopper.start();
                        join(stopper);
                    }
                }
            };
            source.run(r);
            assertEquals(1, r.size());
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closeIsIdempotentAndAClosedSourceReadsNothing() throws IOException {
        Path file = write("a.pcap", Pcap.ethernet().packet(T, 0, CaptureFiles.frame(60, 0)).toByteArray());
        PcapFileSource source = PcapFileSource.open(file);
        source.close();
        source.close();
        Recorder r = new Recorder();
        source.run(r);
        assertEquals(0, r.size());
        source.close();
    }

    @Test
    void aSourceRunsOnce() throws IOException {
        Path file = write("a.pcap", Pcap.ethernet().packet(T, 0, CaptureFiles.frame(60, 0)).toByteArray());
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(new Recorder());
            assertThrows(IllegalStateException.class, () -> source.run(new Recorder()));
        }
    }

    @Test
    void countersTellPacketsAndBytesRead() throws IOException {
        Pcap pcap = Pcap.ethernet();
        for (int i = 0; i < 10; i++) {
            pcap.packet(T, i, CaptureFiles.frame(100, i));
        }
        Path file = write("c.pcap", pcap.toByteArray());
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run(new Recorder());
            assertEquals(10L, source.counters().get("packets_read"));
            assertEquals(Files.size(file), source.counters().get("bytes_read"));
            assertEquals(1000L, source.counters().get("captured_bytes"));
            assertEquals(file.toString(), source.description());
        }
    }

    @Test
    void missingFileFailsToOpen() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> PcapFileSource.open(dir.resolve("nope.pcap")));
    }
}
