package io.flowtrace.sketch.internal;

import io.flowtrace.core.spi.HeapRoom;
import io.flowtrace.sketch.KeyFields;

import java.util.Arrays;

/**
 * An aggregator that tracks at most {@code maxKeys} keys in a {@link KeyIndex}, with each key's packets and wire
 * bytes in arrays indexed by key id (subclasses add their own per-key arrays). Traffic of keys it cannot track
 * counts as untracked. When the heap cannot hold a growth below the bound, or would have no room left for the rest
 * of the process after it ({@link HeapRoom}), the keys stop where they are and a
 * warning says so once per instance. Merges keep the bound ({@link #mergeKeys}). Single-writer, not thread-safe.
 *
 * @param <A> the subclass itself, which merges only with its own kind
 */
public abstract class KeyedAggregator<A extends KeyedAggregator<A>> extends BaseAggregator {
    protected final KeyIndex index;
    protected final int maxKeys;
    /** Per key id: packets and wire bytes. */
    protected long[] packets;
    protected long[] bytes;
    /** Traffic of keys left out once the bound was reached. */
    protected long untrackedPackets;
    protected long untrackedBytes;
    private boolean warned;

    /**
     * @param expected keys the table is first sized for
     */
    protected KeyedAggregator(String task, KeyFields key, long seed, int family, int formatVersion, int maxKeys,
                              int expected) {
        super(task, key, seed, family, formatVersion);
        if (maxKeys < 1 || maxKeys > KeyIndex.MAX_BOUND) {
            throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: 1.." + KeyIndex.MAX_BOUND
                    + ")");
        }
        this.maxKeys = maxKeys;
        this.index = new KeyIndex(key.words(), expected);
        packets = new long[index.idCapacity()];
        bytes = new long[index.idCapacity()];
    }

    /** Keys tracked at most. */
    public int maxKeys() {
        return maxKeys;
    }

    /** Number of distinct keys tracked. */
    public int keyCount() {
        return index.size();
    }

    /** Packets of keys left out by the bound (also in the totals). */
    public long untrackedPackets() {
        return untrackedPackets;
    }

    /** The packets counted in tracked keys. */
    public long trackedPackets() {
        long n = 0;
        for (int id = 0; id < index.size(); id++) {
            n += packets[id];
        }
        return n;
    }

    /** The id of a key, added when absent and the bound leaves room; -1 when it does not. */
    protected final int keyId(long[] w, int off, long hash) {
        int id = index.findOrAdd(w, off, hash, maxKeys);
        if (id >= packets.length && !grow()) {
            index.removeLast(hash);
            index.stop();
            id = -1;
        }
        if (id < 0 && index.stopped()) {
            warnOnce(index.size(), "keys", maxKeys);
        }
        return id;
    }

    /** Says once per instance that the task stays at {@code n} {@code what} below its {@code bound}. */
    protected final void warnOnce(int n, String what, long bound) {
        if (!warned) {
            warned = true;
            HeapBudget.warnStopped(type(), task, n, what, bound);
        }
    }

    /** Grows the per-key arrays to the index's id capacity; false (and nothing changed) when the heap has no room. */
    private boolean grow() {
        int n = index.idCapacity();
        long arrays = (long) n * (2L * Long.BYTES + bytesPerKey());
        // a snapshot copies the instance, merges the copies into another and a merge by rank holds a union of
        // twice the bound: keep four times the instance free
        if (!HeapRoom.allows(arrays, 4 * (arrays + index.bytes()))) {
            return false;
        }
        try {
            long[] p = Arrays.copyOf(packets, n);
            long[] b = Arrays.copyOf(bytes, n);
            if (!growPerKey(n)) {
                return false;
            }
            packets = p;
            bytes = b;
            return true;
        } catch (OutOfMemoryError e) {
            return false;
        }
    }

    /**
     * Grows the subclass's own per-key arrays to {@code n} ids, assigning them only once all are allocated; false
     * when they cannot grow that far. An {@link OutOfMemoryError} it lets out counts as false.
     *
     * @param n ids the arrays must hold
     * @return whether they were grown
     */
    protected abstract boolean growPerKey(int n);

    /**
     * Bytes a key takes in the subclass's own per-key arrays, for the heap check before they grow.
     *
     * @return bytes per key id; 0 when the subclass has none
     */
    protected int bytesPerKey() {
        return 0;
    }

    /**
     * Merges {@code o}, whose parameters the caller has checked: key by key while the union of keys fits the bound.
     * When it does not, the union is built in full for a moment (up to twice the bound), then the {@code maxKeys}
     * keys that rank largest ({@link #ranks}) are kept and the others counted as untracked, so the heaviest keys
     * survive whatever order the parts (workers) are merged in.
     */
    protected final void mergeKeys(A o) {
        if (index.size() + index.countAbsent(o.index) <= maxKeys) {
            mergeIn(o);
            return;
        }
        A u;
        try {
            u = union(o, (int) Math.min(KeyIndex.MAX_BOUND, (long) index.size() + o.index.size()));
            u.mergeIn(self());
            u.mergeIn(o);
        } catch (OutOfMemoryError e) {
            // no heap for the union: keep what is here and add what fits, the rest counted as untracked
            mergeIn(o);
            return;
        }
        int n = u.index.size();
        int[] keep = Ranking.largest(u.ranks(), n, Math.min(maxKeys, n));
        // start again from the union's keep
        reset();
        mergeTotals(u);
        untrackedPackets = u.untrackedPackets;
        untrackedBytes = u.untrackedBytes;
        int[] map = new int[n];
        Arrays.fill(map, -1);
        long[] uk = u.index.keys();
        int w = key.words();
        for (int uid : keep) {
            int id = keyId(uk, uid * w, u.index.hashOf(uid));
            map[uid] = id;
            if (id < 0) {
                continue; // the index had stopped below the bound: counted as untracked below
            }
            packets[id] = u.packets[uid];
            bytes[id] = u.bytes[uid];
        }
        for (int uid = 0; uid < n; uid++) {
            if (map[uid] < 0) {
                untrackedPackets += u.packets[uid];
                untrackedBytes += u.bytes[uid];
            }
        }
        keepRest(u, map);
    }

    @SuppressWarnings("unchecked")
    private A self() {
        return (A) this;
    }

    /**
     * Adds {@code o} key by key while the bound leaves room, the others counted as untracked; and its totals.
     *
     * @param o an instance of the same parameters
     */
    protected abstract void mergeIn(A o);

    /**
     * An empty instance of these parameters with room for {@code keys} keys and what else {@code o} brings.
     *
     * @param o    the instance merged in
     * @param keys keys it must have room for
     * @return the empty instance
     */
    protected abstract A union(A o, int keys);

    /** {@return each key's value the merge ranks keys by, by id} */
    protected abstract long[] ranks();

    /**
     * After a merge by rank has set the packets and bytes of the keys kept from {@code u}: the subclass's own per-key
     * values and untracked totals; {@code map} gives each of {@code u}'s ids its id here, or -1 when left out.
     *
     * @param u   the instance the keys come from
     * @param map each of {@code u}'s ids to its id here, or -1
     */
    protected abstract void keepRest(A u, int[] map);

    /** Forgets every key, its packets and bytes, the untracked traffic and the totals. */
    protected final void resetKeys() {
        index.clear();
        Arrays.fill(packets, 0);
        Arrays.fill(bytes, 0);
        untrackedPackets = 0;
        untrackedBytes = 0;
        resetTotals();
    }
}
