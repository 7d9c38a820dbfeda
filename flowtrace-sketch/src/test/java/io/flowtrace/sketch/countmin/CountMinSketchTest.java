package io.flowtrace.sketch.countmin;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.SketchBytes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountMinSketchTest {

    @Test
    void conservativeUpdateNeverUnderestimatesAndBeatsPlainUpdate() {
        CountMinSketch cu = new CountMinSketch(512, 4, 1, true);
        CountMinSketch plain = new CountMinSketch(512, 4, 1, false);
        long[] truth = new long[20_000];
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 200_000; i++) {
            int k = (int) Math.min(truth.length - 1, (long) (1 / Math.max(1e-9, rnd.nextDouble())));
            long w = 1 + rnd.nextInt(1500);
            truth[k] += w;
            long h = Hashing.hash(k, 0);
            cu.update(h, w);
            plain.update(h, w);
        }
        long cuError = 0;
        long plainError = 0;
        for (int k = 0; k < truth.length; k++) {
            long h = Hashing.hash(k, 0);
            assertTrue(cu.estimate(h) >= truth[k]);
            assertTrue(plain.estimate(h) >= cu.estimate(h));
            cuError += cu.estimate(h) - truth[k];
            plainError += plain.estimate(h) - truth[k];
        }
        assertTrue(cuError < plainError, "conservative " + cuError + " vs plain " + plainError);
    }

    @Test
    void plainMergeEqualsTheWholeStream() {
        CountMinSketch whole = new CountMinSketch(300, 3, 9, false);
        CountMinSketch a = new CountMinSketch(300, 3, 9, false);
        CountMinSketch b = new CountMinSketch(300, 3, 9, false);
        for (int i = 0; i < 10_000; i++) {
            long h = Hashing.hash(i % 777, 0);
            whole.update(h, i);
            (i % 2 == 0 ? a : b).update(h, i);
        }
        a.merge(b);
        for (int k = 0; k < 777; k++) {
            assertEquals(whole.estimate(Hashing.hash(k, 0)), a.estimate(Hashing.hash(k, 0)));
        }
        assertEquals(whole.total(), a.total());
    }

    @Test
    void sizesFromMemoryOrFromAnErrorTarget() {
        assertEquals(8192, CountMinSketch.ofMemory(256 * 1024, 4, 0).width());
        CountMinSketch e = CountMinSketch.ofError(0.001, 0.01, 0);
        assertEquals(2719, e.width());
        assertEquals(5, e.depth());
    }

    @Test
    void mismatchedSketchesAreRefused() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new CountMinSketch(100, 4, 0, true).merge(new CountMinSketch(200, 4, 0, true)));
        assertEquals("merge: count-min width: expected 100, got 200", ex.getMessage());
    }

    @Test
    void bytesRoundTrip() {
        CountMinSketch s = new CountMinSketch(64, 2, 3, true);
        s.update(Hashing.hash(1, 0), 10);
        CountMinSketch back = CountMinSketch.fromBytes(s.toBytes());
        assertEquals(10, back.estimate(Hashing.hash(1, 0)));
        assertEquals(3, back.seed());
        assertEquals(10, back.total());
    }

    @Test
    void aSketchOfEightGigabytesWithoutItsCountersIsCutShort() throws IOException {
        SketchBytes.assertCutShort(out -> {
            out.writeByte(CountMinSketch.FAMILY);
            out.writeByte(CountMinSketch.VERSION);
            out.writeInt(1 << 27); // width
            out.writeInt(8); // depth: 2^30 counters
            out.writeLong(1);
            out.writeBoolean(true);
            out.writeLong(0); // total, then no counters
        }, CountMinSketch::fromBytes);
    }
}
