package io.flowtrace.sketch;

import io.flowtrace.core.IpText;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exact per-source answers computed from the packets themselves (packets, wire bytes, distinct destination
 * addresses), while the same packets are fed to the aggregators under test.
 */
public final class SourceTruth {
    private record Src(int version, long hi, long lo) {
    }

    private final Map<Src, Integer> ids = new HashMap<>();
    private final List<Src> keys = new ArrayList<>();
    public long[] packets = new long[1024];
    public long[] bytes = new long[1024];
    public long[] spread;
    public long distinctPairs;
    private long[] pairs = new long[1 << 20];
    private int pairCount;

    /** Runs the whole traffic through the truth and through {@code sinks}, packet by packet. */
    public static SourceTruth run(TestTraffic traffic, Aggregator... sinks) {
        SourceTruth t = new SourceTruth();
        DecodedPacket p = new DecodedPacket();
        while (traffic.next(p)) {
            t.add(p);
            for (Aggregator a : sinks) {
                a.onPacket(p);
            }
        }
        t.finish();
        return t;
    }

    public void add(DecodedPacket p) {
        Src s = new Src(p.ipVersion, p.srcHi, p.srcLo);
        Integer id = ids.get(s);
        if (id == null) {
            id = keys.size();
            ids.put(s, id);
            keys.add(s);
            if (id == packets.length) {
                packets = Arrays.copyOf(packets, id * 2);
                bytes = Arrays.copyOf(bytes, id * 2);
            }
        }
        packets[id]++;
        bytes[id] += p.wireLength;
        if (pairCount == pairs.length) {
            pairs = Arrays.copyOf(pairs, pairCount * 2);
        }
        long dst = Hashing.fmix64(p.dstHi * 31 + p.dstLo) & 0xFFFFFFFFL;
        pairs[pairCount++] = ((long) id << 32) | dst;
    }

    public void finish() {
        long[] ps = Arrays.copyOf(pairs, pairCount);
        Arrays.sort(ps);
        spread = new long[keys.size()];
        for (int i = 0; i < ps.length; i++) {
            if (i == 0 || ps[i] != ps[i - 1]) {
                spread[(int) (ps[i] >>> 32)]++;
                distinctPairs++;
            }
        }
        pairs = null;
    }

    public int sources() {
        return keys.size();
    }

    public String name(int id) {
        Src s = keys.get(id);
        return IpText.format(s.version, s.hi, s.lo);
    }

    public long[] wordsOf(int id) {
        Src s = keys.get(id);
        return new long[] {s.hi, s.lo, (long) s.version << 40};
    }

    /** Names of the sources whose value is at least the k-th largest (ties at the boundary all count). */
    public Set<String> topWithTies(long[] values, int k) {
        long kth = kthLargest(values, k);
        Set<String> out = new HashSet<>();
        for (int id = 0; id < keys.size(); id++) {
            if (values[id] >= kth) {
                out.add(name(id));
            }
        }
        return out;
    }

    public long kthLargest(long[] values, int k) {
        long[] v = Arrays.copyOf(values, keys.size());
        Arrays.sort(v);
        return v[v.length - k];
    }

    public long valueOf(long[] values, String name) {
        for (int id = 0; id < keys.size(); id++) {
            if (name(id).equals(name)) {
                return values[id];
            }
        }
        return 0;
    }

    public Map<String, Long> byName(long[] values, long atLeast) {
        Map<String, Long> out = new HashMap<>();
        for (int id = 0; id < keys.size(); id++) {
            if (values[id] >= atLeast) {
                out.put(name(id), values[id]);
            }
        }
        return out;
    }
}
