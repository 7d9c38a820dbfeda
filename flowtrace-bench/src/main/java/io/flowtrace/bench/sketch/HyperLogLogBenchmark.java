package io.flowtrace.bench.sketch;

import io.flowtrace.sketch.hll.HyperLogLog;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Distinct counting: flowtrace's {@link HyperLogLog} (p = 12, one byte per register, fed 64-bit hashes) beside
 * DataSketches' {@link HllSketch} (lgK = 12, HLL_8; it hashes each long itself with MurmurHash3, so it does more
 * per update). Items are the pre-hashed destination addresses of the inputs.
 */
public class HyperLogLogBenchmark extends SketchBenchmark {
    SketchInputs in;
    HyperLogLog hll;
    HllSketch reference;

    @Setup(Level.Trial)
    public void setUp() {
        in = new SketchInputs(UPDATES, 1 << 16, 2);
        hll = new HyperLogLog(12, 7);
        reference = new HllSketch(12, TgtHllType.HLL_8);
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void flowtraceHyperLogLog() {
        long[] h = in.elementHashes;
        HyperLogLog s = hll;
        for (int i = 0; i < UPDATES; i++) {
            s.update(h[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void dataSketchesHll() {
        long[] h = in.elementHashes;
        HllSketch s = reference;
        for (int i = 0; i < UPDATES; i++) {
            s.update(h[i]);
        }
    }
}
