package io.flowtrace.sketch;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.AggregatorContractKit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The testkit's aggregator contract, run against each aggregator of this module (the nested classes), and what only
 * this module's aggregators promise: a versioned byte form that round-trips and refuses damage, merges refused with
 * <em>expected X, got Y</em>, discovery by name and configuration errors reported together.
 */
class AggregatorContractTest {

    static final String EXACT_BYTES = "name=t,key=src_ip,dst_port,metric=bytes";
    static final String EXACT_SPREAD = "name=t,key=src_ip,metric=spread:dst_ip";
    static final String COUNT_MIN = "name=t,key=src_ip,metric=packets,memory=64KiB,limit=50";
    static final String SUPER_SPREAD = "name=t,key=src_ip,element=dst_ip,memory=256KiB,threshold=150";
    static final String HLL = "name=t,element=dst_ip";
    static final String HLL_BY_SOURCE = "name=t,element=dst_ip,key=src_ip,precision=6";

    /** The kit over one task: its type and settings, and the settings of one its merge must refuse (or none). */
    abstract class Task extends AggregatorContractKit {
        private final String type;
        private final String settings;
        private final String mismatched;

        Task(String type, String settings, String mismatched) {
            this.type = type;
            this.settings = settings;
            this.mismatched = mismatched;
        }

        @Override
        protected Aggregator createAggregator() {
            return create(type, settings);
        }

        @Override
        protected Aggregator mismatchedAggregator() {
            return mismatched == null ? null : create(type, mismatched);
        }
    }

    @Nested
    class ExactBytesBySourceAndPort extends Task {
        ExactBytesBySourceAndPort() {
            super("exact", EXACT_BYTES, "name=t,key=src_ip,metric=bytes");
        }
    }

    @Nested
    class ExactSpread extends Task {
        ExactSpread() {
            super("exact", EXACT_SPREAD, null);
        }
    }

    @Nested
    class CountMin extends Task {
        CountMin() {
            super("count-min", COUNT_MIN, COUNT_MIN + ",seed=99");
        }

        @Override
        protected Merge merge() {
            return Merge.APPROXIMATE;
        }
    }

    /**
     * The merged answer's error has a long tail (over 1,000 random seeds one key in 38,000 was off by 50%), so the
     * contract runs on one fixed seed to be repeatable; SuperSpreadAccuracyTest measures the error against the truth.
     */
    @Nested
    class SuperSpread extends Task {
        SuperSpread() {
            super("super-spread", SUPER_SPREAD + ",seed=7", SUPER_SPREAD + ",seed=99");
        }

        @Override
        protected double tolerance() {
            return 0.3;
        }

        @Override
        protected Merge merge() {
            return Merge.KEY_PARTITIONED;
        }

        @Override
        protected int partition(PacketView p, int index, int parts) {
            return (int) ((Hashing.hash(p.srcLo(), 1) >>> 1) % parts);
        }
    }

    @Nested
    class Hll extends Task {
        Hll() {
            super("hll", HLL, HLL + ",seed=99");
        }
    }

    @Nested
    class HllBySource extends Task {
        HllBySource() {
            super("hll", HLL_BY_SOURCE, null);
        }
    }

    /** How exactly a merge of parts must reproduce the single-instance answer. */
    enum MergeKind { EXACT, APPROXIMATE, KEY_PARTITIONED }

    static Stream<Arguments> aggregators() {
        return Stream.of(
                Arguments.of("exact", EXACT_BYTES, MergeKind.EXACT),
                Arguments.of("exact", EXACT_SPREAD, MergeKind.EXACT),
                Arguments.of("count-min", COUNT_MIN, MergeKind.APPROXIMATE),
                Arguments.of("super-spread", SUPER_SPREAD, MergeKind.KEY_PARTITIONED),
                Arguments.of("hll", HLL, MergeKind.EXACT),
                Arguments.of("hll", HLL_BY_SOURCE, MergeKind.EXACT));
    }

    static Aggregator create(String type, String settings) {
        for (AggregatorProvider p : ServiceLoader.load(AggregatorProvider.class)) {
            if (p.name().equals(type)) {
                return p.create(new PluginConfig("aggregator '" + type + "'", parsePairs(settings)));
            }
        }
        throw new AssertionError("no provider " + type);
    }

