package io.flowtrace.bench.sketch;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.SuperSpread;
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
 * Super-spreaders: flowtrace's {@link SuperSpread} (1 MiB, 4 rows, m = 128 registers of 5 bits, b = 1.08) fed
 * (source, destination) pairs, beside DataSketches' {@link HllSketch} counting the same pairs (the nearest job it
 * has: distinct pairs overall, with no attribution to sources). Each pass over the inputs shifts the destinations,
 * so pairs keep arriving new as in live traffic; the pair hash is combined in the loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SuperSpreadBenchmark {
    static final int UPDATES = 1 << 18;

    SketchInputs in;
    SuperSpread superSpread;
    HllSketch pairs;
    long pass;

    @Setup(Level.Trial)
    public void setUp() {
        in = new SketchInputs(UPDATES, 50_000, 3);
        long bucket = SuperSpread.bucketBytes(128, 5, SketchInputs.KEY_WORDS) * 4;
        superSpread = new SuperSpread((int) ((1 << 20) / bucket), 4, 128, 5, 1.08, SketchInputs.KEY_WORDS, 11);
        pairs = new HllSketch(12, TgtHllType.HLL_8);
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void flowtraceSuperSpread() {
        SketchInputs d = in;
        SuperSpread s = superSpread;
        long shift = pass++ * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < UPDATES; i++) {
            long kh = d.hashes[i];
            s.update(d.words, i * SketchInputs.KEY_WORDS, kh, Hashing.pair(kh, d.elementHashes[i] + shift));
        }
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void dataSketchesHllOfPairs() {
        SketchInputs d = in;
        HllSketch s = pairs;
        long shift = pass++ * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < UPDATES; i++) {
            s.update(Hashing.pair(d.hashes[i], d.elementHashes[i] + shift));
        }
    }
}
