package io.flowtrace.testkit;

/**
 * Ranks 0..n-1 drawn under a Zipf law (rank {@code i} has weight {@code 1 / (i + 1)^s}) by inverting the cumulative
 * weights: one uniform number per draw, so a seeded generator gives the same ranks every run. Immutable; may be
 * shared between threads.
 *
 * @since 0.1
 */
public final class ZipfLaw {
    private final double[] cumulative;

    /**
     * @param n        number of ranks, at least 1
     * @param exponent {@code s}: 0 draws every rank alike, 1 is the classic law, larger is more skewed
     */
    public ZipfLaw(int n, double exponent) {
        if (n < 1 || !(exponent >= 0)) {
            throw new IllegalArgumentException("n " + n + ", exponent " + exponent
                    + " (expected: n >= 1, exponent >= 0)");
        }
        cumulative = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, exponent);
            cumulative[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
    }

    /** {@return number of ranks} */
    public int size() {
        return cumulative.length;
    }

    /**
     * {@return the rank of a uniform number {@code u} in [0, 1); 0 is the most frequent}
     *
     * @param u a uniform number in [0, 1)
     */
    public int rank(double u) {
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