    /** key=value pairs where a value may hold commas (key=src_ip,dst_port): a comma starts a pair only before k=. */
    static Map<String, String> parsePairs(String settings) {
        Map<String, String> out = new HashMap<>();
        String k = null;
        StringBuilder v = new StringBuilder();
        for (String part : settings.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                if (k != null) {
                    out.put(k, v.toString());
                }
                k = part.substring(0, eq);
                v.setLength(0);
                v.append(part.substring(eq + 1));
            } else {
                v.append(',').append(part);
            }
        }
        out.put(k, v.toString());
        return out;
    }

    static List<DecodedPacket> packets(long seed, int n) {
        ZipfTraffic t = new ZipfTraffic(seed, 5_000, 1.0, 2_000, 3, 0.05, n);
        List<DecodedPacket> out = new ArrayList<>();
        DecodedPacket p = new DecodedPacket();
        while (t.next(p)) {
            DecodedPacket c = new DecodedPacket();
            c.ipVersion = p.ipVersion;
            c.srcHi = p.srcHi;
            c.srcLo = p.srcLo;
            c.dstHi = p.dstHi;
            c.dstLo = p.dstLo;
            c.srcPort = p.srcPort;
            c.dstPort = p.dstPort;
            c.protocol = p.protocol;
            c.wireLength = p.wireLength;
            c.timestampNanos = p.timestampNanos;
            out.add(c);
        }
        return out;
    }

    /** A new aggregator of {@code type} fed {@code n} packets of {@link #packets}. */
    static Aggregator fed(String type, String settings, long seed, int n) {
        Aggregator a = create(type, settings);
        for (DecodedPacket p : packets(seed, n)) {
            a.onPacket(p);
        }
        return a;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("aggregators")
    void bytesRoundTripKeepsTheAnswer(String type, String settings, MergeKind kind) {
        Aggregator a = fed(type, settings, 4, 20_000);
        Aggregator back = AggregatorBytes.fromBytes(AggregatorBytes.toBytes(a));
        assertEquals(a.snapshot(0, 1), back.snapshot(0, 1));
        // the copy keeps working and merges with the original's kind
        back.merge(a.newEmpty());
        byte[] bytes = AggregatorBytes.toBytes(a);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AggregatorBytes.fromBytes(cut));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }

    /**
     * Damaged bytes (a byte changed, or cut, anywhere) read as an aggregator or are refused with
     * IllegalArgumentException: never another exception, and never an allocation far beyond the bytes' own size.
     * 1,000 damaged copies per aggregator; {@code mvn test -Dflowtrace.fuzz.trials=30000} runs more (30,000 each
     * passed when this was written).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("aggregators")
    void damagedBytesAreReadOrRefusedWithAnAnswer(String type, String settings, MergeKind kind) {
        Aggregator a = fed(type, settings, 6, 2_000);
        byte[] good = AggregatorBytes.toBytes(a);
        java.util.SplittableRandom r = new java.util.SplittableRandom(type.hashCode() ^ settings.hashCode());
        for (int trial = 0, n = Integer.getInteger("flowtrace.fuzz.trials", 1_000); trial < n; trial++) {
            byte[] b = good.clone();
            int changes = 1 + r.nextInt(3);
            for (int c = 0; c < changes; c++) {
                // mostly the header and parameters, where sizes live
                int at = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 160));
                b[at] = (byte) (r.nextInt(4) == 0 ? 0xff : r.nextInt(256));
            }
            if (r.nextInt(5) == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            byte[] input = b;
            try {
                Aggregator back = AggregatorBytes.fromBytes(input);
                back.snapshot(0, 1);
            } catch (IllegalArgumentException expected) {
                // a precise refusal
            } catch (RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("trial " + trial + ": " + e, e);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("aggregators")
    void mismatchedMergesAreRefused(String type, String settings, MergeKind kind) {
        Aggregator a = create(type, settings);
        Aggregator other = create(type.equals("exact") ? "hll" : "exact",
                type.equals("exact") ? "name=t,element=dst_ip" : "name=t,key=src_ip");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.merge(other));
        assertTrue(e.getMessage().contains("expected " + type), e.getMessage());
        if (!type.equals("exact")) {
            Aggregator differentSeed = create(type, settings + ",seed=99");
            e = assertThrows(IllegalArgumentException.class, () -> a.merge(differentSeed));
            assertTrue(e.getMessage().matches(".*seed: expected -?\\d+, got 99.*"), e.getMessage());
        }
    }

    @Test
    void everyProviderIsDiscoverableByName() {
        Set<String> names = new TreeSet<>();
        for (AggregatorProvider p : ServiceLoader.load(AggregatorProvider.class)) {
            names.add(p.name());
        }
        assertEquals(Set.of("count-min", "exact", "hll", "super-spread"), names);
    }

    @Test
    void configurationErrorsAreReportedTogetherWithKnownKeys() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> create("count-min", "name=t,key=src_ipx,metric=bits,widht=5"));
        String m = e.getMessage();
        assertTrue(m.contains("key: key field: 'src_ipx'"), m);
        assertTrue(m.contains("metric: 'bits'"), m);
        assertTrue(m.contains("unknown key 'widht'") && m.contains("width"), m);
    }
}
