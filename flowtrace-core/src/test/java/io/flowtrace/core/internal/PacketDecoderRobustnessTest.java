package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ext6;
import static io.flowtrace.testkit.frames.Frames.frag6;
import static io.flowtrace.testkit.frames.Frames.ip6Udp;
import static io.flowtrace.testkit.frames.Frames.ipTcp;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.ipv6;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.u16;
import static io.flowtrace.testkit.frames.Frames.udp;
import static io.flowtrace.testkit.frames.Frames.vlanTag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.testkit.frames.Frames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The decoder never throws and never reads past the captured end, whatever the bytes: every valid frame cut at every
 * length, mutated frames and random bytes, for every link type. "Never reads past the end" is checked by decoding
 * each input twice, once in an array that ends where the capture ends (a read past it would throw) and once followed
 * by random bytes (a read past it would change the result).
 */
class PacketDecoderRobustnessTest {
    static final int[] LINK_TYPES = {0, 1, 9, 12, 14, 50, 101, 104, 105, 107, 108, 113, 127, 192, 228, 229, 239, 276};

    record Sample(int linkType, byte[] frame) {
    }

    /** One valid frame per link type, encapsulation and tunnel. */
    static List<Sample> samples() {
        byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", tcp(1111, 22, 0x02, new byte[10]));
        byte[] ip = ipTcp();
        byte[] v6 = ip6Udp();
        byte[] wlan = cat("8801 2c00 8a15149b5ae0 90724097b6f5 442b03aaab8d 1000 0600 aaaa03 000000 0800", ip);
        List<Sample> s = new ArrayList<>();
        s.add(new Sample(1, Frames.ethTcp()));
        s.add(new Sample(1, eth(0x88a8, cat(vlanTag(200, 0x8100), vlanTag(300, 0x86dd), v6))));
        s.add(new Sample(1, eth(0x8847, cat("00010040 00020140", v6))));
        s.add(new Sample(1, eth(0x8864, cat("1100 0001", u16(ip.length + 2), "0021", ip))));
        s.add(new Sample(1, cat("f351d64e6200 964ebf4e521d 8903 0000", eth(0x0800, ip))));
        s.add(new Sample(1, eth(8 + ip.length, cat("aaaa03 000000 0800", ip))));
        s.add(new Sample(1, eth(0x86dd, ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext6(60, 0), ext6(43, 1),
                ext6(6, 0), tcp(1234, 443, 0x02, new byte[4]))))));
        s.add(new Sample(1, eth(0x86dd, ipv6(44, "2001:db8::1", "2001:db8::2", cat(frag6(17, 0, true, 9),
                udp(1, 2, new byte[16]))))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", 5, 0x2000, new byte[4],
                udp(1, 2, new byte[16])))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", 5, 3, new byte[0], new byte[16]))));
        s.add(new Sample(1, eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("b000 0800 00000000 00000001 00000002",
                inner)))));
        s.add(new Sample(1, eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("1000 88be 00000001 10640001 00000000",
                eth(0x0800, inner))))));
        s.add(new Sample(1, eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("1000 22eb 00000001",
                "20640001 00000000 00000001 0000000000000000", eth(0x0800, inner))))));
        s.add(new Sample(1, eth(0x0800, ipv4(47, "10.0.0.1", "10.0.0.2", cat("3081 880b 0036 0001 00000005 00000004",
                "ff03 0021", inner)))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(5, 4789, cat("08000000 00007b00",
                eth(0x0800, inner)))))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(2152, 2152, cat("34ff",
                u16(inner.length + 8), "00000001", "0000 00 85", "01 0001 00", inner))))));
        byte[] teredo = ipv6(6, "2001:0:4137:9e50:8000:f12a:b9c8:2815", "2001:4860:0:2001::68",
                tcp(1286, 80, 0x02, new byte[0]));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(3544, 3797,
                cat("0001 0000 cd5669400b22df88 00", "0000 f12ab9c82815", teredo))))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(32900, 3797, teredo)))));
        s.add(new Sample(1, eth(0x0800, ipv4(4, "10.0.0.1", "10.0.0.2", inner))));
        s.add(new Sample(1, eth(0x0800, ipv4(41, "10.0.0.1", "10.0.0.2", v6))));
        s.add(new Sample(101, ip));
        s.add(new Sample(229, v6));
        s.add(new Sample(113, cat("0000 0001 0006 020000000001 0000 0800", ip)));
        s.add(new Sample(276, cat("86dd 0000 00000002 0001 00 06 020000000001 0000", v6)));
        s.add(new Sample(0, cat("1e000000", v6)));
        s.add(new Sample(108, cat("00000002", ip)));
        s.add(new Sample(9, cat("ff03 0021", ip)));
        s.add(new Sample(50, cat("0f00 0800", ip)));
        s.add(new Sample(104, cat("8f00 86dd", v6)));
        s.add(new Sample(107, cat("1861 03 80 000000 0800", ip)));
        s.add(new Sample(107, cat("1861 0800", ip)));
        s.add(new Sample(239, cat("02000028", "08000100 00000316", new byte[] {(byte) (ip.length + 4), 0}, "0900",
                ip)));
        s.add(new Sample(105, wlan));
        s.add(new Sample(127, cat("0000 0c00 00000000 00000000", wlan)));
        s.add(new Sample(9, cat("0f00 0800", ip)));
        s.add(new Sample(104, cat("0021", ip)));
        s.add(new Sample(192, cat("0000 0800 01000000", Frames.ethTcp())));
        s.add(new Sample(192, cat("0000 0c00 69000000 0000 0000", wlan)));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(41264, 5247,
                cat("00 100200 00000000", eth(0x0800, inner)))))));
        String wlanInner = "0108 2c00 84802d2b4590 54f201e1b299 10f311eaeec1 7030 aaaa03 000000 0800";
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(41264, 5247,
                cat("00 300330 00000000 06 a1a2a3a4a5a6 00 04 bf230000 000000", wlanInner, inner))))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(40000, 37008,
                cat("01 00 0001 0a01c4 00 01", eth(0x0800, inner)))))));
        s.add(new Sample(1, eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(40000, 37008,
                cat("01 00 0012 01", wlan))))));
        return s;
    }

    /** Decodes {@code b[0..n)} in an exact array and again followed by garbage; both results must agree. */
    private static final class Checker {
        final PacketDecoder exact;
        final PacketDecoder padded;
        final DecodedPacket a = new DecodedPacket();
        final DecodedPacket b = new DecodedPacket();
        final Random garbage = new Random(7);
        long decoded;

        Checker(boolean tunnels) {
            exact = new PacketDecoder(tunnels, true);
            padded = new PacketDecoder(tunnels, true);
        }

        DecodeStatus check(byte[] src, int n, int linkType, String what) {
            byte[] e = Arrays.copyOf(src, n);
            int off = garbage.nextInt(5);
            byte[] p = new byte[off + n + 64];
            garbage.nextBytes(p);
            System.arraycopy(src, 0, p, off, n);
            DecodeStatus s1 = exact.decode(e, 0, n, linkType, a);
            DecodeStatus s2 = padded.decode(p, off, n, linkType, b);
            decoded += 2;
            assertEquals(s1, s2, what);
            if (s1 == DecodeStatus.OK) {
                String ka = a.toKey() + " " + a.ipLength + " " + a.tcpFlags + " " + a.icmpType + " " + a.flowHash;
                String kb = b.toKey() + " " + b.ipLength + " " + b.tcpFlags + " " + b.icmpType + " " + b.flowHash;
                assertEquals(ka, kb, what);
            }
            return s1;
        }
    }

    @Test
    @DisplayName("every sample frame decodes OK and cutting it at every length never throws nor reads past the end")
    void truncationAtEveryLength() {
        for (boolean tunnels : new boolean[] {false, true}) {
            Checker c = new Checker(tunnels);
            for (Sample s : samples()) {
                byte[] f = s.frame();
                assertEquals(DecodeStatus.OK, c.check(f, f.length, s.linkType(), "whole " + hexOf(f)));
                for (int n = 0; n < f.length; n++) {
                    c.check(f, n, s.linkType(), "cut at " + n + " of " + hexOf(f));
                }
            }
        }
    }

    @Test
    @DisplayName("every corpus packet cut at every length never throws nor reads past the end")
    void corpusPacketsTruncatedAtEveryLength() throws IOException {
        Path root = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus").normalize();
        List<Path> files = new ArrayList<>();
        for (String dir : new String[] {"zeek", "arkime"}) {
            try (Stream<Path> l = Files.list(root.resolve(dir))) {
                l.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 30, "corpus captures: " + files.size());
        Checker c = new Checker(true);
        for (Path f : files) {
            int[] i = {0};
            PacketDecoderCorpusTest.PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) -> {
                i[0]++;
                if (i[0] > 40) {
                    return; // the first packets of each capture cover its encapsulations
                }
                byte[] frame = Arrays.copyOfRange(b, off, off + capLen);
                for (int n = 0; n <= frame.length; n++) {
                    c.check(frame, n, linkType, f.getFileName() + "#" + i[0] + " cut at " + n);
                }
            });
        }
        assertTrue(c.decoded > 100_000, "decoded " + c.decoded);
    }

    @Test
    @DisplayName("every packet of the malformed captures (tcpdump, zeek, arkime) decodes without throwing")
    void malformedCorpusPackets() throws IOException {
        Path root = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus/malformed")
                .normalize();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> l = Files.walk(root)) {
            l.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(files::add);
        }
        assertTrue(files.size() > 50, "malformed captures: " + files.size());
        Checker c = new Checker(true);
        int readable = 0;
        for (Path f : files) {
            try {
                PacketDecoderCorpusTest.PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) -> {
                    byte[] frame = Arrays.copyOfRange(b, off, off + capLen);
                    c.check(frame, frame.length, linkType, f.getFileName().toString());
                    c.check(frame, frame.length, 1, f.getFileName() + " as Ethernet");
                    c.check(frame, frame.length, 101, f.getFileName() + " as raw IP");
                });
                readable++;
            } catch (IOException e) {
                // not a classic pcap, or a damaged file header: the capture reader's tests cover those
            }
        }
        assertTrue(readable > 50, "readable malformed captures: " + readable);
    }

    @Test
    @DisplayName("mutated sample frames never throw nor read past the end (seeded)")
    void mutatedFrames() {
        Random r = new Random(20261122L);
        List<Sample> samples = samples();
        for (boolean tunnels : new boolean[] {false, true}) {
            Checker c = new Checker(tunnels);
            for (int i = 0; i < 150_000; i++) {
                Sample s = samples.get(r.nextInt(samples.size()));
                byte[] f = s.frame().clone();
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int at = r.nextInt(f.length);
                    f[at] = r.nextInt(3) == 0 ? (byte) (r.nextBoolean() ? 0 : 0xff) : (byte) r.nextInt(256);
                }
                int n = r.nextInt(4) == 0 ? r.nextInt(f.length + 1) : f.length;
                c.check(f, n, s.linkType(), "mutation " + i);
            }
        }
    }

    @Test
    @DisplayName("random bytes for every link type never throw nor read past the end (seeded)")
    void randomBytesForEveryLinkType() {
        Random r = new Random(42L);
        Checker c = new Checker(true);
        byte[] buf = new byte[256];
        for (int linkType : LINK_TYPES) {
            for (int i = 0; i < 20_000; i++) {
                int n = r.nextInt(buf.length + 1);
                r.nextBytes(buf);
                if (r.nextBoolean() && n > 0) {
                    buf[0] = (byte) (r.nextBoolean() ? 0x45 : 0x60); // a plausible IP start more often
                }
                c.check(buf, n, linkType, "link type " + linkType + " iteration " + i);
            }
        }
        for (int i = 0; i < 5_000; i++) {
            r.nextBytes(buf);
            c.check(buf, r.nextInt(buf.length + 1), r.nextInt(), "random link type");
        }
    }

    @Test
    void rangesOutsideTheArrayAreTruncatedNotThrown() {
        PacketDecoder d = new PacketDecoder(true, true);
        DecodedPacket out = new DecodedPacket();
        byte[] f = Frames.ethTcp();
        assertEquals(DecodeStatus.TRUNCATED_LINK, d.decode(f, -1, 10, 1, out));
        assertEquals(DecodeStatus.TRUNCATED_LINK, d.decode(f, 0, -5, 1, out));
        assertEquals(DecodeStatus.TRUNCATED_LINK, d.decode(f, f.length + 1, 10, 1, out));
        assertEquals(DecodeStatus.TRUNCATED_LINK, d.decode(f, f.length, 10, 1, out));
        assertEquals(DecodeStatus.OK, d.decode(f, 0, Integer.MAX_VALUE, 1, out), "capped at the array's end");
        assertEquals(DecodeStatus.OK, d.decode(f, 14, f.length, 101, out), "capped at the array's end");
    }

    private static String hexOf(byte[] f) {
        StringBuilder sb = new StringBuilder();
        for (byte x : f) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
