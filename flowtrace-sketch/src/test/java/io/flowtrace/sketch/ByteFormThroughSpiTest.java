package io.flowtrace.sketch;

import io.flowtrace.core.Plugins;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State shipped between processes through the SPI alone: what two meters saw, each the traffic of half the sources
 * (super-spread merges exactly only when partitioned by key, as workers are), written with
 * {@link Aggregator#toBytes()}, read with {@link AggregatorProvider#fromBytes} and merged, equals what one meter
 * that saw everything reports.
 */
class ByteFormThroughSpiTest {
    private static final Map<String, Map<String, String>> TASKS = Map.of(
            "exact", Map.of("name", "t", "key", "src_ip", "metric", "bytes"),
            "count-min", Map.of("name", "t", "key", "src_ip", "metric", "bytes", "seed", "7"),
            "hll", Map.of("name", "t", "element", "dst_ip", "key", "src_ip", "seed", "7"),
            "super-spread", Map.of("name", "t", "key", "src_ip", "element", "dst_ip", "seed", "7"));

    @Test
    void twoHalvesShippedAsBytesMergeToTheWholeForEveryBuiltInType() {
        Plugins plugins = Plugins.discover();
        for (Map.Entry<String, Map<String, String>> e : TASKS.entrySet()) {
            AggregatorProvider provider = plugins.aggregator(e.getKey());
            Aggregator whole = provider.create(new PluginConfig(e.getKey(), e.getValue()));
            Aggregator even = whole.newEmpty();
            Aggregator odd = whole.newEmpty();
            ZipfTraffic traffic = new ZipfTraffic(5, 2_000, 1.0, 500, 3, 0.2, 50_000);
            DecodedPacket p = new DecodedPacket();
            while (traffic.next(p)) {
                whole.onPacket(p);
                ((p.srcLo ^ p.srcHi) % 2 == 0 ? even : odd).onPacket(p);
            }
            Aggregator merged = provider.fromBytes(even.toBytes());
            merged.merge(provider.fromBytes(odd.toBytes()));
            Snapshot a = whole.snapshot(0, 1);
            Snapshot b = merged.snapshot(0, 1);
            assertEquals(a.totals(), b.totals(), e.getKey());
            if (e.getKey().equals("super-spread")) {
                // merges approximately: the same heaviest sources, each within the other's bounds
                for (int i = 0; i < 10; i++) {
                    Snapshot.Row w = a.rows().get(i);
                    Snapshot.Row m = b.rows().stream().filter(r -> r.key().equals(w.key())).findFirst().orElseThrow();
                    assertTrue(m.lower() <= w.upper() && w.lower() <= m.upper(), w + " vs " + m);
                }
                continue;
            }
            // exact and hll merge exactly; count-min's candidate list admits keys first come, so its head agrees
            int n = e.getKey().equals("count-min") ? 20 : a.rows().size();
            assertEquals(inOrder(a.rows()).subList(0, n), inOrder(b.rows()).subList(0, n), e.getKey());
            assertTrue(a.rows().size() > 10, e.getKey());
        }
    }

    /** Rows with equal values may come in either order. */
    private static List<Snapshot.Row> inOrder(List<Snapshot.Row> rows) {
        List<Snapshot.Row> out = new ArrayList<>(rows);
        out.sort(Comparator.comparingLong(Snapshot.Row::value).reversed()
                .thenComparing(r -> r.key().toString()));
        return out;
    }

    @Test
    void aProviderRefusesAnotherTypesBytesNamingBoth() {
        Plugins plugins = Plugins.discover();
        byte[] hll = plugins.aggregator("hll").create(new PluginConfig("hll", TASKS.get("hll"))).toBytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plugins.aggregator("exact").fromBytes(hll));
        assertTrue(e.getMessage().contains("expected 1 (exact), got 4"), e.getMessage());
    }
}
