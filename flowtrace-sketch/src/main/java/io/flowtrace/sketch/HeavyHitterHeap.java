package io.flowtrace.sketch;

import java.util.Arrays;

/**
 * The top-k candidate set beside a Count-Min sketch: at most {@code capacity} keys with their latest estimate, in
 * a binary min-heap on the estimate, plus an open-addressing index from key to heap slot. A key enters when its
 * estimate beats the smallest tracked one (evicting that one), as in the heap-based heavy-hitter scheme of
 * Cormode and Muthukrishnan (2005, section 5.1) and Space-Saving's replace-the-minimum rule (Metwally et al.,
 * ICDT 2005).
 *
 * <p>For each key it keeps {@code count} (the sketch estimate at the key's latest update: an upper bound of its
 * true total, since the key has not grown since) and {@code since} (the exact weight added since the key entered
 * the set: a lower bound of its true total). Keys that were never evicted have {@code since} equal to the true
 * total. No allocation after construction. Not thread-safe.
 */
final class HeavyHitterHeap {
    private final int capacity;
    private final int width;
    final long[] keys;      // slot-major key words
    final long[] hashes;    // per slot
    final long[] count;     // per slot: estimate (upper bound)
    final long[] since;     // per slot: weight since insertion (lower bound)
    private final int[] heap;     // heap position -> slot
    private final int[] heapPos;  // slot -> heap position
    private final int[] table;    // index: slot + 1, 0 empty
    private final int mask;
    private int size;

    HeavyHitterHeap(int capacity, int width) {
        if (capacity < 1) {
            throw new IllegalArgumentException("candidates: " + capacity + " (expected: >= 1)");
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
        table = new int[Math.max(16, t)];
        mask = table.length - 1;
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /** The smallest tracked estimate, or 0 while the set is not full (anything may enter). */
    long threshold() {
        return size < capacity ? 0 : count[heap[0]];
    }

    /**
     * Offers a key after its sketch update.
     *
     * @param estimate the key's sketch estimate after the update
     * @param weight   the weight of this update
     */
    void offer(long[] w, int off, long hash, long estimate, long weight) {
        if (size == capacity && estimate < count[heap[0]]) {
            return; // a tracked key's estimate never falls below its stored count, so this key is not tracked
        }
        int slot = find(w, off, hash);
        if (slot >= 0) {
            count[slot] = estimate;
            since[slot] += weight;
            siftDown(heapPos[slot]);
            return;
        }
        if (size < capacity) {
            slot = size;
            heap[size] = slot;
            heapPos[slot] = size;
            size++;
            put(slot, w, off, hash, estimate, weight);
            siftUp(heapPos[slot]);
            return;
        }
        if (estimate > count[heap[0]]) {
            slot = heap[0];
            remove(slot);
            put(slot, w, off, hash, estimate, weight);
            siftDown(0);
        }
    }

    /** Adds a key with given bounds (merge); replaces the minimum when full and the key is larger. */
    void offerMerged(long[] w, int off, long hash, long estimate, long lower) {
        int slot = find(w, off, hash);
        if (slot >= 0) {
            count[slot] = Math.min(count[slot], estimate);
            since[slot] = Math.min(since[slot] + lower, count[slot]);
            siftUp(heapPos[slot]);
            siftDown(heapPos[slot]);
            return;
        }
        offer(w, off, hash, estimate, lower);
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
        table[i] = slot + 1;
    }

    private int index(long hash) {
        return (int) (hash ^ (hash >>> 32)) * 0x9E3779B9 >>> 7 & mask;
    }

    int find(long[] w, int off, long hash) {
        int i = index(hash);
        while (true) {
            int e = table[i];
            if (e == 0) {
                return -1;
            }
            int slot = e - 1;
            if (hashes[slot] == hash && same(w, off, slot)) {
                return slot;
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
        while (table[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            int e = table[j];
            if (e == 0) {
                break;
            }
            int home = index(hashes[e - 1]);
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
    }

    long memoryBytes() {
        return keys.length * 8L + capacity * (8L * 3 + 4 * 2) + table.length * 4L;
    }
}
