package io.flowtrace.bench.sketch;

import io.flowtrace.sketch.HyperLogLog;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Distinct counting: flowtrace's {@link HyperLogLog} (p = 12, one byte per register, fed 64-bit hashes) beside
 * DataSketches' {@link HllSketch} (lgK = 12, HLL_8; it hashes each long itself with MurmurHash3, so it does more
 * per update). Items are the pre-hashed destination addresses of the inputs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HyperLogLogBenchmark {
    static final int UPDATES = 1 << 18;

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
