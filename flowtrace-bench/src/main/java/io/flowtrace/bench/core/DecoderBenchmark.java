package io.flowtrace.bench.core;

import io.flowtrace.core.spi.LinkType;
import io.flowtrace.bench.Captures;
import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.testkit.frames.Frames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.file.Path;
import java.util.List;

/**
 * The decoder over 4096 generated frames held back to back in one array, as the reader hands them over:
 * Ethernet/IPv4/TCP, Ethernet/IPv6 (TCP and UDP), Ethernet/802.1Q/IPv4, Ethernet/IPv4/TCP inside VXLAN and IPv4/TCP
 * in 802.11 inside CAPWAP, with tunnel decoding on (every layer class on the path, the link layer twice).
 */
@State(Scope.Thread)
public class DecoderBenchmark extends PacketBenchmark {
    static final int FRAMES = 4096;

    @Param({"ipv4-tcp", "ipv6", "vlan-ipv4", "vxlan-ipv4", "capwap-ipv4"})
    public String traffic;

    /** What later IP fragments count for ({@code IpFragments}); the frames have none, so this measures the check. */
    @Param({"join"})
    public String fragments;

    private byte[] buffer;
    private final int[] offsets = new int[FRAMES];
    private final int[] lengths = new int[FRAMES];
    private PacketDecoder decoder;
    private final DecodedPacket packet = new DecodedPacket();

    @Setup
    public void setup() {
        boolean v6 = traffic.equals("ipv6");
        boolean vxlan = traffic.equals("vxlan-ipv4");
        boolean capwap = traffic.equals("capwap-ipv4");
        decoder = new PacketDecoder(vxlan || capwap, false, false,
                io.flowtrace.core.IpFragments.valueOf(fragments.toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
        Path f = Captures.temporary(20_000, 2_000, 1.0, v6 ? 1.0 : 0.0, 3);
        List<byte[]> frames;
        try {
            frames = Captures.frames(f);
        } finally {
            Captures.delete(f);
        }
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        int n = 0;
        for (byte[] fr : frames) {
            if (n == FRAMES) {
                break;
            }
            if ((traffic.equals("ipv4-tcp") || vxlan || capwap) && fr[23] != 6) {
                continue;
            }
            if (traffic.equals("vlan-ipv4")) {
                byte[] t = new byte[fr.length + 4];
                System.arraycopy(fr, 0, t, 0, 12);
                t[12] = (byte) 0x81;
                t[13] = 0;
                t[14] = 0;
                t[15] = 42;
                System.arraycopy(fr, 12, t, 16, fr.length - 12);
                fr = t;
            }
            if (vxlan) {
                fr = Frames.eth(0x0800, Frames.ipv4(17, "10.0.0.1", "10.0.0.2", Frames.udp(40000 + n % 1000, 4789,
                        Frames.cat("08000000 00007b00", fr))));
            }
            if (capwap) {
                // as an access point sends it: CAPWAP with wireless information, a native 802.11 data frame
                byte[] ip = java.util.Arrays.copyOfRange(fr, 14, fr.length);
                fr = Frames.eth(0x0800, Frames.ipv4(17, "10.0.0.1", "10.0.0.2", Frames.udp(40000 + n % 1000, 5247,
                        Frames.cat("00200320 00000000 04bf2300 00000000",
                                "0801 2c00 84802d2b4590 54f201e1b299 10f311eaeec1 7030 aaaa03 000000 0800", ip))));
            }
            offsets[n] = all.size();
            lengths[n] = fr.length;
            all.write(fr, 0, fr.length);
            n++;
        }
        buffer = all.toByteArray();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decode() {
        int acc = 0;
        byte[] b = buffer;
        for (int i = 0; i < FRAMES; i++) {
            decoder.decode(b, offsets[i], lengths[i], LinkType.ETHERNET, packet);
            acc += packet.flowHash + packet.srcPort;
        }
        return acc;
    }
}
