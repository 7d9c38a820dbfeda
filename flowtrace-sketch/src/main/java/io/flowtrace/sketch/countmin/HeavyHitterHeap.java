package io.flowtrace.sketch.countmin;

import io.flowtrace.sketch.Hashing;

import java.util.Arrays;

/**
 * The top-k candidate set beside a Count-Min sketch: at most {@code capacity} keys, in a binary min-heap, plus an
 * open-addressing index from key to slot. A key enters when its sketch estimate beats the smallest tracked one,
 * evicting that one (the heap scheme of Cormode and Muthukrishnan, 2005, section 5.1, and Space-Saving's
 * replace-the-minimum rule, Metwally et al., ICDT 2005). For each key it keeps {@code count}, an upper bound of its
 * true total (the sketch estimate when it entered plus everything since), and {@code since}, the exact weight since
 * it entered (a lower bound; the true total when it never left).
 *
 * <p><b>Why the update path has no data-dependent branch.</b> On skewed traffic whether a key is tracked is a coin
 * toss, and a branch on it mispredicts about every other update, which costs more than the rest of the update. So
 * {@link #count} looks the key up without branching: it reads the first {@value #PROBES} index entries from the
 * key's home position, picks the one whose tag matches, compares the slot's full 64-bit hash, and adds the weight
 * to that slot or, when the key is not found there, to a spare slot that nothing reads. Only an update that may
 * change the set takes a branch: one of a key not found whose estimate reaches the floor, a lower bound of the
 * smallest tracked count (rare once the set holds the heavy keys). That path looks the key up exactly (key words),
 * so keys further from home are still counted correctly.
 *
 * <p>To keep increments branch-free too, the heap is ordered by {@code order}, a slot's count when it was last
 * placed, which never exceeds its count. The root's order is then a lower bound of every count; before the root is
 * compared or evicted it is brought up to date and sifted down until the root's order is its count, which makes it
 * the true minimum. Every update also goes to the sketch, so a key's sketch estimate never falls below its count.
 * No allocation after construction. Not thread-safe.
 */
final class HeavyHitterHeap {
    static final int MAX_CAPACITY = (1 << 23) - 1;
    /** Index entries read by the branch-free lookup; tracked keys further from home take the exact path. */
    static final int PROBES = 2;
    private static final long SLOT = (1L << 24) - 1;
    private static final long TAG = ~SLOT;
    private final int capacity;
    private final int width;
    private final int spare;      // slot that absorbs the weight of keys the branch-free lookup does not find
    final long[] keys;            // slot-major key words
    final long[] hashes;          // per slot
    final long[] count;           // per slot: upper bound
    private final long[] before;  // per slot: count - since, the bound of the key's total before it entered
    private final long[] order;   // per slot: heap order, the count when last placed (<= count)
    // per slot: the estimate from which an update takes the exact path; never for a tracked slot, and for the
    // spare slot the floor: a lower bound of the smallest count once the set is full (a key not tracked whose
    // estimate is below it would not enter), else Long.MIN_VALUE
    private final long[] exactFrom;
    private final int[] heap;     // heap position -> slot
    private final int[] heapPos;  // slot -> heap position
    private final long[] table;   // index: tag(key hash) | slot + 1; 0 empty
    private final int mask;
    private int size;

