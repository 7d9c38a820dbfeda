package io.flowtrace.bench.sketch;

import io.flowtrace.core.Plugins;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PluginConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every built-in aggregator through {@code onPacket}, as a worker calls it, made by its provider with its default
 * settings beside those named: sources from the sketch benchmarks' inputs (Zipf 1.0 over 1M addresses) sending to
 * one of 64K destinations, so the spread and distinct-count tasks see new pairs. Allocation per packet:
 * {@code -prof gc}.
 */
public class AggregatorBenchmark extends SketchBenchmark {
    private static final Map<String, String> TASKS = Map.of(
            "exact", "exact:key=src_ip",
            "count-min", "count-min:key=src_ip,metric=bytes",
            "super-spread", "super-spread:key=src_ip,element=dst_ip",
            "hll", "hll:element=dst_ip",
            "hll-keyed", "hll:key=src_ip,element=dst_ip,precision=6");

    @Param({"exact", "count-min", "super-spread", "hll", "hll-keyed"})
    public String task;

    SketchInputs in;
    Aggregator aggregator;
    DecodedPacket packet;

    @Setup(Level.Trial)
    public void setUp() {
        in = new SketchInputs(UPDATES, 1 << 20, 1);
        String[] spec = TASKS.get(task).split(":", 2);
        Map<String, String> settings = new LinkedHashMap<>(PluginConfig.parsePairs(spec[1]));
        settings.put("name", "bench");
        aggregator = Plugins.discover().aggregator(spec[0]).create(new PluginConfig(spec[0], settings));
        packet = new DecodedPacket();
        packet.ipVersion = 4;
        packet.protocol = 6;
        packet.srcPort = 40000;
        packet.dstPort = 443;
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void onPacket() {
        SketchInputs d = in;
        DecodedPacket p = packet;
        Aggregator a = aggregator;
        for (int i = 0; i < UPDATES; i++) {
            p.srcLo = d.words[i * SketchInputs.KEY_WORDS + 1];
            p.dstLo = 0xC0000000L + (d.elementHashes[i] & 0xFFFF);
            p.wireLength = (int) d.sizes[i];
            a.onPacket(p);
        }
    }
}
