package io.flowtrace.bench;

import io.flowtrace.testkit.ZipfLaw;

import java.util.SplittableRandom;

/**
 * Draws ranks 0..n-1 under Zipf(1.0) (rank i has weight 1 / (i + 1)) with the testkit's {@link ZipfLaw}: one
 * {@code nextDouble()} per draw, so a seeded generator gives the same ranks every run.
 */
public final class ZipfRanks {
    private final ZipfLaw law;

    public ZipfRanks(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: 1 or more)");
        }
        law = new ZipfLaw(n, 1.0);
    }

    /** The next rank, 0 the most frequent. */
    public int next(SplittableRandom random) {
        return law.rank(random.nextDouble());
    }
}
