package io.flowtrace.bench.sketch;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.superspread.SuperSpread;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Super-spreaders: flowtrace's {@link SuperSpread} (1 MiB, 4 rows, m = 128 registers of 5 bits, b = 1.08) fed
 * (source, destination) pairs, beside DataSketches' {@link HllSketch} counting the same pairs (the nearest job it
 * has: distinct pairs overall, with no attribution to sources). Each pass over the inputs renews the destination of
 * one update in ten, so one pair in ten is new (about the share of packets that open a conversation in the
 * project's synthetic traffic) and the rest repeat; the pair hash is combined in the loop.
 */
public class SuperSpreadBenchmark extends SketchBenchmark {
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
        int p = (int) pass++;
        for (int i = 0; i < UPDATES; i++) {
            long kh = d.hashes[i];
            long salt = ((p + d.epochs[i]) / 10) * 0x9E3779B97F4A7C15L;
            s.update(d.words, i * SketchInputs.KEY_WORDS, kh, Hashing.pair(kh, d.elementHashes[i] + salt));
        }
    }

    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void dataSketchesHllOfPairs() {
        SketchInputs d = in;
        HllSketch s = pairs;
        int p = (int) pass++;
        for (int i = 0; i < UPDATES; i++) {
            long salt = ((p + d.epochs[i]) / 10) * 0x9E3779B97F4A7C15L;
            s.update(Hashing.pair(d.hashes[i], d.elementHashes[i] + salt));
        }
    }
}
