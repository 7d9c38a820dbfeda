package io.flowtrace.sketch;

import java.util.Arrays;

/**
 * Open-addressing index from multi-word keys to dense ids (0, 1, 2, ... in insertion order), so that owners keep
 * their per-key values in plain arrays indexed by id. Linear probing over an {@code int} table holding id + 1;
 * the table doubles at half load, the key arrays grow by half. Not thread-safe.
 */
final class KeyIndex {
    private final int width;
    private int[] table;
    private int mask;
    private long[] keys;
    private long[] hashes;
    private int size;

    KeyIndex(int width, int expected) {
        this.width = width;
        int cap = Math.max(16, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1);
        table = new int[cap];
        mask = cap - 1;
        keys = new long[Math.max(8, expected) * width];
        hashes = new long[Math.max(8, expected)];
    }

    int size() {
        return size;
    }

    int width() {
        return width;
    }

    /** Words of every key, id-major: key {@code id} starts at {@code id * width()}. */
    long[] keys() {
        return keys;
    }

    long hashOf(int id) {
        return hashes[id];
    }

    /** Capacity of the id space before the key arrays grow; owners size their value arrays to at least this. */
    int idCapacity() {
        return hashes.length;
    }

    /** The id of the key, or -1. */
    int find(long[] w, int off, long hash) {
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
    int findOrAdd(long[] w, int off, long hash, int max) {
        return size < max ? findOrAdd(w, off, hash) : find(w, off, hash);
    }

    /** How many of {@code other}'s keys (of the same width) this index does not hold. */
    int countAbsent(KeyIndex other) {
        int n = 0;
        for (int oid = 0; oid < other.size; oid++) {
            if (find(other.keys, oid * width, other.hashes[oid]) < 0) {
                n++;
            }
        }
        return n;
    }

    /** The id of the key, adding it when absent (new ids are {@link #size()} - 1 after the call). */
    int findOrAdd(long[] w, int off, long hash) {
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
        int id = size++;
        if (id == hashes.length) {
            int n = hashes.length + (hashes.length >> 1) + 8;
            hashes = Arrays.copyOf(hashes, n);
            keys = Arrays.copyOf(keys, n * width);
        }
        hashes[id] = hash;
        System.arraycopy(w, off, keys, id * width, width);
        table[i] = id + 1;
        if (size * 2 > table.length) {
            rehash(table.length * 2);
        }
        return id;
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

    void clear() {
        Arrays.fill(table, 0);
        size = 0;
    }

    long memoryBytes() {
        return table.length * 4L + keys.length * 8L + hashes.length * 8L;
    }
}
