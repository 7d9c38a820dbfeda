package io.flowtrace.cluster;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.testkit.TestPacket;
import io.flowtrace.testkit.TestTraffic;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.flowtrace.cluster.ClusterStateTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partitioned subjects consumed through JetStream by two engines, each owning one partition, with their state merged
 * over the state subject: the merged exact counts equal the ground truth computed from the packets. Then one engine
 * stops without its last state (as if killed) while the other goes on, and restarts under the same node id: it
 * resumes from its last published state, skips what that state holds, meters the redelivered rest, and the
 * cluster's totals stay exact.
 */
class ClusterSourceTest {
    private static final ClusterSeed SEED = ClusterSeed.of("cluster-source-test-secret");
    private static final String SUBJECT = "pk";
    private static final String STATE = "ft.state";
    private static final Set<String> TASKS = new LinkedHashSet<>(List.of("by-src", "distinct"));

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
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // closing what a crashed engine left
            }
        }
        server.close();
    }

    /** An engine: its own connection for state, a ClusterSource over its partitions, a meter. */
    private final class Engine {
        final StateExchange exchange;
        final ClusterState state = new ClusterState(Duration.ZERO);
        final ClusterNode node;
        final ClusterSource source;
        final FlowTrace meter;

        Engine(String id, List<Integer> owned, String idleExit) throws Exception {
            Connection c = Nats.connect(server.url());
            open.add(c);
            exchange = StateExchange.open(c, STATE, true, state, r -> { });
            open.add(exchange);
            ClusterSource[] src = new ClusterSource[1];
            node = new ClusterNode(id, exchange, state, TASKS, end -> src[0].coverage(end), Duration.ofSeconds(5));
            open.add(node);
            src[0] = new ClusterSource(Map.of("url", server.url(), "format", "thrift", "fetch", "64",
                    "ack_wait", "1s", "idle_exit", idleExit), SUBJECT, "engines", 2, owned, Duration.ofSeconds(1),
                    node.resumePoint());
            source = src[0];
            node.onPublished(source::acknowledge);
            String seed = Long.toString(SEED.sketchSeed());
            meter = FlowTrace.builder().source(source).workers(2)
                    .aggregator("exact", Map.of("name", "by-src", "key", "src_ip", "metric", "bytes", "seed", seed))
                    .aggregator("hll", Map.of("name", "distinct", "element", "dst_ip", "seed", seed))
                    .onState(Duration.ofSeconds(1), node)
                    .build();
            open.add(meter);
        }
    }

    @Test
    void twoEnginesOnePartitionEachMergeExactlyAndARestartLosesNothingAndCountsNothingTwice() throws Exception {
        // 12,000 packets 2 ms apart: 24 s of packet time, a state every second
        List<TestPacket> all = new ArrayList<>();
        for (TestPacket p : TestTraffic.zipf(77, 200, 100, 12_000)) {
            long ts = TestTraffic.START_NANOS + (p.timestampNanos() - TestTraffic.START_NANOS) * 2_000;
            all.add(new TestPacket(ts, p.ipVersion(), p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(),
                    p.dstPort(), p.protocol(), p.vlan(), p.wireLength(), p.ipLength(), p.tcpFlags(), p.icmpType(),
                    p.icmpCode(), p.interfaceIndex()));
        }
        Connection pub = Nats.connect(server.url());
        open.add(pub);
        pub.jetStreamManagement().addStream(StreamConfiguration.builder().name("PACKETS").subjects(SUBJECT + ".>")
                .storageType(StorageType.File).build());
        JetStream js = pub.jetStream();
        FlowPartitioner parts = SEED.partitioner(2);
        int[] perPartition = new int[2];

        Engine a = new Engine("engine-a", List.of(0), "0s");
        // engine b runs until the test stops it, once it has metered all of partition 1: an idle exit could end it
        // while the test is still crashing engine a, before the second half is published
        Engine b = new Engine("engine-b", List.of(1), "0s");
        a.meter.start();
        b.meter.start();
        int firstPart = 7_000;
        publish(js, parts, all.subList(0, firstPart), perPartition);
        // engine a has published state holding part of partition 0: it is "killed" (no last state, no more acks)
        await(() -> a.state.latest("engine-a").map(r -> r.covered().getOrDefault(0, 0L) > 1_000).orElse(false));
        a.node.close(Duration.ZERO);
        a.meter.stop();
        a.meter.awaitTermination(Duration.ofSeconds(10));
        long acknowledgedBeforeCrash = a.source.counters().get("acked");
        publish(js, parts, all.subList(firstPart, all.size()), perPartition);

        Engine again = new Engine("engine-a", List.of(0), "4s");
        StateRecord resumed = again.state.latest("engine-a").orElseThrow();
        again.meter.start();
        assertTrue(again.meter.awaitTermination(Duration.ofSeconds(60)) != null, "restarted engine ended");
        await(() -> b.source.counters().get("packets") == perPartition[1]);
        b.meter.stop();
        assertTrue(b.meter.awaitTermination(Duration.ofSeconds(60)) != null, "engine b ended");
        again.node.close();
        b.node.close();
        assertTrue(perPartition[0] > 1_000 && perPartition[1] > 1_000, "both partitions used: "
                + java.util.Arrays.toString(perPartition));
        // the restarted engine went on from its state: it metered only what that state did not hold
        long meteredAgain = again.source.counters().get("packets");
        assertTrue(meteredAgain > 0 && meteredAgain < perPartition[0], "metered after the restart: " + meteredAgain
                + " of " + perPartition[0] + " " + again.source.counters());

        // an observer's merged answer
        ClusterState observer = new ClusterState(Duration.ZERO);
        Connection oc = Nats.connect(server.url());
        open.add(oc);
        open.add(StateExchange.open(oc, STATE, true, observer, r -> { }));
        Snapshot merged = observer.snapshot("by-src").orElseThrow();
        Map<String, Long> truth = new HashMap<>();
        long bytes = 0;
        for (TestPacket p : all) {
            truth.merge(address(p), (long) p.wireLength(), Long::sum);
            bytes += p.wireLength();
        }
        assertEquals((long) all.size(), merged.totals().get("total_packets"),
                "resumed from " + resumed + "; acked before the crash " + acknowledgedBeforeCrash);
        assertEquals(bytes, merged.totals().get("total_bytes"));
        for (Snapshot.Row r : merged.rows()) {
            String k = InetAddress.getByName(String.valueOf(r.key().get("src_ip"))).getHostAddress();
            assertEquals(truth.get(k), r.value(), "bytes of " + k);
        }
        assertEquals(truth.size(), merged.rows().size(), "every source");
        // nothing left unacknowledged
        long pending = pub.jetStreamManagement().getConsumerInfo("PACKETS", "engines-0").getNumAckPending()
                + pub.jetStreamManagement().getConsumerInfo("PACKETS", "engines-1").getNumAckPending();
        assertEquals(0, pending, "messages not acknowledged");
    }

    private static void publish(JetStream js, FlowPartitioner parts, List<TestPacket> packets, int[] perPartition)
            throws Exception {
        PacketInfo info = new PacketInfo();
        byte[] buf = new byte[PacketInfoCodec.MAX_ENCODED];
        List<java.util.concurrent.CompletableFuture<?>> acks = new ArrayList<>();
        for (TestPacket p : packets) {
            info.set(p);
            int n = PacketInfoCodec.encode(PacketInfoFormat.THRIFT, info, buf, 0);
            int part = parts.partition(p);
            perPartition[part]++;
            acks.add(js.publishAsync(parts.subject(SUBJECT, part), java.util.Arrays.copyOf(buf, n)));
        }
        for (java.util.concurrent.CompletableFuture<?> f : acks) {
            f.get();
        }
    }

    private static String address(TestPacket p) throws Exception {
        byte[] a = p.ipVersion() == 4 ? ByteBuffer.allocate(4).putInt((int) p.srcLo()).array()
                : ByteBuffer.allocate(16).putLong(p.srcHi()).putLong(p.srcLo()).array();
        return InetAddress.getByAddress(a).getHostAddress();
    }
}
