package io.flowtrace.bench;

import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.internal.DecodeStatus;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.core.spi.PacketHandler;
import org.jctools.queues.SpscArrayQueue;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What handing decoded packets to another core costs the thread that decodes them:
 * {@code java -cp benchmarks.jar io.flowtrace.bench.HandOff CAPTURE [--batches 64,256] [--runs N]}. For each count
 * of batches in circulation (256 packets each, as the pipeline's), one thread reads and decodes the capture into
 * batches and passes them through a JCTools queue to a second thread that reads the fields a flow table reads and
 * gives the batch back; then the same decoding into a ring of as many packets on one thread, for comparison.
 * Prints nanoseconds per packet of the decoding thread, run by run (the runs alternate the two ways), and the pool's
 * size at about 128 bytes a decoded packet. When a refilled batch's lines are still held by the other core, each
 * write takes them back, and decoding slows down by the cost of that transfer.
 */
public final class HandOff {
    private static final int BATCH = 256;

    private HandOff() {
    }

    static final String USAGE = "usage: HandOff CAPTURE [--batches 16,64,128,256] [--runs N]";

    public static void main(String[] args) throws Exception {
        ToolArgs.exit(run(args, System.out, System.err));
    }

    /** Measures as {@link #main} does; returns the exit status (2: the arguments are wrong, said on {@code err}). */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        List<Integer> depths = new ArrayList<>(List.of(16, 64, 128, 256));
        int[] runs = {4};
        return ToolArgs.run("HandOff", USAGE, args, out, err, (arg, a) -> {
            switch (arg) {
                case "--batches":
                    depths.clear();
                    for (String b : a.value(arg).split(",")) {
                        depths.add(ToolArgs.positive(arg, b));
                    }
                    break;
                case "--runs": runs[0] = a.positive(arg); break;
                default: throw ToolArgs.unknown(arg);
            }
        }, capture -> measure(capture, depths, runs[0], out));
    }

    private static void measure(Path capture, List<Integer> depths, int runs, PrintStream out) throws Exception {
        for (int depth : depths) {
            StringBuilder handed = new StringBuilder();
            StringBuilder alone = new StringBuilder();
            for (int r = 0; r < runs; r++) {
                String sep = r == 0 ? "" : " / ";
                handed.append(sep).append(String.format(Locale.ROOT, "%.1f", handedOff(capture, depth)));
                alone.append(sep).append(String.format(Locale.ROOT, "%.1f", oneThread(capture, depth)));
            }
            out.printf(Locale.ROOT, "%4d batches (~%5.1f MB), ns a packet: handed to another thread %s; "
                    + "one thread %s%n", depth, depth * BATCH * 128 / 1e6, handed, alone);
        }
    }

    /** Nanoseconds a packet of read + decode with the batches consumed on another thread. */
    private static double handedOff(Path capture, int depth) throws Exception {
        SpscArrayQueue<DecodedPacket[]> full = new SpscArrayQueue<>(depth + 1);
        SpscArrayQueue<DecodedPacket[]> free = new SpscArrayQueue<>(depth + 1);
        for (int i = 0; i < depth; i++) {
            free.offer(batch());
        }
        long[] read = new long[1];
        Thread consumer = new Thread(() -> {
            long sum = 0;
            while (true) {
                DecodedPacket[] b = full.relaxedPoll();
                if (b == null) {
                    Thread.onSpinWait();
                    continue;
                }
                if (b.length == 0) {
                    break; // the end
                }
                for (DecodedPacket p : b) {
                    sum += p.timestampNanos ^ p.srcHi ^ p.srcLo ^ p.dstHi ^ p.dstLo ^ p.srcPort ^ p.dstPort
                            ^ p.protocol ^ p.vlan ^ p.ipVersion ^ p.wireLength ^ p.ipLength ^ p.tcpFlags ^ p.flowHash;
                }
                free.offer(b);
            }
            read[0] = sum;
        }, "hand-off-consumer");
        consumer.setDaemon(true); // a capture that fails to read must not leave it spinning
        consumer.start();
        PacketDecoder decoder = new PacketDecoder(false, false);
        long[] packets = new long[1];
        long t0 = System.nanoTime();
        try (PcapFileSource s = PcapFileSource.open(capture)) {
            s.run(new PacketHandler() {
                private DecodedPacket[] current = free.poll();
                private int count;

                @Override
                public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                    packets[0]++;
                    DecodedPacket p = current[count];
                    if (decoder.decode(data, off, cap, linkType, p) == DecodeStatus.OK) {
                        p.timestampNanos = ts;
                        p.wireLength = wire;
                        if (++count == BATCH) {
                            full.offer(current);
                            count = 0;
                            DecodedPacket[] next;
                            while ((next = free.relaxedPoll()) == null) {
                                Thread.onSpinWait();
                            }
                            current = next;
                        }
                    }
                }
            });
        }
        long nanos = System.nanoTime() - t0;
        full.offer(new DecodedPacket[0]);
        consumer.join();
        return nanos / (double) packets[0] + (read[0] == 42 ? 1e-9 : 0);
    }

    /** Nanoseconds a packet of read + decode into a ring of {@code depth} batches, on this thread only. */
    private static double oneThread(Path capture, int depth) throws Exception {
        DecodedPacket[][] ring = new DecodedPacket[depth][];
        for (int i = 0; i < depth; i++) {
            ring[i] = batch();
        }
        PacketDecoder decoder = new PacketDecoder(false, false);
        long[] packets = new long[2];
        long t0 = System.nanoTime();
        try (PcapFileSource s = PcapFileSource.open(capture)) {
            s.run(new PacketHandler() {
                private int b;
                private int count;

                @Override
                public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                    packets[0]++;
                    DecodedPacket p = ring[b][count];
                    if (decoder.decode(data, off, cap, linkType, p) == DecodeStatus.OK) {
                        packets[1] += p.flowHash;
                        if (++count == BATCH) {
                            count = 0;
                            b = b + 1 == depth ? 0 : b + 1;
                        }
                    }
                }
            });
        }
        return (System.nanoTime() - t0) / (double) packets[0] + (packets[1] == 42 ? 1e-9 : 0);
    }

    private static DecodedPacket[] batch() {
        DecodedPacket[] b = new DecodedPacket[BATCH];
        for (int i = 0; i < BATCH; i++) {
            b[i] = new DecodedPacket();
        }
        return b;
    }
}
