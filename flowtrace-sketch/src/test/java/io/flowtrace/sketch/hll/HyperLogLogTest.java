package io.flowtrace.sketch.hll;

import io.flowtrace.sketch.Hashing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HyperLogLogTest {

    @ParameterizedTest(name = "{0} distinct items")
    @ValueSource(ints = {200, 1000, 2500, 5000, 20_000, 100_000})
    @DisplayName("RMS relative error over 1000 trials stays within 1.1 x 1.04/sqrt(m) (m = 1024)")
    void rmsErrorWithinBound(int n) {
        int trials = 1000;
        double sumSq = 0;
        SplittableRandom rnd = new SplittableRandom(n);
        for (int t = 0; t < trials; t++) {
            HyperLogLog h = new HyperLogLog(10, 0);
            long base = rnd.nextLong();
            for (int i = 0; i < n; i++) {
                h.update(Hashing.hash(base + i, 42));
            }
            double err = (h.estimate() - n) / n;
            sumSq += err * err;
        }
        double rms = Math.sqrt(sumSq / trials);
        double bound = 1.1 * 1.04 / Math.sqrt(1024);
        System.out.printf("hll p=10 n=%d RMS %.4f (bound %.4f)%n", n, rms, bound);
        assertTrue(rms <= bound, "RMS " + rms + " > " + bound);
    }

    @Test
    void repeatedItemsDoNotCount() {
        HyperLogLog h = new HyperLogLog(12, 0);
        for (int r = 0; r < 50; r++) {
            for (int i = 0; i < 1000; i++) {
                h.update(Hashing.hash(i, 1));
            }
        }
        assertEquals(1000, h.estimate(), 1000 * 3 * h.relativeError());
    }

    @Test
    void emptySketchEstimatesZero() {
        assertEquals(0.0, new HyperLogLog(8, 0).estimate(), 1e-9);
    }

    @Test
    @DisplayName("merging sketches of four parts gives exactly the sketch of the whole stream")
    void mergeOfPartsEqualsWhole() {
        HyperLogLog whole = new HyperLogLog(11, 7);
        HyperLogLog[] parts = new HyperLogLog[4];
        for (int i = 0; i < 4; i++) {
            parts[i] = new HyperLogLog(11, 7);
        }
        for (int i = 0; i < 200_000; i++) {
            long h = Hashing.hash(i % 150_000, 3);
            whole.update(h);
            parts[i % 4].update(h);
        }
        HyperLogLog merged = parts[0].copy();
        for (int i = 1; i < 4; i++) {
            merged.merge(parts[i]);
        }
        assertEquals(whole.estimate(), merged.estimate(), 0.0);
        assertTrue(Math.abs(merged.estimate() - 150_000) / 150_000 < 3 * merged.relativeError());
    }

    @Test
    void mismatchedPrecisionIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HyperLogLog(10, 0).merge(new HyperLogLog(12, 0)));
        assertTrue(e.getMessage().contains("expected 10, got 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new HyperLogLog(10, 0).merge(new HyperLogLog(10, 1)));
        assertTrue(e.getMessage().contains("seed: expected 0, got 1"), e.getMessage());
    }

    @Test
    void bytesRoundTrip() {
        HyperLogLog h = new HyperLogLog(9, 5);
        for (int i = 0; i < 10_000; i++) {
            h.update(Hashing.hash(i, 9));
        }
        HyperLogLog back = HyperLogLog.fromBytes(h.toBytes());
        assertEquals(h.estimate(), back.estimate(), 0.0);
        assertEquals(9, back.precision());
        assertEquals(5, back.seed());
        byte[] bytes = h.toBytes();
        bytes[1] = 9;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HyperLogLog.fromBytes(bytes));
        assertTrue(e.getMessage().contains("version: expected 1, got 9"), e.getMessage());
    }
}
