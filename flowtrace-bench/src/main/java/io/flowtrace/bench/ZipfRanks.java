package io.flowtrace.bench;

import java.util.SplittableRandom;

/**
 * Draws ranks 0..n-1 under Zipf(1.0) (rank i has weight 1 / (i + 1)) by inverting the cumulative weights: one
 * {@code nextDouble()} per draw, so a seeded generator gives the same ranks every run.
 */
public final class ZipfRanks {
    private final double[] cumulative;
    private final double total;

    public ZipfRanks(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: 1 or more)");
        }
        cumulative = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / (i + 1);
            cumulative[i] = sum;
        }
        total = sum;
    }

    /** The next rank, 0 the most frequent. */
    public int next(SplittableRandom random) {
        double u = random.nextDouble() * total;
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
