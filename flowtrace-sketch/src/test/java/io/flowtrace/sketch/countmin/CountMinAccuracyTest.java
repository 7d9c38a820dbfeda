package io.flowtrace.sketch.countmin;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.AggregatorBytes;
import io.flowtrace.sketch.SourceTruth;
import io.flowtrace.sketch.ZipfTraffic;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountMinAccuracyTest {

    static CountMinAggregator countMin(String... settings) {
        return (CountMinAggregator) new CountMinAggregatorProvider().create(
                new PluginConfig("aggregator 'count-min'", PluginConfig.parsePairs(String.join(",", settings))));
    }

    /** F1 of the reported keys against the true top k (keys tied with the k-th all count as true). */
    static double f1(Snapshot s, Set<String> truth, int k) {
        Set<String> reported = new HashSet<>();
        for (Snapshot.Row r : s.rows()) {
            reported.add((String) r.key().get("src_ip"));
        }
        Set<String> hit = new HashSet<>(reported);
        hit.retainAll(truth);
        double precision = reported.isEmpty() ? 0 : (double) hit.size() / reported.size();
        double recall = Math.min(1.0, (double) hit.size() / k);
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    static void boundsHold(Snapshot s, SourceTruth t, long[] values) {
        for (Snapshot.Row r : s.rows()) {
            long actual = t.valueOf(values, (String) r.key().get("src_ip"));
            assertTrue(r.lower() <= actual && actual <= r.upper(),
                    () -> r + " does not bound the true value " + actual);
        }
    }

    /**
     * Runs {@code cm} over the traffic, checks it reports {@code k} rows whose F1 against the true top {@code k} by
     * {@code metric} is at least 0.99 and whose bounds hold; returns the snapshot.
     */
    static Snapshot topKHolds(CountMinAggregator cm, ZipfTraffic traffic, int k, String metric) {
        SourceTruth t = SourceTruth.run(traffic, cm);
        long[] truth = metric.equals("bytes") ? t.bytes : t.packets;
        Snapshot s = cm.snapshot(0, 1);
        assertEquals(k, s.rows().size());
        double f1 = f1(s, t.topWithTies(truth, k), k);
        System.out.println("count-min top-" + k + " by " + metric + " F1 = " + f1);
        assertTrue(f1 >= 0.99, "F1 " + f1);
        boundsHold(s, t, truth);
        return s;
    }

    @Test
    @DisplayName("top-100 sources by bytes within 256 KiB of counters: F1 >= 0.99, bounds hold")
    void top100ByBytesIn256KiB() {
        CountMinAggregator cm = countMin("name=hh", "key=src_ip", "metric=bytes", "memory=256KiB", "limit=100");
        assertEquals(256 * 1024, cm.sketch().memoryBytes());
        Snapshot s = topKHolds(cm, ZipfTraffic.sources(11, 200_000, 2_000_000), 100, "bytes");
        assertEquals(2_000_000, s.totals().get("total_packets"));
    }

    @Test
    @DisplayName("top-1000 sources by packets within 1 MiB of counters: F1 >= 0.99, bounds hold")
    void top1000ByPacketsIn1MiB() {
        CountMinAggregator cm = countMin("name=hh", "key=src_ip", "metric=packets", "memory=1MiB", "limit=1000");
        topKHolds(cm, ZipfTraffic.sources(12, 200_000, 4_000_000), 1000, "packets");
    }

    @Test
    @DisplayName("bytes of the first format, whose rows were not independent, are refused with the reason")
    void bytesOfTheFirstFormatAreRefused() throws java.io.IOException {
        // made by the first release: its rows were split from one hash under a public seed
        byte[] old;
        try (java.io.InputStream in = getClass().getResourceAsStream("count-min-16KiB-first-format.bin")) {
            old = in.readAllBytes();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AggregatorBytes.fromBytes(old));
        assertTrue(e.getMessage().contains("version: expected 2, got 1 (the first format's rows"), e.getMessage());
    }

    @Test
    @DisplayName("with keys churning through a small candidate set, no key is ever underestimated")
    void noKeyIsUnderestimatedAfterEvictions() {
        CountMinAggregator cm = countMin("name=hh", "key=src_ip", "metric=bytes", "memory=16KiB", "limit=10",
                "candidates=10");
        SourceTruth t = SourceTruth.run(ZipfTraffic.sources(13, 20_000, 300_000), cm);
        CountMinAggregator merged = (CountMinAggregator) cm.copy();
        for (int id = 0; id < t.sources(); id++) {
            long[] words = t.wordsOf(id);
            assertTrue(cm.estimate(words) >= t.bytes[id], t.name(id));
            assertTrue(merged.estimate(words) >= t.bytes[id], t.name(id));
        }
        boundsHold(cm.snapshot(0, 1), t, t.bytes);
    }
}
