package io.flowtrace.sketch;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.Plugins;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The byte form is fixed: each built-in type, fed the same traffic under a fixed seed (one instance, and two halves
 * merged), writes exactly the bytes in {@code golden/}, which were written by the code before the sketch module
 * was split into packages. A change of layout, version or type tag fails here; a deliberate format change writes
 * new files (run with {@code -Dflowtrace.sketch.writeGolden=DIR}) and raises the family's version.
 */
class ByteFormGoldenTest {
    private static final Map<String, String[]> CASES = new LinkedHashMap<>();

    static {
        CASES.put("exact-packets", new String[] {"exact", "key=src_ip,dst_port", "max-keys=300"});
        CASES.put("exact-spread", new String[] {"exact", "key=src_ip", "metric=spread:dst_ip", "max-pairs=2000",
                "limit=20"});
        CASES.put("count-min", new String[] {"count-min", "key=src_ip", "metric=bytes", "memory=16KiB",
                "limit=10"});
        CASES.put("super-spread", new String[] {"super-spread", "key=src_ip", "element=dst_ip", "memory=64KiB"});
        CASES.put("hll-total", new String[] {"hll", "element=dst_ip", "precision=10"});
        CASES.put("hll-keyed", new String[] {"hll", "element=dst_ip", "key=src_ip", "precision=6",
                "max-keys=200"});
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact-packets", "exact-spread", "count-min", "super-spread", "hll-total", "hll-keyed"})
    void aFedAggregatorWritesTheBytesOfTheFixedFormat(String name) throws IOException {
        String[] c = CASES.get(name);
        AggregatorProvider provider = Plugins.discover().aggregator(c[0]);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("name", name);
        settings.put("seed", "7");
        for (int i = 1; i < c.length; i++) {
            String[] kv = c[i].split("=", 2);
            settings.put(kv[0], kv[1]);
        }
        Aggregator whole = provider.create(new PluginConfig(c[0], settings));
        Aggregator even = whole.newEmpty();
        Aggregator odd = whole.newEmpty();
        ZipfTraffic traffic = new ZipfTraffic(5, 2_000, 1.0, 500, 3, 0.2, 6_000);
        DecodedPacket p = new DecodedPacket();
        int n = 0;
        while (traffic.next(p)) {
            whole.onPacket(p);
            (n++ % 3 == 0 ? even : odd).onPacket(p);
            if (n % 37 == 0) {
                FlowEvent f = flow(p);
                whole.onFlow(f);
                (n % 2 == 0 ? even : odd).onFlow(f);
            }
        }
        Aggregator merged = provider.fromBytes(even.toBytes());
        merged.merge(odd);
        check(name + "-whole.bin", whole.toBytes());
        check(name + "-merged.bin", merged.toBytes());
    }

    private static FlowEvent flow(DecodedPacket p) {
        FlowKey k = FlowKey.ipv4((int) p.srcLo, (int) p.dstLo, p.srcPort, p.dstPort, p.protocol);
        return new FlowEvent(FlowEvent.flowIdOf(k, 1), k, 1, 2, 1, 1, 60, 60, 40, 40, 0, 0,
                EndReason.TCP_FIN, null, null, Direction.UNKNOWN);
    }

    private void check(String file, byte[] actual) throws IOException {
        String dir = System.getProperty("flowtrace.sketch.writeGolden");
        if (dir != null) {
            Files.write(Path.of(dir, file), actual);
            return;
        }
        try (InputStream in = getClass().getResourceAsStream("golden/" + file)) {
            assertNotNull(in, "golden/" + file);
            assertArrayEquals(in.readAllBytes(), actual, file);
        }
    }
}
