package io.flowtrace.sketch.superspread;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.SourceTruth;
import io.flowtrace.sketch.ZipfTraffic;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuperSpreadAccuracyTest {
    static final int SOURCES = 50_000;
    static final int HEAVY_TALKERS = 20;

    static SuperSpreadAggregator superSpread(String... settings) {
        return (SuperSpreadAggregator) new SuperSpreadAggregatorProvider().create(
                new PluginConfig("aggregator 'super-spread'", PluginConfig.parsePairs(String.join(",", settings))));
    }

    /** Zipf sources spreading over uniform destinations, plus 20 heavy talkers sending 20% of packets to 3 hosts. */
    static ZipfTraffic traffic(long seed) {
        return new ZipfTraffic(seed, SOURCES, 1.0, 0, HEAVY_TALKERS, 0.2, 2_500_000);
    }

    record Score(double f1, double medianError, int heavyReported) {
    }

    static Score score(Snapshot s, SourceTruth t, long threshold) {
        Map<String, Long> truth = t.byName(t.spread, threshold);
        Map<String, Long> reported = new HashMap<>();
        for (Snapshot.Row r : s.rows()) {
            reported.put((String) r.key().get("src_ip"), r.value());
        }
        Set<String> hit = new HashSet<>(reported.keySet());
        hit.retainAll(truth.keySet());
        double precision = reported.isEmpty() ? 0 : (double) hit.size() / reported.size();
        double recall = truth.isEmpty() ? 1 : (double) hit.size() / truth.size();
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        List<Double> errors = new ArrayList<>();
        for (String k : hit) {
            errors.add(Math.abs(reported.get(k) - truth.get(k)) / (double) truth.get(k));
        }
        Collections.sort(errors);
        if (Boolean.getBoolean("sketch.debug")) {
            for (String k : reported.keySet()) {
                if (!truth.containsKey(k)) {
                    System.out.println("  FP " + k + " est " + reported.get(k) + " true " + t.valueOf(t.spread, k));
                }
            }
            for (String k : truth.keySet()) {
                if (!reported.containsKey(k)) {
                    System.out.println("  FN " + k + " true " + truth.get(k));
                }
            }
        }
        double median = errors.isEmpty() ? 1 : errors.get(errors.size() / 2);
        int heavy = 0;
        for (String k : reported.keySet()) {
            if (t.valueOf(t.spread, k) <= 3) {
                heavy++;
            }
        }
        return new Score(f1, median, heavy);
    }

    @Test
    @DisplayName("spreaders above 0.1% of distinct pairs within 1 MiB: F1 >= 0.95, median error <= 10%, no heavy talker")
    void findsSuperSpreadersIn1MiB() {
        long threshold = threshold(21);
        SuperSpreadAggregator ss = inOneMiB(threshold);
        assertTrue(ss.sketch().memoryBytes() <= 1 << 20);
        SourceTruth t = SourceTruth.run(traffic(21), ss);
        Score sc = score(ss.snapshot(0, 1), t, threshold);
        System.out.println("super-spread: pairs " + t.distinctPairs + " threshold " + threshold + " spreaders "
                + t.byName(t.spread, threshold).size() + " -> " + sc);
        holds(sc);
    }

    @Test
    @DisplayName("four workers fed by flow hash, merged: the same spreaders within the same error bounds")
    void mergedWorkersSplitByFlowStillFindSpreaders() {
        long threshold = threshold(23);
        SuperSpreadAggregator prototype = inOneMiB(threshold);
        SuperSpreadAggregator[] workers = new SuperSpreadAggregator[4];
        for (int i = 0; i < 4; i++) {
            workers[i] = (SuperSpreadAggregator) prototype.newEmpty();
        }
        SourceTruth t = new SourceTruth();
        io.flowtrace.core.internal.DecodedPacket p = new io.flowtrace.core.internal.DecodedPacket();
        ZipfTraffic traffic = traffic(23);
        while (traffic.next(p)) {
            t.add(p);
            long flow = Hashing.fmix64(p.srcLo ^ p.dstLo * 31 ^ ((long) p.srcPort << 16 | p.dstPort) * 0x9E37L);
            workers[(int) ((flow >>> 1) % 4)].onPacket(p);
        }
        t.finish();
        io.flowtrace.core.spi.Aggregator merged = prototype.newEmpty();
        for (SuperSpreadAggregator w : workers) {
            merged.merge(w.copy());
        }
        Score sc = score(merged.snapshot(0, 1), t, threshold);
        System.out.println("super-spread, 4 workers by flow hash, merged: " + sc);
        holds(sc);
    }

    /** 0.1% of the distinct pairs of {@code traffic(seed)}, measured by a first pass over it. */
    static long threshold(long seed) {
        return SourceTruth.run(traffic(seed)).distinctPairs / 1000;
    }

    static SuperSpreadAggregator inOneMiB(long threshold) {
        return superSpread("name=ss", "key=src_ip", "element=dst_ip", "memory=1MiB", "threshold=" + threshold,
                "limit=100000");
    }

    /** F1 at least 0.95, median error at most 10%, and no heavy talker reported. */
    static void holds(Score sc) {
        assertTrue(sc.f1() >= 0.95, "F1 " + sc);
        assertTrue(sc.medianError() <= 0.10, "median relative error " + sc);
        assertEquals(0, sc.heavyReported(), "heavy talkers reported: " + sc);
    }
}
