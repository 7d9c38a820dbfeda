package io.flowtrace.sketch;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.exact.ExactAggregator;
import io.flowtrace.sketch.exact.ExactAggregatorProvider;
import io.flowtrace.sketch.hll.HllKeyedAggregator;
import io.flowtrace.sketch.hll.HllAggregatorProvider;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregators under a flood of distinct keys, in a JVM of its own with a 64 MiB heap: {@value #KEYS} one-packet
 * keys. With the default bounds (sized from the heap) two workers' instances and their merge fit; with a bound the
 * heap cannot hold, growth stops where the heap ends. Either way nothing runs out of memory, and every packet is
 * either in a tracked key or in the {@code untracked_packets} total.
 */
class AggregatorsInSmallHeapTest {
    static final int KEYS = 3_000_000;

    @Test
    void aFloodOfDistinctKeysEndsInUntrackedTotalsNotOutOfMemory() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
                AggregatorsInSmallHeapTest.class.getName())
                .redirectErrorStream(true).start();
        String out;
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish in 120 s");
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("(\\S+) (default|huge) bound (\\d+) keys (\\d+) tracked (\\d+) untracked (\\d+)")
                .matcher(out);
        int lines = 0;
        while (m.find()) {
            lines++;
            String what = m.group(0);
            long bound = Long.parseLong(m.group(3));
            long keys = Long.parseLong(m.group(4));
            long tracked = Long.parseLong(m.group(5));
            long untracked = Long.parseLong(m.group(6));
            assertEquals(KEYS, tracked + untracked, what);
            assertTrue(untracked > 0 && keys > 1000, what);
            if (m.group(2).equals("default")) {
                // sized from the 64 MiB heap: well below the ceilings the large heaps get
                assertTrue(bound < 100_000 && keys <= bound, what);
            } else {
                // the bound was out of reach: growth stopped where the heap ended
                assertTrue(bound == ExactAggregator.MAX_BOUND && keys < KEYS, what);
            }
        }
        assertEquals(4, lines, out);
    }

    static Aggregator create(AggregatorProvider p, String settings) {
        return p.create(new PluginConfig("aggregator '" + p.name() + "'", PluginConfig.parsePairs(settings)));
    }

    /** The child: for each task, {@link #KEYS} distinct sources over two instances (workers), then their merge. */
    public static void main(String[] args) {
        run("exact", new ExactAggregatorProvider(), "name=t,key=src_ip,limit=10", "default");
        run("hll", new HllAggregatorProvider(), "name=t,key=src_ip,element=dst_ip,limit=10", "default");
        run("exact", new ExactAggregatorProvider(), "name=t,key=src_ip,limit=10,max-keys=" + ExactAggregator.MAX_BOUND,
                "huge");
        run("hll", new HllAggregatorProvider(), "name=t,key=src_ip,element=dst_ip,limit=10,max-keys="
                + ExactAggregator.MAX_BOUND, "huge");
        System.out.flush();
    }

    private static void run(String type, AggregatorProvider provider, String settings, String bound) {
        Aggregator w1 = create(provider, settings);
        Aggregator w2 = w1.newEmpty();
        DecodedPacket p = new DecodedPacket();
        p.ipVersion = 4;
        p.protocol = 17;
        p.dstLo = 0xC0A80001L;
        p.srcPort = 40_000;
        p.dstPort = 53;
        p.wireLength = 80;
        for (int i = 0; i < KEYS; i++) {
            p.srcLo = 0x0A000000L + i;
            (i % 2 == 0 ? w1 : w2).onPacket(p);
        }
        Aggregator merged = w1.newEmpty();
        merged.merge(w1);
        merged.merge(w2);
        Snapshot s = merged.snapshot(0, 1);
        Map<String, Long> t = s.totals();
        long untracked = t.getOrDefault("untracked_packets", 0L);
        int maxKeys = merged instanceof ExactAggregator ? ((ExactAggregator) merged).maxKeys()
                : ((HllKeyedAggregator) merged).maxKeys();
        int keys = merged instanceof ExactAggregator ? ((ExactAggregator) merged).keyCount()
                : ((HllKeyedAggregator) merged).keyCount();
        long tracked = merged instanceof ExactAggregator ? ((ExactAggregator) merged).trackedPackets()
                : ((HllKeyedAggregator) merged).trackedPackets();
        assertEquals(KEYS, t.get("total_packets"));
        System.out.println(type + " " + bound + " bound " + maxKeys + " keys " + keys + " tracked " + tracked
                + " untracked " + untracked);
    }
}
