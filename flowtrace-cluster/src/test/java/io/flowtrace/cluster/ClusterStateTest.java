package io.flowtrace.cluster;

import io.flowtrace.core.Plugins;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.testkit.TestPacket;
import io.flowtrace.testkit.TestTraffic;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregator state merged across processes through a real nats-server with JetStream: two nodes each meter half of
 * generated traffic and publish their state; a third node's merged answer equals the ground truth (exact counts
 * computed from the packets) and, for the sketches, what one aggregator fed everything reports. Publishing again
 * does not count twice; a node that restarts resumes from its last record.
 */
class ClusterStateTest {
    private static final ClusterSeed SEED = ClusterSeed.of("test-cluster-secret-1");
    private static final String SUBJECT = "ft.state";

    @TempDir
    Path dir;
    private NatsServerProcess server;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new NatsServerProcess(dir, true);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        server.close();
    }

    private Connection connect() throws Exception {
        Connection c = Nats.connect(server.url());
        open.add(c);
        return c;
    }

    private static Map<String, Map<String, String>> tasks() {
        String seed = Long.toString(SEED.sketchSeed());
        Map<String, Map<String, String>> t = new LinkedHashMap<>();
        t.put("exact", Map.of("name", "by-src", "key", "src_ip", "metric", "bytes", "seed", seed));
        t.put("count-min", Map.of("name", "cm", "key", "src_ip", "metric", "packets", "seed", seed));
        t.put("hll", Map.of("name", "distinct", "element", "dst_ip", "seed", seed));
        return t;
    }

    private static List<Aggregator> create() {
        Plugins plugins = Plugins.discover();
        List<Aggregator> out = new ArrayList<>();
        tasks().forEach((type, cfg) -> out.add(plugins.aggregator(type).create(new PluginConfig(type, cfg))));
        return out;
    }

    private static void feed(List<Aggregator> aggs, List<TestPacket> packets) {
        for (TestPacket p : packets) {
            for (Aggregator a : aggs) {
                a.onPacket(p);
            }
        }
    }

    @Test
    void twoNodesHalvesMergeToTheWholeOnEveryNode() throws Exception {
        List<TestPacket> all = TestTraffic.zipf(21, 300, 200, 20_000);
        List<TestPacket> first = all.subList(0, all.size() / 2);
        List<TestPacket> second = all.subList(all.size() / 2, all.size());

        ClusterState observer = new ClusterState(Duration.ZERO);
        StateExchange watch = StateExchange.open(connect(), SUBJECT, true, observer, t -> { });
        open.add(watch);
        ClusterState stateA = new ClusterState(Duration.ZERO);
        ClusterNode a = node("a", stateA);
        ClusterState stateB = new ClusterState(Duration.ZERO);
        ClusterNode b = node("b", stateB);

        List<Aggregator> aggsA = create();
        List<Aggregator> aggsB = create();
        feed(aggsA, first);
        feed(aggsB, second);
        long start = TestTraffic.START_NANOS;
        long end = start + all.size() * 1_000L;
        for (Aggregator x : aggsA) {
            a.onState(x.copy(), start, end);
        }
        for (Aggregator x : aggsB) {
            b.onState(x.copy(), start, end);
        }
        await(() -> observer.latest("a").isPresent() && observer.latest("b").isPresent());
        assertEquals(List.of("by-src", "cm", "distinct"), observer.tasks());

        // ground truth for the exact task: bytes per source, from the packets themselves
        Map<String, Long> truth = new HashMap<>();
        for (TestPacket p : all) {
            truth.merge(address(p.ipVersion(), p.srcHi(), p.srcLo()), (long) p.wireLength(), Long::sum);
        }
        Snapshot exact = observer.snapshot("by-src").orElseThrow();
        Map<String, Long> got = new HashMap<>();
        for (Snapshot.Row r : exact.rows()) {
            got.put(InetAddress.getByName(String.valueOf(r.key().get("src_ip"))).getHostAddress(), r.value());
        }
        assertEquals(Math.min(truth.size(), exact.rows().size()), got.size());
        for (Map.Entry<String, Long> e : got.entrySet()) {
            assertEquals(truth.get(e.getKey()), e.getValue(), "bytes of " + e.getKey());
        }
        long totalBytes = all.stream().mapToLong(TestPacket::wireLength).sum();
        assertEquals(totalBytes, exact.totals().get("total_bytes"));
        assertEquals((long) all.size(), exact.totals().get("total_packets"));

        // the sketches: merged equals one aggregator fed everything
        List<Aggregator> whole = create();
        feed(whole, all);
        for (Aggregator w : whole) {
            Snapshot expected = w.snapshot(start, end);
            Snapshot merged = observer.snapshot(w.task()).orElseThrow();
            // values equal; a Count-Min candidate's lower bound depends on when it joined the heap, so not compared
            assertEquals(values(expected), values(merged), w.task());
            assertEquals(expected.totals(), merged.totals(), w.task());
        }
        // and every node answers the same, once each has the other's record (each takes it on its own thread)
        await(() -> stateA.latest("a").isPresent() && stateA.latest("b").isPresent()
                && stateB.latest("a").isPresent() && stateB.latest("b").isPresent());
        assertEquals(values(observer.snapshot("cm").orElseThrow()), values(stateA.snapshot("cm").orElseThrow()));
        assertEquals(values(observer.snapshot("cm").orElseThrow()), values(stateB.snapshot("cm").orElseThrow()));

        // publishing the same state again (a newer record of the same node) does not count twice
        for (Aggregator x : aggsA) {
            a.onState(x.copy(), start, end);
        }
        await(() -> observer.latest("a").orElseThrow().counter() == 2);
        assertEquals((long) all.size(), observer.snapshot("by-src").orElseThrow().totals().get("total_packets"));
        assertEquals(totalBytes, observer.snapshot("by-src").orElseThrow().totals().get("total_bytes"));
    }

    @Test
    void aRestartedNodeResumesFromItsLastRecordAndAddsOnlyWhatItMetersAfter() throws Exception {
        List<TestPacket> all = TestTraffic.zipf(5, 100, 50, 6_000);
        long start = TestTraffic.START_NANOS;
        ClusterState s1 = new ClusterState(Duration.ZERO);
        ClusterNode first = node("a", s1);
        List<Aggregator> before = create();
        feed(before, all.subList(0, 4_000));
        for (Aggregator x : before) {
            first.onState(x.copy(), start, start + 4_000_000L);
        }
        await(() -> first.published() == 1);
        first.close();

        // a new process: a fresh connection reads the node's last record back from the stream
        ClusterState s2 = new ClusterState(Duration.ZERO);
        ClusterNode again = node("a", s2);
        assertEquals(1, s2.latest("a").orElseThrow().counter());
        List<Aggregator> after = create();
        feed(after, all.subList(4_000, 6_000));
        for (Aggregator x : after) {
            again.onState(x.copy(), start + 4_000_000L, start + 6_000_000L);
        }
        await(() -> again.published() == 1);
        Snapshot merged = s2.snapshot("by-src").orElseThrow();
        assertEquals(6_000L, merged.totals().get("total_packets"));
        assertEquals(all.stream().mapToLong(TestPacket::wireLength).sum(), merged.totals().get("total_bytes"));
        assertEquals(2, s2.latest("a").orElseThrow().counter());
        assertEquals(start, merged.startNanos());
    }

    @Test
    void stateOfAnotherSeedIsCountedAndLeftOut() throws Exception {
        ClusterState s = new ClusterState(Duration.ZERO);
        Plugins plugins = Plugins.discover();
        Aggregator mine = create().get(1);
        Aggregator other = plugins.aggregator("count-min").create(new PluginConfig("count-min",
                Map.of("name", "cm", "key", "src_ip", "metric", "packets", "seed", "12345")));
        assertTrue(s.accept(new StateRecord("a", 0, 1, 1, Map.of(), Map.of(), Map.of("cm", mine.toBytes()))));
        assertTrue(s.accept(new StateRecord("b", 0, 1, 1, Map.of(), Map.of(), Map.of("cm", other.toBytes()))));
        assertFalse(s.accept(new StateRecord("a", 0, 1, 1, Map.of(), Map.of(), Map.of("cm", mine.toBytes()))),
                "not newer");
        s.snapshot("cm").orElseThrow();
        assertEquals(1, s.failures());
        assertEquals(1, s.stale());
        assertTrue(s.accept(new StateRecord("c", 0, 1, 1, Map.of(), Map.of(), Map.of("cm", new byte[] {1, 2, 3}))));
        assertEquals(2, s.failures());
    }

    @Test
    void recordsRoundTripAndDamageIsRefused() {
        StateRecord r = new StateRecord("node-1", 5, 9, 3, Map.of(0, 17L, 3, 4L), Map.of(3, 2L),
                Map.of("task", new byte[] {1, 2, 3}, "other", new byte[0]));
        assertEquals(r, StateRecord.fromBytes(r.toBytes()));
        byte[] b = r.toBytes();
        assertThrows(IllegalArgumentException.class, () -> StateRecord.fromBytes(java.util.Arrays.copyOf(b, 20)));
        b[4] = 9; // the version byte
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateRecord.fromBytes(b));
        assertTrue(e.getMessage().contains("version: expected 1, got 9"), e.getMessage());
    }

    @Test
    void seedsComeFromTheSecretAndShortSecretsAreRefused() {
        assertEquals(SEED.sketchSeed(), ClusterSeed.of("test-cluster-secret-1").sketchSeed());
        assertNotEquals(SEED.sketchSeed(), ClusterSeed.of("test-cluster-secret-2").sketchSeed());
        assertNotEquals(SEED.sketchSeed(), SEED.partitionSeed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterSeed.of("short"));
        assertTrue(e.getMessage().contains("at least 8 characters"), e.getMessage());
        assertFalse(SEED.toString().contains("secret-1"));
    }

    private static List<String> values(Snapshot s) {
        List<String> out = new ArrayList<>();
        for (Snapshot.Row r : s.rows()) {
            out.add(r.key() + "=" + r.value());
        }
        return out;
    }

    private ClusterNode node(String id, ClusterState state) throws Exception {
        StateExchange x = StateExchange.open(connect(), SUBJECT, true, state, t -> { });
        open.add(x);
        ClusterNode n = new ClusterNode(id, x, state, new java.util.LinkedHashSet<>(List.of("by-src", "cm", "distinct")), null,
                Duration.ofSeconds(5));
        open.add(n);
        return n;
    }

    private static String address(int version, long hi, long lo) throws Exception {
        byte[] a = version == 4 ? ByteBuffer.allocate(4).putInt((int) lo).array()
                : ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        return InetAddress.getByAddress(a).getHostAddress();
    }

    static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 15 s");
            }
            Thread.sleep(10);
        }
    }
}