    HeavyHitterHeap(int capacity, int width) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("candidates: " + capacity + " (expected: 1.." + MAX_CAPACITY + ")");
        }
        this.capacity = capacity;
        this.width = width;
        this.spare = capacity;
        keys = new long[(capacity + 1) * width];
        hashes = new long[capacity + 1];
        count = new long[capacity + 1];
        before = new long[capacity + 1];
        order = new long[capacity + 1];
        exactFrom = new long[capacity + 1];
        Arrays.fill(exactFrom, Long.MAX_VALUE);
        exactFrom[spare] = Long.MIN_VALUE;
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
     * Counts an update that the sketch has already counted: adds {@code weight} to the key when it is tracked,
     * else offers it with {@code estimate}.
     *
     * @param estimate the key's sketch estimate after the update (an upper bound of its true total, and of its
     *                 count when tracked)
     * @param weight   the weight of this update
     */
    void count(long[] w, int off, long hash, long estimate, long weight) {
        int slot = lookup(hash);
        count[slot] += weight;
        if (estimate >= exactFrom[slot]) {
            offer(w, off, hash, estimate, weight);
        }
    }

    /**
     * The slot of a tracked key with this hash within {@link #PROBES} entries of its home position, else the spare
     * slot. It compares hashes, not key words: two keys with one 64-bit hash are one key to the sketch already.
     */
    private int lookup(long hash) {
        long[] t = table;
        long tag = tag(hash);
        int i = index(hash);
        int slot = spare;
        for (int j = 0; j < PROBES; j++) {
            long e = t[(i + j) & mask];
            slot = select(slot, (int) (e & SLOT) - 1, (e & TAG) ^ tag);
        }
        return select(spare, slot, hashes[slot] ^ hash);
    }

    /** {@code ifZero} when {@code x == 0}, else {@code otherwise}; by arithmetic, as a conditional may branch. */
    private static int select(int otherwise, int ifZero, long x) {
        int nonZero = (int) ((x | -x) >> 63); // -1 when x != 0, else 0
        return ifZero ^ ((ifZero ^ otherwise) & nonZero);
    }

    /** The weight counted since the key in {@code slot} entered: a lower bound of its total. */
    long since(int slot) {
        return count[slot] - before[slot];
    }

    /** The exact path of {@link #count} for a key the branch-free lookup did not find. */
    private void offer(long[] w, int off, long hash, long estimate, long weight) {
        int slot = find(w, off, hash);
        if (slot >= 0) {
            count[slot] += weight;
        } else {
            offerNew(w, off, hash, estimate, weight);
        }
    }

    /**
     * Offers an untracked key: it enters while the set is not full, or when its estimate beats the smallest tracked
     * count, whose key it evicts (the sketch still bounds the evicted key: it counted all of its weight).
     */
    private void offerNew(long[] w, int off, long hash, long estimate, long weight) {
        if (size < capacity) {
            int slot = size;
            seat(size, slot);
            size++;
            put(slot, w, off, hash, estimate, weight);
            siftUp(heapPos[slot]);
            settleRoot();
            return;
        }
        int min = settleRoot();
        if (estimate > count[min]) {
            remove(min);
            put(min, w, off, hash, estimate, weight);
            siftDown(0);
            settleRoot();
        }
    }

    /**
     * Brings the root's order up to its count, sifting it down, until the root's order is its count: the root is then
     * the smallest count (every other count is at least its order, which is at least the root's). Sets the floor
     * (see {@code exactFrom}).
     *
     * @return the root's slot
     */
    private int settleRoot() {
        int root = heap[0];
        while (order[root] != count[root]) {
            order[root] = count[root];
            siftDown(0);
            root = heap[0];
        }
        exactFrom[spare] = size < capacity ? Long.MIN_VALUE : count[root];
        return root;
    }

    /** Adds a key with given bounds (merge, byte form): keeps the tighter bounds when it is already tracked. */
    void offerMerged(long[] w, int off, long hash, long upper, long lower) {
        int slot = find(w, off, hash);
        if (slot >= 0) {
            long since = since(slot);
            count[slot] = Math.min(count[slot], upper);
            before[slot] = count[slot] - Math.min(Math.max(since, lower), count[slot]);
            if (order[slot] > count[slot]) {
                order[slot] = count[slot];
                siftUp(heapPos[slot]);
            }
            settleRoot();
            return;
        }
        offerNew(w, off, hash, upper, Math.min(lower, upper));
    }

    private void put(int slot, long[] w, int off, long hash, long estimate, long weight) {
        System.arraycopy(w, off, keys, slot * width, width);
        hashes[slot] = hash;
        count[slot] = estimate;
        order[slot] = estimate;
        before[slot] = estimate - weight;
        int i = index(hash);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = tag(hash) | (slot + 1);
    }

    /** The tag of an index entry: the upper 40 bits of the key hash, the top one set so that no entry is 0. */
    private static long tag(long hash) {
        return hash & TAG | Long.MIN_VALUE;
    }

    /** The home position of a key: the low bits of its hash, which is well mixed ({@link Hashing}). */
    private int index(long hash) {
        return (int) hash & mask;
    }

    int find(long[] w, int off, long hash) {
        long tag = tag(hash);
        int i = index(hash);
        while (true) {
            long e = table[i];
            if (e == 0) {
                return -1;
            }
            // the tag in the entry spares a load of the slot's hash for keys that merely share the probe run
            if ((e & TAG) == tag) {
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
        long c = order[slot];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            int ps = heap[parent];
            if (order[ps] <= c) {
                break;
            }
            seat(pos, ps);
            pos = parent;
        }
        seat(pos, slot);
    }

    private void siftDown(int pos) {
        int slot = heap[pos];
        long c = order[slot];
        int n = size;
        while (true) {
            int child = 2 * pos + 1;
            if (child >= n) {
                break;
            }
            int cs = heap[child];
            int right = child + 1;
            if (right < n && order[heap[right]] < order[cs]) {
                child = right;
                cs = heap[right];
            }
            if (order[cs] >= c) {
                break;
            }
            seat(pos, cs);
            pos = child;
        }
        seat(pos, slot);
    }

    /** Puts {@code slot} at heap position {@code pos}. */
    private void seat(int pos, int slot) {
        heap[pos] = slot;
        heapPos[slot] = pos;
    }

    void clear() {
        Arrays.fill(table, 0);
        size = 0;
        exactFrom[spare] = Long.MIN_VALUE;
        count[spare] = 0;
    }

    long memoryBytes() {
        return keys.length * 8L + (capacity + 1) * 8L * 5 + capacity * 4L * 2 + table.length * 8L;
    }
}
