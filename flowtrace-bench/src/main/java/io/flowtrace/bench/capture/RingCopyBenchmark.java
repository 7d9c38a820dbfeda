package io.flowtrace.bench.capture;

import io.flowtrace.bench.Captures;
import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.core.spi.LinkType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * What the {@code af-packet} source pays to hand the decoder a frame of its ring: 4096 Ethernet/IPv4/IPv6 frames,
 * padded to {@code size} bytes, laid out in native memory as a TPACKET_V3 block holds them (16-byte aligned), are
 * either copied one by one into one reused array and decoded there ({@code copyThenDecode}, what the source does),
 * or decoded where they lie in a heap array ({@code decodeInPlace}: the best a decoder reading the ring directly
 * could do, with no copy).
 */
@State(Scope.Thread)
public class RingCopyBenchmark extends PacketBenchmark {
    static final int FRAMES = 4096;

    @Param({"64", "576", "1514"})
    public int size;

    private ByteBuffer ring;
    private byte[] heap;
    private final int[] offsets = new int[FRAMES];
    private final int[] lengths = new int[FRAMES];
    private final byte[] frame = new byte[2048];
    private final PacketDecoder decoder = new PacketDecoder(false, false);
    private final DecodedPacket packet = new DecodedPacket();

    @Setup
    public void setup() {
        Path f = Captures.temporary(20_000, 2_000, 1.0, 0.2, 3);
        List<byte[]> frames;
        try {
            frames = Captures.frames(f);
        } finally {
            Captures.delete(f);
        }
        int stride = (size + 48 + 15) & ~15; // a tpacket3_hdr's worth of room before each frame
        ring = ByteBuffer.allocateDirect(stride * FRAMES).order(ByteOrder.nativeOrder());
        heap = new byte[stride * FRAMES];
        for (int i = 0; i < FRAMES; i++) {
            byte[] fr = frames.get(i);
            int len = Math.max(size, fr.length);
            len = Math.min(len, stride - 48);
            offsets[i] = i * stride + 48;
            lengths[i] = len;
            ring.put(offsets[i], fr, 0, Math.min(fr.length, len));
            System.arraycopy(fr, 0, heap, offsets[i], Math.min(fr.length, len));
        }
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int copyThenDecode() {
        int acc = 0;
        ByteBuffer r = ring;
        byte[] f = frame;
        for (int i = 0; i < FRAMES; i++) {
            int len = lengths[i];
            r.get(offsets[i], f, 0, len);
            decoder.decode(f, 0, len, LinkType.ETHERNET, packet);
            acc += packet.flowHash;
        }
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decodeInPlace() {
        int acc = 0;
        byte[] b = heap;
        for (int i = 0; i < FRAMES; i++) {
            decoder.decode(b, offsets[i], lengths[i], LinkType.ETHERNET, packet);
            acc += packet.flowHash;
        }
        return acc;
    }
}
