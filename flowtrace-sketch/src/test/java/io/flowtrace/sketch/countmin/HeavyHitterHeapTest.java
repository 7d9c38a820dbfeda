package io.flowtrace.sketch.countmin;

import io.flowtrace.sketch.Hashing;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeavyHitterHeapTest {

    /** Hashes with the same low 32 bits share one home position in the index. */
    private static long sameHome(int k) {
        return ((long) (k + 1) << 32) | 0x5BD1E995L;
    }

    private static long[] word(long v) {
        return new long[] {v};
    }

    @Test
    void keysSharingAHomePositionAreAllCountedExactly() {
        int keys = 8; // more than the branch-free lookup reads, so some are found only by the exact path
        HeavyHitterHeap heap = new HeavyHitterHeap(keys, 1);
        long[] truth = new long[keys];
        for (int round = 1; round <= 50; round++) {
            for (int k = 0; k < keys; k++) {
                long w = k + round;
                truth[k] += w;
                // an exact sketch: the estimate is the true total, as large as any count
                heap.count(word(k), 0, sameHome(k), truth[k], w);
            }
        }
        assertEquals(keys, heap.size());
        for (int k = 0; k < keys; k++) {
            int slot = heap.find(word(k), 0, sameHome(k));
            assertTrue(slot >= 0, "key " + k);
            assertEquals(truth[k], heap.count[slot], "count of key " + k);
            assertEquals(truth[k], heap.since(slot), "since of key " + k);
        }
    }

    @Test
    void evictsTheSmallestCountAfterIncrementsReorderedTheKeys() {
        HeavyHitterHeap heap = new HeavyHitterHeap(3, 1);
        heap.count(word(1), 0, Hashing.hash(1, 0), 10, 10);
        heap.count(word(2), 0, Hashing.hash(2, 0), 20, 20);
        heap.count(word(3), 0, Hashing.hash(3, 0), 30, 30);
        // key 1 was the smallest; after this it is the largest, and key 2 the smallest
        heap.count(word(1), 0, Hashing.hash(1, 0), 110, 100);
        heap.count(word(4), 0, Hashing.hash(4, 0), 25, 25);

        assertTrue(heap.find(word(2), 0, Hashing.hash(2, 0)) < 0, "key 2 evicted");
        for (long k : new long[] {1, 3, 4}) {
            assertTrue(heap.find(word(k), 0, Hashing.hash(k, 0)) >= 0, "key " + k + " tracked");
        }
        assertEquals(110, heap.count[heap.find(word(1), 0, Hashing.hash(1, 0))]);

        // 25 is now the smallest count: an estimate of 25 does not enter, 26 evicts key 4
        heap.count(word(5), 0, Hashing.hash(5, 0), 25, 1);
        assertTrue(heap.find(word(5), 0, Hashing.hash(5, 0)) < 0, "key 5 not admitted at the minimum");
        heap.count(word(6), 0, Hashing.hash(6, 0), 26, 1);
        assertTrue(heap.find(word(6), 0, Hashing.hash(6, 0)) >= 0, "key 6 admitted");
        assertTrue(heap.find(word(4), 0, Hashing.hash(4, 0)) < 0, "key 4 evicted");
    }
}
