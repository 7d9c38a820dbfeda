package io.flowtrace.sketch;

import java.util.Arrays;

/**
 * The top-k candidate set beside a Count-Min sketch: at most {@code capacity} keys, in a binary min-heap on their
 * estimate, plus an open-addressing index from key to heap slot. A key enters when its sketch estimate beats the
 * smallest tracked one, evicting that one (the heap scheme of Cormode and Muthukrishnan, 2005, section 5.1, and
 * Space-Saving's replace-the-minimum rule, Metwally et al., ICDT 2005).
 *
 * <p>Every update also goes to the sketch, so a key's sketch estimate never falls below its {@code count} and an
 * update whose new estimate is below {@link #floor()} cannot concern a tracked key: callers skip the set for it
 * with one comparison, and most updates of light keys never probe the index. For each key it keeps {@code count},
 * an upper bound of its true total (the sketch estimate when it entered plus everything since, no larger than the
 * current estimate), and {@code since}, the exact weight since it entered (a lower bound; the true total when it
 * never left). No allocation after construction. Not thread-safe.
 */
final class HeavyHitterHeap {
    static final int MAX_CAPACITY = (1 << 23) - 1;
    private static final long SLOT = (1L << 24) - 1;
    private static final long TAG = ~SLOT;
    private final int capacity;
    private final int width;
    final long[] keys;      // slot-major key words
    final long[] hashes;    // per slot
    final long[] count;     // per slot: upper bound
    final long[] since;     // per slot: weight since insertion (lower bound)
    private final int[] heap;     // heap position -> slot
    private final int[] heapPos;  // slot -> heap position
    private final long[] table;   // index: upper 40 bits of the key hash | slot + 1; 0 empty
    private final int mask;
    private int size;
    private long floor = Long.MIN_VALUE;

    HeavyHitterHeap(int capacity, int width) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("candidates: " + capacity + " (expected: 1.." + MAX_CAPACITY + ")");
        }
        this.capacity = capacity;
        this.width = width;
        keys = new long[capacity * width];
        hashes = new long[capacity];
        count = new long[capacity];
        since = new long[capacity];
        heap = new int[capacity];
        heapPos = new int[capacity];
        int t = Integer.highestOneBit(capacity * 4 - 1) << 1;
        table = new long[Math.max(16, t)];
        mask = table.length - 1;
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /**
     * The smallest estimate that can concern the set: the smallest tracked count once the set is full, else
     * {@code Long.MIN_VALUE}. A key whose sketch estimate after an update is below it is not tracked (a tracked
     * key's estimate is at least its count) and would not enter.
     */
    long floor() {
        return floor;
    }

    private void updateFloor() {
        floor = size < capacity ? Long.MIN_VALUE : count[heap[0]];
    }

    /**
     * Counts an update of a key that the sketch has already counted: adds {@code weight} to the key when it is
     * tracked, else offers it with {@code estimate}. Callers may skip it when {@code estimate < floor()}.
     *
     * @param estimate the key's sketch estimate after the update (an upper bound of its true total)
     * @param weight   the weight of this update
     */
    void offer(long[] w, int off, long hash, long estimate, long weight) {
        int slot = find(w, off, hash);
        if (slot >= 0) {
            count[slot] += weight;
            since[slot] += weight;
            siftDown(heapPos[slot]);
            updateFloor();
        } else {
            offerNew(w, off, hash, estimate, weight);
        }
    }

    /**
     * Offers an untracked key: it enters while the set is not full, or when its estimate beats the smallest tracked
     * one, which it evicts (the sketch still bounds the evicted key: it counted all of its weight).
     */
    private void offerNew(long[] w, int off, long hash, long estimate, long weight) {
        if (size < capacity) {
            int slot = size;
            heap[size] = slot;
            heapPos[slot] = size;
            size++;
            put(slot, w, off, hash, estimate, weight);
            siftUp(heapPos[slot]);
            updateFloor();
            return;
        }
        int min = heap[0];
        if (estimate > count[min]) {
            remove(min);
            put(min, w, off, hash, estimate, weight);
            siftDown(0);
            updateFloor();
        }
    }

    /** Adds a key with given bounds (merge, byte form): keeps the tighter bounds when it is already tracked. */
    void offerMerged(long[] w, int off, long hash, long upper, long lower) {
        int slot = find(w, off, hash);
        if (slot >= 0) {
            count[slot] = Math.min(count[slot], upper);
            since[slot] = Math.min(Math.max(since[slot], lower), count[slot]);
            siftUp(heapPos[slot]);
            siftDown(heapPos[slot]);
            updateFloor();
            return;
        }
        offerNew(w, off, hash, upper, Math.min(lower, upper));
    }

    private void put(int slot, long[] w, int off, long hash, long estimate, long weight) {
        System.arraycopy(w, off, keys, slot * width, width);
        hashes[slot] = hash;
        count[slot] = estimate;
        since[slot] = weight;
        int i = index(hash);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = (hash & TAG) | (slot + 1);
    }

    private int index(long hash) {
        return (int) (hash ^ (hash >>> 32)) * 0x9E3779B9 >>> 7 & mask;
    }

    int find(long[] w, int off, long hash) {
        int i = index(hash);
        while (true) {
            long e = table[i];
            if (e == 0) {
                return -1;
            }
            // the tag in the entry spares a load of the slot's hash for keys that merely share the probe run
            if (((e ^ hash) & TAG) == 0) {
                int slot = (int) (e & SLOT) - 1;
                if (same(w, off, slot)) {
                    return slot;
                }
            }
            i = (i + 1) & mask;
        }
    }

    private boolean same(long[] w, int off, int slot) {
        int base = slot * width;
        for (int k = 0; k < width; k++) {
            if (keys[base + k] != w[off + k]) {
                return false;
            }
        }
        return true;
    }

    /** Removes a slot from the index (linear-probing deletion with backward shift). */
    private void remove(int slot) {
        int i = index(hashes[slot]);
        while ((table[i] & SLOT) != slot + 1) {
            i = (i + 1) & mask;
        }
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long e = table[j];
            if (e == 0) {
                break;
            }
            int home = index(hashes[(int) (e & SLOT) - 1]);
            // move e into the hole unless its home lies cyclically in (hole, j]
            boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                table[hole] = e;
                hole = j;
            }
        }
        table[hole] = 0;
    }

    private void siftUp(int pos) {
        int slot = heap[pos];
        long c = count[slot];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            int ps = heap[parent];
            if (count[ps] <= c) {
                break;
            }
            heap[pos] = ps;
            heapPos[ps] = pos;
            pos = parent;
        }
        heap[pos] = slot;
        heapPos[slot] = pos;
    }

    private void siftDown(int pos) {
        int slot = heap[pos];
        long c = count[slot];
        int n = size;
        while (true) {
            int child = 2 * pos + 1;
            if (child >= n) {
                break;
            }
            int cs = heap[child];
            int right = child + 1;
            if (right < n && count[heap[right]] < count[cs]) {
                child = right;
                cs = heap[right];
            }
            if (count[cs] >= c) {
                break;
            }
            heap[pos] = cs;
            heapPos[cs] = pos;
            pos = child;
        }
        heap[pos] = slot;
        heapPos[slot] = pos;
    }

    void clear() {
        Arrays.fill(table, 0);
        size = 0;
        floor = Long.MIN_VALUE;
    }

    long memoryBytes() {
        return keys.length * 8L + capacity * (8L * 3 + 4 * 2) + table.length * 8L;
    }
}
