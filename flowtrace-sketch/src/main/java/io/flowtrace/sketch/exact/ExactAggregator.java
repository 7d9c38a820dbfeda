package io.flowtrace.sketch.exact;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.HeapRoom;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.HeapBudget;
import io.flowtrace.sketch.internal.KeyIndex;
import io.flowtrace.sketch.internal.KeyedAggregator;
import io.flowtrace.sketch.internal.Metric;
import io.flowtrace.sketch.internal.Ranking;
import io.flowtrace.sketch.internal.Seeds;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact group-by (type {@code exact}): packets, wire bytes and finished flows per key, in 64-bit counters, over any
 * subset of {@code src_ip}, {@code dst_ip}, {@code src_port}, {@code dst_port}, {@code protocol}. The engine's
 * {@code per_five_tuple} task is {@code ExactAggregator.of("per_five_tuple", "five_tuple")} and
 * {@code per_src_ip} is {@code ExactAggregator.of("per_src_ip", "src_ip")}.
 *
 * <p>Packets and bytes are counted per packet; flows are counted when a flow event finishes (keyed by the
 * record's initiator-first key), so a window's flow count is the number of flows that ended in it. With the metric
 * {@code spread:FIELDS} it also counts, per key, the distinct values of other fields (e.g. distinct
 * {@code dst_ip} per {@code src_ip}); pairs are remembered as 64-bit fingerprints, so the count is exact unless two
 * of the n pairs collide (probability below n²/2<sup>65</sup>).
 *
 * <p><b>Bounded.</b> At most {@code maxKeys} keys are tracked, and with {@code spread:} at most {@code maxPairs}
 * pairs; by default as many as fit in a sixteenth of the maximum heap (with their snapshot rows when every key is
 * a row, {@code limit} 0), and at most {@value #DEFAULT_MAX_KEYS} keys
 * and {@value #DEFAULT_MAX_PAIRS} pairs. When the heap cannot hold a growth below the bound, the table stops where it
 * is and says so in a warning; what it cannot take is counted as below. Once the bound is reached,
 * keys not yet tracked are not added: their packets, bytes and flows still count in the totals and are also counted
 * as {@code untracked_packets}, {@code untracked_bytes} and {@code untracked_flows}; a pair that cannot be
 * remembered is counted in {@code untracked_pairs}. These totals appear in a snapshot only when they are not zero,
 * so a snapshot without them is exact. With them, one instance's rows stay exact (a key is either tracked from its
 * first packet or not at all) except spreads, which may miss the untracked pairs; rows merged from several
 * instances (workers) may miss what another instance could not track. Such rows say so with bounds: the value is
 * the lower bound, and the upper bound adds what may be missing ({@link Snapshot.Row#upper()}). Memory is about
 * 56 + 8 × key words bytes per key (24 per pair); the table doubles as it fills (pre-size with {@code capacity}).
 *
 * <p><b>Merge: exact</b> within the bound. Counters add; distinct pairs are unioned. The merged answer is the
 * single-instance one, whatever way the stream was split, as long as neither side nor the result went past the
 * bound. When the union of keys does not fit, it is built in full for a moment (up to twice the bound) and the
 * {@code maxKeys} largest keys by the task's metric are kept, the others counted as untracked, so the heaviest keys
 * survive whatever order workers are merged in. Only aggregators with the same seed merge: keys are hashed under
 * it, by default a secret one per process ({@code seed} sets it, for state merged across processes). Not
 * thread-safe.
 *
 * @since 0.1
 */
public final class ExactAggregator extends KeyedAggregator<ExactAggregator> {
    /** Turns the key seed into the element seed; the seed of the first releases gives their element seed. */
    private static final long ELEMENT_SALT = 0x3C6EF372FE94F82BL ^ 0x6A09E667F3BCC909L;
    /** Format version of the byte form: 2 adds the bounds and the untracked totals. */
    static final int FORMAT = 2;
    /**
     * The newest version read: 3 adds the lifecycle flag and each key's first and last seen, written only with
     * {@link #lifecycle(boolean)} on (so the bytes of other tasks stay those of version 2).
     */
    static final int NEWEST = 3;
    /** Most keys tracked unless configured (fewer when the heap is small): the flow table's default bound. */
    public static final int DEFAULT_MAX_KEYS = 1_000_000;
    /** Most distinct pairs ({@code spread:}) remembered unless configured (fewer when the heap is small). */
    public static final int DEFAULT_MAX_PAIRS = 4_000_000;
    /** Heap a snapshot row takes (its key map, boxed values, and its JSON on the way out), for the default bound. */
    static final int ROW_BYTES = 512;
    /** Largest bound accepted for keys and pairs. */
    public static final int MAX_BOUND = KeyIndex.MAX_BOUND;

    private final Metric metric;
    private final int limit;
    private final int capacity;
    private final int maxPairs;
    private final long elementSeed;
    private long[] flows;
    private long[] distinct;
    // spread: open-addressing set of pair fingerprints (0 = empty) and the key id of each pair
    private long[] pairs;
    private int[] pairKey;
    private int pairCount;
    // flows (and pairs) left out once the bounds were reached
    private long untrackedFlows;
    private long untrackedPairs;
    /** Pairs remembered at most: {@link #maxPairs}, or fewer once the heap could not hold a growth. */
    private int pairRoom;
    /** Per key: its row may miss traffic another instance left untracked (set by merges; see {@link #slack}). */
    private boolean[] partial;
    /** Per key: packet time of its first and last packet (epoch nanoseconds; 0: none counted yet). */
    private long[] firstSeen;
    private long[] lastSeen;
    /** Whether rows carry every count of their key ({@link Snapshot.Row#counts()}). */
    private boolean lifecycle;

    ExactAggregator(String task, KeyFields key, Metric metric, int limit, int capacity, int maxKeys, int maxPairs,
                    long seed) {
        super(task, key, seed, Bytes.EXACT, FORMAT, maxKeys, Math.min(capacity, maxKeys));
        if (maxPairs < 1 || maxPairs > MAX_BOUND) {
            throw new IllegalArgumentException("maxPairs: " + maxPairs + " (expected: 1.." + MAX_BOUND + ")");
        }
        this.metric = metric;
        this.limit = limit;
        this.capacity = Math.min(capacity, maxKeys);
        this.maxPairs = maxPairs;
        this.elementSeed = seed ^ ELEMENT_SALT;
        this.pairRoom = maxPairs;
        int n = index.idCapacity();
        flows = new long[n];
        partial = new boolean[n];
        if (metric.kind == Metric.SPREAD) {
            distinct = new long[n];
            int cap = Integer.highestOneBit(Math.max(16, Math.min(this.capacity * 4, maxPairs)) - 1) << 1;
            pairs = new long[cap];
            pairKey = new int[cap];
        }
    }

    /**
     * An exact task counting packets per key.
     *
     * @param task name of the task
     * @param key  key fields, e.g. {@code src_ip,dst_ip} or {@code five_tuple}
     * @return the aggregator
     */
    public static ExactAggregator of(String task, String key) {
        KeyFields k = KeyFields.parse(key);
        int maxKeys = defaultMaxKeys(k, Metric.packets(), 0);
        return new ExactAggregator(task, k, Metric.packets(), 0, 1024, maxKeys, defaultMaxPairs(maxKeys),
                Seeds.process());
    }

    /**
     * An exact task.
     *
     * @param task   name of the task
     * @param key    key fields, e.g. {@code src_ip,dst_ip} or {@code five_tuple}
     * @param metric {@code packets}, {@code bytes}, {@code flows} or {@code spread:FIELDS}: what rows are ranked by
     * @param limit  rows per snapshot, largest first; 0 for all
     * @return the aggregator
     */
    public static ExactAggregator of(String task, String key, String metric, int limit) {
        return of(task, key, metric, limit, defaultMaxKeys(KeyFields.parse(key), Metric.parse(metric), limit));
    }

    /**
     * An exact task tracking at most {@code maxKeys} keys (and, with {@code spread:}, remembering at most the
     * default number of pairs, or {@code maxKeys} if that is larger).
     *
     * @param task    name of the task
     * @param key     key fields, e.g. {@code src_ip,dst_ip} or {@code five_tuple}
     * @param metric  {@code packets}, {@code bytes}, {@code flows} or {@code spread:FIELDS}: what rows are ranked by
     * @param limit   rows per snapshot, largest first; 0 for all
     * @param maxKeys keys tracked at most, 1 to {@value #MAX_BOUND}; traffic of further keys is counted as
     *                untracked
     * @return the aggregator
     */
    public static ExactAggregator of(String task, String key, String metric, int limit, int maxKeys) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        return new ExactAggregator(task, KeyFields.parse(key), Metric.parse(metric), limit, 1024, maxKeys,
                defaultMaxPairs(maxKeys), Seeds.process());
    }

    /**
     * The default key bound: the keys that fit in the heap's share ({@link HeapBudget}), at most
     * {@value #DEFAULT_MAX_KEYS}.
     */
    static int defaultMaxKeys(KeyFields key, Metric metric, int limit) {
        // per key: 2 to 4 table slots, and key words, hash, counters and flag in arrays grown by half; with every
        // key a row (limit 0), its row in each snapshot too (a row's 512 bytes cover the first and last seen arrays
        // too; kept as it was so the default bound, which the byte form records, stays the same)
        long perKey = 16 + (8L * key.words() + 33 + (metric.kind == Metric.SPREAD ? 8 : 0)) * 3 / 2
                + (limit == 0 ? ROW_BYTES : 0);
        return HeapBudget.entries(perKey, DEFAULT_MAX_KEYS);
    }

    /**
     * The default pair bound: the pairs that fit in the heap's share (24 to 48 bytes each), at most
     * {@value #DEFAULT_MAX_PAIRS}; or {@code maxKeys} when that is larger.
     */
    static int defaultMaxPairs(int maxKeys) {
        return Math.max(HeapBudget.entries(48, DEFAULT_MAX_PAIRS), maxKeys);
    }

    @Override
    public String type() {
        return "exact";
    }

    @Override
    public void onPacket(PacketView p) {
        long[] s = scratch;
        KeyFields k = key;
        k.extract(p, s, 0);
        int w = k.words();
        long h = Hashing.hash(s, 0, w, seed);
        int id = keyId(s, 0, h);
        long len = p.wireLength();
        totalPackets++;
        totalBytes += len;
        if (id < 0) {
            untrackedPackets++;
            untrackedBytes += len;
            return;
        }
        packets[id]++;
        bytes[id] += len;
        if (firstSeen != null) {
            long t = p.timestampNanos();
            if (firstSeen[id] == 0 || t < firstSeen[id]) {
                firstSeen[id] = t;
            }
            if (t > lastSeen[id]) {
                lastSeen[id] = t;
            }
        }
        if (distinct != null) {
            KeyFields e = metric.element;
            e.extract(p, s, w);
            long eh = Hashing.hash(s, w, e.words(), elementSeed);
            if (addPair(Hashing.pair(h, eh), id)) {
                distinct[id]++;
            }
        }
    }

    @Override
    public void onFlow(FlowEvent record) {
        totalFlows++;
        long[] s = scratch;
        key.extract(record.key(), s, 0);
        int id = keyId(s, 0, Hashing.hash(s, 0, key.words(), seed));
        if (id < 0) {
            untrackedFlows++;
            return;
        }
        flows[id]++;
    }

    @Override
    protected int bytesPerKey() {
        // flows and partial, and the optional distinct count and lifetimes
        return Long.BYTES + 1 + (distinct == null ? 0 : Long.BYTES) + (firstSeen == null ? 0 : 2 * Long.BYTES);
    }

    @Override
    protected boolean growPerKey(int n) {
        long[] f = Arrays.copyOf(flows, n);
        boolean[] part = Arrays.copyOf(partial, n);
        long[] d = distinct == null ? null : Arrays.copyOf(distinct, n);
        long[] first = firstSeen == null ? null : Arrays.copyOf(firstSeen, n);
        long[] last = lastSeen == null ? null : Arrays.copyOf(lastSeen, n);
        flows = f;
        firstSeen = first;
        lastSeen = last;
        partial = part;
        distinct = d;
        return true;
    }

    /** Adds a pair fingerprint; true when it was new (false too when new but over the bound: counted untracked). */
    private boolean addPair(long fp, int keyId) {
        if (fp == 0) {
            fp = 1;
        }
        int m = pairs.length - 1;
        int i = (int) (fp ^ (fp >>> 29)) & m;
        while (true) {
            long e = pairs[i];
            if (e == 0) {
                if (pairCount >= pairRoom) {
                    untrackedPairs++;
                    if (pairRoom < maxPairs) {
                        warnOnce(pairCount, "pairs", maxPairs);
                    }
                    return false;
                }
                pairs[i] = fp;
                pairKey[i] = keyId;
                if (++pairCount * 2 > pairs.length && !growPairs()) {
                    pairRoom = pairCount; // still at most half full plus one: it works, it takes no more pairs
                }
                return true;
            }
            if (e == fp) {
                return false;
            }
            i = (i + 1) & m;
        }
    }

    /** Doubles the pair set; false (and nothing changed) when the heap has no room for that. */
    private boolean growPairs() {
        long[] oldPairs = pairs;
        int[] oldKeys = pairKey;
        if (oldPairs.length >= 1 << 30
                || !HeapRoom.allows((long) oldPairs.length * 2 * (Long.BYTES + Integer.BYTES))) {
            return false;
        }
        try {
            long[] p = new long[oldPairs.length * 2];
            int[] k = new int[oldPairs.length * 2];
            pairs = p;
            pairKey = k;
        } catch (OutOfMemoryError e) {
            return false;
        }
        int m = pairs.length - 1;
        for (int j = 0; j < oldPairs.length; j++) {
            long fp = oldPairs[j];
            if (fp != 0) {
                int i = (int) (fp ^ (fp >>> 29)) & m;
                while (pairs[i] != 0) {
                    i = (i + 1) & m;
                }
                pairs[i] = fp;
                pairKey[i] = oldKeys[j];
            }
        }
        return true;
    }

    /** The most probes a key lookup can take now (for tests). */
    int longestProbeRun() {
        return index.longestRun();
    }

    /** {@return distinct pairs remembered at most ({@code spread:} only)} */
    public int maxPairs() {
        return maxPairs;
    }

    /** {@return pairs not remembered because {@link #maxPairs()} were remembered already} */
    public long untrackedPairs() {
        return untrackedPairs;
    }

    /**
     * The exact counters of one key given as text values in key-field order (for tests and queries).
     *
     * @return {@code {packets, bytes, flows, distinct}}, or zeros when the key was not seen
     */
    long[] countsOf(long[] keyWords) {
        int id = index.find(keyWords, 0, Hashing.hash(keyWords, 0, key.words(), seed));
        if (id < 0) {
            return new long[4];
        }
        return new long[] {packets[id], bytes[id], flows[id], distinct == null ? 0 : distinct[id]};
    }

    /**
     * Whether each snapshot row also carries every count of its key in {@link Snapshot.Row#counts()}:
     * {@code packets}, {@code bytes}, {@code flows}, {@code first_seen} and {@code last_seen} (setting
     * {@code lifecycle}, default off).
     *
     * @param on whether rows carry their key's counts
     * @return this aggregator
     */
    public ExactAggregator lifecycle(boolean on) {
        lifecycle = on;
        // first and last seen cost 16 bytes a key: held only when asked for
        firstSeen = !on ? null : firstSeen != null ? firstSeen : new long[flows.length];
        lastSeen = !on ? null : lastSeen != null ? lastSeen : new long[flows.length];
        formatVersion(on ? NEWEST : FORMAT);
        return this;
    }

    @Override
    public Aggregator newEmpty() {
        return new ExactAggregator(task, key, metric, limit, capacity, maxKeys, maxPairs, seed).lifecycle(lifecycle);
    }

    @Override
    public Aggregator copy() {
        ExactAggregator c = new ExactAggregator(task, key, metric, limit, Math.max(capacity, index.size()), maxKeys,
                maxPairs, seed).lifecycle(lifecycle);
        c.merge(this);
        return c;
    }

    @Override
    public void merge(Aggregator other) {
        ExactAggregator o = sameType(this, other, ExactAggregator.class);
        same("key", key, o.key);
        same("metric", metric, o.metric);
        same("seed", seed, o.seed);
        mergeKeys(o);
    }

    @Override
    protected ExactAggregator union(ExactAggregator o, int keys) {
        int pairsRoom = (int) Math.min(MAX_BOUND, (long) maxPairs + o.pairCount);
        return new ExactAggregator(task, key, metric, limit, keys, keys, Math.max(1, pairsRoom), seed)
                .lifecycle(lifecycle);
    }

    @Override
    protected void keepRest(ExactAggregator u, int[] map) {
        untrackedFlows = u.untrackedFlows;
        untrackedPairs = u.untrackedPairs;
        for (int uid = 0; uid < map.length; uid++) {
            int id = map[uid];
            if (id >= 0) {
                flows[id] = u.flows[uid];
                partial[id] = u.partial[uid];
                if (firstSeen != null && u.firstSeen != null) {
                    firstSeen[id] = u.firstSeen[uid];
                    lastSeen[id] = u.lastSeen[uid];
                }
            } else {
                untrackedFlows += u.flows[uid];
            }
        }
        if (distinct != null) {
            addPairsOf(u, map);
        }
    }

    @Override
    protected void mergeIn(ExactAggregator o) {
        // a key new here may have had traffic here that was left untracked; a key of here that the other side did
        // not track may have traffic the other side left untracked
        boolean leftOutHere = untrackedPackets + untrackedFlows > 0;
        boolean leftOutThere = o.untrackedPackets + o.untrackedFlows > 0;
        int sizeBefore = index.size();
        long[] ok = o.index.keys();
        int w = key.words();
        int[] map = new int[o.index.size()];
        for (int oid = 0; oid < o.index.size(); oid++) {
            int id = keyId(ok, oid * w, o.index.hashOf(oid));
            map[oid] = id;
            if (id < 0) {
                untrackedPackets += o.packets[oid];
                untrackedBytes += o.bytes[oid];
                untrackedFlows += o.flows[oid];
                continue;
            }
            packets[id] += o.packets[oid];
            bytes[id] += o.bytes[oid];
            flows[id] += o.flows[oid];
            if (firstSeen != null && o.firstSeen != null) {
                seen(id, o.firstSeen[oid], o.lastSeen[oid]);
            }
            partial[id] |= o.partial[oid] || (leftOutHere && id >= sizeBefore);
        }
        if (leftOutThere && sizeBefore > 0) {
            boolean[] there = new boolean[sizeBefore];
            for (int id : map) {
                if (id >= 0 && id < sizeBefore) {
                    there[id] = true;
                }
            }
            for (int id = 0; id < sizeBefore; id++) {
                partial[id] |= !there[id];
            }
        }
        if (distinct != null) {
            addPairsOf(o, map);
        }
        untrackedPackets += o.untrackedPackets;
        untrackedBytes += o.untrackedBytes;
        untrackedFlows += o.untrackedFlows;
        untrackedPairs += o.untrackedPairs;
        mergeTotals(o);
    }

    /** Widens key {@code id}'s first and last seen to cover {@code first} and {@code last} (0: none). */
    private void seen(int id, long first, long last) {
        if (first != 0 && (firstSeen[id] == 0 || first < firstSeen[id])) {
            firstSeen[id] = first;
        }
        if (last > lastSeen[id]) {
            lastSeen[id] = last;
        }
    }

    /** Adds the pairs of {@code o} whose key {@code map} gives an id here (-1: left out). */
    private void addPairsOf(ExactAggregator o, int[] map) {
        for (int j = 0; j < o.pairs.length; j++) {
            long fp = o.pairs[j];
            if (fp != 0) {
                int id = map[o.pairKey[j]];
                if (id >= 0 && addPair(fp, id)) {
                    distinct[id]++;
                }
            }
        }
    }

    /**
     * How much the row of key {@code id} may be short of the truth: 0 when it is exact; else what was left untracked
     * in the row's metric (for a spread, the untracked pairs, and each untracked packet, which may have been a new
     * pair).
     */
    private long slack(int id) {
        switch (metric.kind) {
            case Metric.BYTES: return partial[id] ? untrackedBytes : 0;
            case Metric.FLOWS: return partial[id] ? untrackedFlows : 0;
            case Metric.SPREAD: return untrackedPairs + (partial[id] ? untrackedPackets : 0);
            default: return partial[id] ? untrackedPackets : 0;
        }
    }

    @Override
    public void reset() {
        resetKeys();
        Arrays.fill(flows, 0);
        if (firstSeen != null) {
            Arrays.fill(firstSeen, 0);
            Arrays.fill(lastSeen, 0);
        }
        if (distinct != null) {
            Arrays.fill(distinct, 0);
            Arrays.fill(pairs, 0);
            pairCount = 0;
        }
        untrackedFlows = 0;
        untrackedPairs = 0;
        Arrays.fill(partial, false);
    }

    /** The task totals, and what the bounds left out when they left something out. */
    @Override
    protected Map<String, Long> totals() {
        Map<String, Long> t = super.totals();
        if (untrackedPackets != 0 || untrackedFlows != 0) {
            t.put("untracked_packets", untrackedPackets);
            t.put("untracked_bytes", untrackedBytes);
            t.put("untracked_flows", untrackedFlows);
        }
        if (untrackedPairs != 0) {
            t.put("untracked_pairs", untrackedPairs);
        }
        return t;
    }

    /** The per-key values the task ranks by. */
    @Override
    protected long[] ranks() {
        switch (metric.kind) {
            case Metric.PACKETS: return packets;
            case Metric.BYTES: return bytes;
            case Metric.FLOWS: return flows;
            default: return distinct;
        }
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        long[] v = ranks();
        List<Snapshot.Row> rows = new ArrayList<>();
        long[] keys = index.keys();
        int w = key.words();
        // rank first on primitives, then build key maps only for the rows kept
        int n = index.size();
        int[] ids = Ranking.largest(v, n, limit > 0 ? Math.min(limit, n) : n);
        for (int id : ids) {
            if (v[id] == 0 && metric.kind == Metric.FLOWS) {
                continue;
            }
            long slack = slack(id);
            long upper = v[id] + slack < 0 ? Long.MAX_VALUE : v[id] + slack;
            Map<String, Long> counts = Map.of();
            if (lifecycle) {
                counts = new LinkedHashMap<>();
                counts.put("packets", packets[id]);
                counts.put("bytes", bytes[id]);
                counts.put("flows", flows[id]);
                counts.put("first_seen", firstSeen[id]);
                counts.put("last_seen", lastSeen[id]);
            }
            rows.add(new Snapshot.Row(key.toMap(keys, id * w), v[id], v[id], upper, counts));
        }
        return new Snapshot(task, type(), metric.snapshotName(), startNanos, endNanos, rows, totals());
    }

    // ---- byte form ----

    @Override
    protected void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(metric.toString());
        out.writeInt(limit);
        out.writeInt(capacity);
        out.writeInt(maxKeys);
        out.writeInt(maxPairs);
        out.writeLong(untrackedPackets);
        out.writeLong(untrackedBytes);
        out.writeLong(untrackedFlows);
        out.writeLong(untrackedPairs);
        if (lifecycle) {
            out.writeBoolean(true);
        }
        int n = index.size();
        int w = key.words();
        long[] keys = index.keys();
        out.writeInt(n);
        for (int id = 0; id < n; id++) {
            for (int k = 0; k < w; k++) {
                out.writeLong(keys[id * w + k]);
            }
            out.writeLong(packets[id]);
            out.writeLong(bytes[id]);
            out.writeLong(flows[id]);
            out.writeBoolean(partial[id]);
            if (lifecycle) {
                out.writeLong(firstSeen[id]);
                out.writeLong(lastSeen[id]);
            }
        }
        if (distinct != null) {
            out.writeInt(pairCount);
            for (int j = 0; j < pairs.length; j++) {
                if (pairs[j] != 0) {
                    out.writeLong(pairs[j]);
                    out.writeInt(pairKey[j]);
                }
            }
        }
    }

    /** Reads {@link #writeState}; bytes of version 1 had no bounds: the defaults, or room for all they hold. */
    static ExactAggregator read(DataInputStream in, int version, long seed) throws IOException {
        Bytes.Common c = Bytes.Common.read(in);
        KeyFields key = c.key();
        Metric metric = Metric.parse(in.readUTF());
        int limit = in.readInt();
        int capacity = in.readInt();
        int maxKeys;
        int maxPairs;
        long[] untracked = new long[4];
        if (version >= 2) {
            maxKeys = in.readInt();
            maxPairs = in.readInt();
            for (int i = 0; i < untracked.length; i++) {
                untracked[i] = in.readLong();
            }
        } else {
            maxKeys = DEFAULT_MAX_KEYS;
            maxPairs = DEFAULT_MAX_PAIRS;
        }
        boolean lifecycle = version >= 3 && in.readBoolean();
        int n = in.readInt();
        if (version < 2) {
            maxKeys = Math.max(maxKeys, Math.min(n, MAX_BOUND));
        }
        if (maxKeys < 1 || maxKeys > MAX_BOUND || maxPairs < 1 || maxPairs > MAX_BOUND || n < 0 || n > maxKeys) {
            throw new IllegalArgumentException("exact aggregator bytes: " + n + " keys, bounds " + maxKeys + " keys, "
                    + maxPairs + " pairs (expected: keys within 1.." + MAX_BOUND + " and the bound)");
        }
        // capacity only pre-sizes the table: sized to the keys the bytes hold, bytes cannot make it allocate more
        ExactAggregator a = c.totalsTo(new ExactAggregator(c.task(), key, metric, limit,
                Math.min(capacity, Math.max(1024, n)), maxKeys, maxPairs, seed)).lifecycle(lifecycle);
        a.untrackedPackets = untracked[0];
        a.untrackedBytes = untracked[1];
        a.untrackedFlows = untracked[2];
        a.untrackedPairs = untracked[3];
        int w = key.words();
        long[] kw = new long[w];
        // each key's id here by its place in the bytes; -1 for a key the heap had no room for
        int[] map = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                kw[k] = in.readLong();
            }
            int id = a.keyId(kw, 0, Hashing.hash(kw, 0, w, seed));
            map[i] = id;
            long packets = in.readLong();
            long bytes = in.readLong();
            long flows = in.readLong();
            boolean partial = version >= 2 && in.readBoolean();
            long first = lifecycle ? in.readLong() : 0;
            long last = lifecycle ? in.readLong() : 0;
            if (id < 0) {
                a.untrackedPackets += packets;
                a.untrackedBytes += bytes;
                a.untrackedFlows += flows;
                continue;
            }
            a.packets[id] = packets;
            a.bytes[id] = bytes;
            a.flows[id] = flows;
            a.partial[id] = partial;
            if (lifecycle) {
                a.seen(id, first, last);
            }
        }
        if (a.distinct != null) {
            int pc = in.readInt();
            for (int i = 0; i < pc; i++) {
                long fp = in.readLong();
                int at = in.readInt();
                if (at < 0 || at >= n) {
                    throw new IllegalArgumentException("exact aggregator bytes: pair of key " + at + " (expected: 0.."
                            + (n - 1) + ")");
                }
                int id = map[at];
                if (id < 0) {
                    a.untrackedPairs++;
                } else if (a.addPair(fp, id)) {
                    a.distinct[id]++;
                }
            }
        }
        return a;
    }
}
