package io.flowtrace.bench.sketch;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.sketch.exact.ExactAggregator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The exact group-by on one worker: packets per source address over Zipf(1.0) traffic from 1M sources (the sketch
 * benchmarks' inputs), through {@code onPacket} as the worker calls it. {@code maxKeys} 1,000,000 tracks every
 * source the traffic brings; 10,000 keeps the table full, so most packets take the untracked path (a lookup that
 * misses, no insertion). Allocation per update: {@code -prof gc}.
 */
public class ExactAggregatorBenchmark extends SketchBenchmark {
    @Param({"1000000", "10000"})
    public int maxKeys;

    SketchInputs in;
    ExactAggregator exact;
    DecodedPacket packet;

    @Setup(Level.Trial)
    public void setUp() {
        in = new SketchInputs(UPDATES, 1 << 20, 1);
        exact = ExactAggregator.of("bench", "src_ip", "packets", 100, maxKeys);
        packet = new DecodedPacket();
        packet.ipVersion = 4;
        packet.protocol = 6;
        packet.dstLo = 0xC0000001L;
        packet.srcPort = 40000;
        packet.dstPort = 443;
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public long onPacket() {
        SketchInputs d = in;
        DecodedPacket p = packet;
        ExactAggregator e = exact;
        for (int i = 0; i < UPDATES; i++) {
            p.srcLo = d.words[i * SketchInputs.KEY_WORDS + 1];
            p.wireLength = (int) d.sizes[i];
            e.onPacket(p);
        }
        return e.totalPackets();
    }
}
