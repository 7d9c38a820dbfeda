package io.flowtrace.sketch.internal;

import io.flowtrace.core.spi.HeapRoom;

import java.util.Arrays;

/**
 * Open-addressing index from multi-word keys to dense ids (0, 1, 2, ... in insertion order), so that owners keep
 * their per-key values in plain arrays indexed by id. Linear probing over an {@code int} table holding id + 1;
 * the table doubles at half load, the key arrays grow by half. Owners hash keys under a secret seed
 * ({@link Seeds}), so nobody can craft keys that share a probe sequence.
 *
 * <p>When the heap cannot hold a growth, or has no room left for the rest of the process after it ({@link HeapRoom}),
 * the index stops growing instead: it keeps the keys it has and takes no
 * new ones from then on ({@link #stopped()}), so a flood of keys costs lost detail, never an
 * {@link OutOfMemoryError} elsewhere in the process. Not thread-safe.
 */
public final class KeyIndex {
    /** Largest bound accepted for keys (and an exact aggregator's pairs). */
    public static final int MAX_BOUND = 1 << 28;

    private final int width;
    private int[] table;
    private int mask;
    private long[] keys;
    private long[] hashes;
    private int size;
    /** Keys taken at most: unbounded until a growth fails, then the size at that moment. */
    private int room = Integer.MAX_VALUE;

    public KeyIndex(int width, int expected) {
        this.width = width;
        int cap = Math.max(16, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1);
        table = new int[cap];
        mask = cap - 1;
        keys = new long[Math.max(8, expected) * width];
        hashes = new long[Math.max(8, expected)];
    }

    public int size() {
        return size;
    }

    public int width() {
        return width;
    }

    /** Words of every key, id-major: key {@code id} starts at {@code id * width()}. */
    public long[] keys() {
        return keys;
    }

    public long hashOf(int id) {
        return hashes[id];
    }

    /** {@return the bytes of the index's arrays} */
    public long bytes() {
        return (long) table.length * Integer.BYTES + (long) keys.length * Long.BYTES + (long) hashes.length * Long.BYTES;
    }

    /** Capacity of the id space before the key arrays grow; owners size their value arrays to at least this. */
    public int idCapacity() {
        return hashes.length;
    }

    /** The id of the key, or -1. */
    public int find(long[] w, int off, long hash) {
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (true) {
            int e = table[i];
            if (e == 0) {
                return -1;
            }
            int id = e - 1;
            if (hashes[id] == hash && same(w, off, id)) {
                return id;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * The id of the key, adding it when absent while the index holds fewer than {@code max} keys; -1 when it is absent
     * and the index is full. For owners that bound their keys.
     */
    public int findOrAdd(long[] w, int off, long hash, int max) {
        return size < max && size < room ? findOrAdd(w, off, hash) : find(w, off, hash);
    }

    /** True once a growth failed for want of heap: the index takes no new keys. */
    public boolean stopped() {
        return room != Integer.MAX_VALUE;
    }

    /** Takes no new keys from now on (an owner could not grow its per-key arrays). */
    public void stop() {
        room = size;
    }

    /**
     * Removes the key added last (id {@code size() - 1}), which an owner could not make room for. It sits at the end
     * of its probe sequence (a rehash re-inserts in id order), so clearing its slot breaks no other key's sequence.
     */
    public void removeLast(long hash) {
        int id = size - 1;
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (table[i] != id + 1) {
            i = (i + 1) & mask;
        }
        table[i] = 0;
        size = id;
    }

    /** How many of {@code other}'s keys (of the same width) this index does not hold. */
    public int countAbsent(KeyIndex other) {
        int n = 0;
        for (int oid = 0; oid < other.size; oid++) {
            if (find(other.keys, oid * width, other.hashes[oid]) < 0) {
                n++;
            }
        }
        return n;
    }

    /** The id of the key, adding it when absent (new ids are {@link #size()} - 1 after the call). */
    public int findOrAdd(long[] w, int off, long hash) {
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (true) {
            int e = table[i];
            if (e == 0) {
                break;
            }
            int id = e - 1;
            if (hashes[id] == hash && same(w, off, id)) {
                return id;
            }
            i = (i + 1) & mask;
        }
        int id = size;
        if (id == hashes.length && !growKeys()) {
            return -1;
        }
        size++;
        hashes[id] = hash;
        System.arraycopy(w, off, keys, id * width, width);
        table[i] = id + 1;
        if (size * 2 > table.length) {
            if (!HeapRoom.allows((long) table.length * 2 * Integer.BYTES)) {
                stop(); // the table is still at most half full plus one: it works, it only stops taking keys
                return id;
            }
            try {
                rehash(table.length * 2);
            } catch (OutOfMemoryError e) {
                stop(); // the table is still at most half full plus one: it works, it only stops taking keys
            }
        }
        return id;
    }

    /** Grows the key arrays by half, or stops the index when the heap has no room for that. */
    private boolean growKeys() {
        int n = (int) Math.min((Integer.MAX_VALUE - 8) / width, hashes.length + (hashes.length >> 1) + 8L);
        if (n <= hashes.length || !HeapRoom.allows((long) n * (width + 1) * Long.BYTES)) {
            stop();
            return false;
        }
        try {
            long[] h = Arrays.copyOf(hashes, n);
            long[] k = Arrays.copyOf(keys, n * width);
            hashes = h;
            keys = k;
            return true;
        } catch (OutOfMemoryError e) {
            stop();
            return false;
        }
    }

    private boolean same(long[] w, int off, int id) {
        int base = id * width;
        for (int k = 0; k < width; k++) {
            if (keys[base + k] != w[off + k]) {
                return false;
            }
        }
        return true;
    }

    private void rehash(int cap) {
        int[] t = new int[cap];
        int m = cap - 1;
        for (int id = 0; id < size; id++) {
            long h = hashes[id];
            int i = (int) (h ^ (h >>> 32)) & m;
            while (t[i] != 0) {
                i = (i + 1) & m;
            }
            t[i] = id + 1;
        }
        table = t;
        mask = m;
    }

    /** Forgets every key; an index that had stopped takes keys again up to what it held. */
    public void clear() {
        Arrays.fill(table, 0);
        size = 0;
    }

    /** The longest run of occupied slots: the most probes a lookup can take (for tests). */
    public int longestRun() {
        int longest = 0;
        int run = 0;
        // twice round, so that a run wrapping past the end is counted whole
        for (int j = 0; j < 2 * table.length; j++) {
            run = table[j & mask] == 0 ? 0 : run + 1;
            longest = Math.max(longest, run);
        }
        return Math.min(longest, size);
    }

    public long memoryBytes() {
        return table.length * 4L + keys.length * 8L + hashes.length * 8L;
    }
}
