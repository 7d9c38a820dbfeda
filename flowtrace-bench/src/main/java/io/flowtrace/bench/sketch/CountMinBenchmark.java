package io.flowtrace.bench.sketch;

import io.flowtrace.sketch.countmin.CountMinAggregator;
import io.flowtrace.sketch.countmin.CountMinSketch;
import org.apache.datasketches.frequencies.LongsSketch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Heavy hitters by bytes: flowtrace's Count-Min (256 KiB of counters, 4 rows, conservative update) with its top-100
 * candidate heap, beside DataSketches' {@link LongsSketch} (frequent items, 8192-entry map, about the same memory).
 * DataSketches 6.2.0 has no Count-Min sketch; LongsSketch does the same job (heavy hitters with bounds).
 */
public class CountMinBenchmark extends SketchBenchmark {
    SketchInputs in;
    CountMinAggregator countMin;
    LongsSketch frequent;

    @Setup(Level.Trial)
    public void setUp() {
        in = new SketchInputs(UPDATES, 1 << 20, 1);
        countMin = CountMinAggregator.of("bench", "src_ip", "bytes",
                CountMinSketch.ofMemory(256 * 1024, 4, 0x13198A2E03707344L), 100);
        frequent = new LongsSketch(8192);
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void flowtraceCountMinTopK() {
        SketchInputs d = in;
        CountMinAggregator cm = countMin;
        for (int i = 0; i < UPDATES; i++) {
            cm.update(d.words, i * SketchInputs.KEY_WORDS, d.hashes[i], d.sizes[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void flowtraceCountMinCountersOnly() {
        SketchInputs d = in;
        CountMinSketch cm = countMin.sketch();
        for (int i = 0; i < UPDATES; i++) {
            cm.update(d.hashes[i], d.sizes[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void dataSketchesFrequentLongs() {
        SketchInputs d = in;
        LongsSketch f = frequent;
        for (int i = 0; i < UPDATES; i++) {
            f.update(d.hashes[i], d.sizes[i]);
        }
    }
}
