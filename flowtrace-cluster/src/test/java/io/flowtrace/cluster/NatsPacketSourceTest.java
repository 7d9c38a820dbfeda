package io.flowtrace.cluster;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code nats} source against a real nats-server, fed by an encoder written from the probe's IDL (not the
 * codec under test) with known packets and bytes per key.
 */
class NatsPacketSourceTest {
    private static final long T0 = 1_733_000_000_000_000_000L;

    @TempDir
    Path dir;
    private NatsServerProcess server;
    private final List<FlowTrace> meters = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (FlowTrace m : meters) {
            m.stop();
            m.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** One key's expected traffic: {@code packets} packets of {@code length} bytes. */
    private record Expect(byte[] src, byte[] dst, int sport, int dport, int proto, int packets, int length) {
        String key() {
            return canonical(FlowKey.of(addr(src), addr(dst), sport, dport, proto));
        }
    }

    private static java.net.InetAddress addr(byte[] b) {
        try {
            return java.net.InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Both directions as one key, so that which side started does not matter. */
    static String canonical(FlowKey k) {
        String a = k.srcIp() + "/" + k.srcPort();
        String b = k.dstIp() + "/" + k.dstPort();
        return (a.compareTo(b) <= 0 ? a + " " + b : b + " " + a) + " " + k.protocol();
    }

    private static List<Expect> traffic() {
        List<Expect> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            out.add(new Expect(new byte[] {10, 0, 0, (byte) (i + 1)}, new byte[] {10, 1, 0, 1}, 40_000 + i, 443, 6,
                    1 + i % 7, 60 + i));
            out.add(new Expect(new byte[] {10, 0, 1, (byte) (i + 1)}, new byte[] {8, 8, 8, 8}, 50_000 + i, 53, 17,
                    1 + i % 3, 80 + i));
        }
        for (int i = 0; i < 10; i++) {
            byte[] s = new byte[16];
            byte[] d = new byte[16];
            s[0] = 0x20;
            s[1] = 0x01;
            s[15] = (byte) (i + 1);
            d[0] = 0x20;
            d[1] = 0x01;
            d[15] = (byte) 0xee;
            out.add(new Expect(s, d, 1000 + i, 80, 6, 2 + i, 1280));
            out.add(new Expect(s, d, 0, 0, 47, 3, 100)); // GRE: no ports
        }
        out.add(new Expect(new byte[] {10, 9, 9, 9}, new byte[] {10, 9, 9, 8}, 0, 0, 1, 4, 98)); // ICMP: the probe has no ports
        return out;
    }

    /** The messages for {@code traffic}, interleaved, with packet times a microsecond apart. */
    private static List<byte[]> messages(PacketInfoFormat f, List<Expect> traffic) {
        List<byte[]> out = new ArrayList<>();
        long t = T0;
        int round = 0;
        boolean more = true;
        while (more) {
            more = false;
            for (Expect e : traffic) {
                if (round < e.packets()) {
                    more = true;
                    t += 1000;
                    boolean extras = out.size() % 5 == 0;
                    out.add(f == PacketInfoFormat.THRIFT
                            ? IdlEncoder.thrift(t, e.src(), e.dst(), e.sport(), e.dport(), e.proto(), e.length(), extras)
                            : IdlEncoder.protobuf(t, e.src(), e.dst(), e.sport(), e.dport(), e.proto(), e.length(),
                            extras));
                }
            }
            round++;
        }
        return out;
    }

    private static Map<String, long[]> expected(List<Expect> traffic) {
        Map<String, long[]> m = new TreeMap<>();
        for (Expect e : traffic) {
            long[] c = m.computeIfAbsent(e.key(), k -> new long[2]);
            c[0] += e.packets();
            c[1] += (long) e.packets() * e.length();
        }
        return m;
    }

    /** A meter on the nats source; its flows summed per key into {@code flows}. */
    private FlowTrace meter(Map<String, Object> source, Map<String, long[]> flows) {
        Map<String, Object> cfg = new LinkedHashMap<>(source);
        cfg.putIfAbsent("url", server.url());
        cfg.putIfAbsent("idle_exit", "1500ms");
        cfg.putIfAbsent("live", "off");
        FlowTrace m = FlowTrace.builder().source("nats", cfg).workers(2)
                .onEvent(e -> add(flows, e)).build();
        meters.add(m);
        return m;
    }

    static void add(Map<String, long[]> flows, FlowEvent e) {
        long[] c = flows.computeIfAbsent(canonical(e.key()), k -> new long[2]);
        synchronized (c) {
            c[0] += e.packetsForward() + e.packetsReverse();
            c[1] += e.bytesForward() + e.bytesReverse();
        }
    }

    static Map<String, List<Long>> table(Map<String, long[]> m) {
        Map<String, List<Long>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, List.of(v[0], v[1])));
        return out;
    }

    /** Waits until {@code n} subscriptions more than {@code before} exist (the server has some of its own). */
    static void awaitSubscriptions(NatsServerProcess server, long before, long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.varz("subscriptions") < before + n) {
            assertTrue(System.nanoTime() < deadline, "no subscription within 10 s: " + server.log());
            Thread.sleep(20);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PacketInfoFormat.class, names = {"THRIFT", "PROTOBUF"})
    void metersTheProbesMessagesToTheExactCountsAndCountsTheMalformed(PacketInfoFormat f) throws Exception {
        server = new NatsServerProcess(dir, false);
        List<Expect> traffic = traffic();
        Map<String, long[]> flows = new ConcurrentHashMap<>();
        FlowTrace m = meter(Map.of("subject", "gons.packets.raw", "format", f.name().toLowerCase()), flows);
        long before = server.varz("subscriptions");
        m.start();
        awaitSubscriptions(server, before, 1);
        List<byte[]> msgs = messages(f, traffic);
        List<byte[]> bad = List.of(
                new byte[0],
                new byte[] {1, 2, 3},
                (f == PacketInfoFormat.THRIFT ? IdlEncoder.thrift(T0, new byte[5], new byte[5], 1, 2, 6, 60, false)
                        : IdlEncoder.protobuf(T0, new byte[5], new byte[5], 1, 2, 6, 60, false)),
                (f == PacketInfoFormat.THRIFT ? IdlEncoder.thrift(T0, new byte[4], new byte[4], 1, 2, 6, 1L << 33, false)
                        : IdlEncoder.protobuf(T0, new byte[4], new byte[4], 1, 2, 6, 1L << 33, false)),
                java.util.Arrays.copyOf(msgs.get(0), msgs.get(0).length - 3),
                (f == PacketInfoFormat.THRIFT ? IdlEncoder.protobuf(T0, new byte[4], new byte[4], 1, 2, 6, 60, false)
                        : IdlEncoder.thrift(T0, new byte[4], new byte[4], 1, 2, 6, 60, false)));
        try (Connection c = Nats.connect(server.url())) {
            int i = 0;
            for (byte[] msg : msgs) {
                c.publish("gons.packets.raw", msg);
                if (++i % 50 == 0) {
                    c.publish("gons.packets.raw", bad.get((i / 50) % bad.size()));
                }
            }
            for (byte[] b : bad) {
                c.publish("gons.packets.raw", b);
            }
            c.flush(Duration.ofSeconds(5));
        }
        FlowStats stats = m.awaitTermination(Duration.ofSeconds(30));
        int badSent = msgs.size() / 50 + bad.size();
        assertEquals(table(expected(traffic)), table(flows));
        assertEquals((long) msgs.size(), stats.packetsDecoded());
        assertEquals(0L, stats.malformedTotal(), "no garbage reached the decoder: " + stats.malformed());
        assertEquals((long) badSent, stats.sourceCounters().get("malformed"), stats.sourceCounters().toString());
        assertEquals((long) msgs.size(), stats.sourceCounters().get("packets"));
    }

    @Test
    void queueGroupMembersShareTheStreamAndAddUpExactly() throws Exception {
        server = new NatsServerProcess(dir, false);
        List<Expect> traffic = traffic();
        Map<String, long[]> flows = new ConcurrentHashMap<>();
        Map<String, Object> cfg = Map.of("subject", "probe.pkts", "format", "thrift", "queue_group", "engines");
        FlowTrace a = meter(cfg, flows);
        FlowTrace b = meter(cfg, flows);
        long before = server.varz("subscriptions");
        a.start();
        b.start();
        awaitSubscriptions(server, before, 2);
        List<byte[]> msgs = messages(PacketInfoFormat.THRIFT, traffic);
        try (Connection c = Nats.connect(server.url())) {
            for (byte[] msg : msgs) {
                c.publish("probe.pkts", msg);
            }
            c.flush(Duration.ofSeconds(5));
        }
        FlowStats sa = a.awaitTermination(Duration.ofSeconds(30));
        FlowStats sb = b.awaitTermination(Duration.ofSeconds(30));
        assertEquals(table(expected(traffic)), table(flows));
        assertEquals(msgs.size(), sa.packetsDecoded() + sb.packetsDecoded());
        assertTrue(sa.packetsDecoded() > 0 && sb.packetsDecoded() > 0,
                "both took a share: " + sa.packetsDecoded() + " + " + sb.packetsDecoded());
    }

    @Test
    void jetStreamDurableConsumerLosesNothingAcrossARestart() throws Exception {
        server = new NatsServerProcess(dir, true);
        // ten times the usual packets, and the first run fetching one message at a time, so that it cannot have
        // read them all in the moment between the test seeing a third read and stopping it
        List<Expect> traffic = traffic().stream().map(e -> new Expect(e.src(), e.dst(), e.sport(), e.dport(),
                e.proto(), 10 * e.packets(), e.length())).toList();
        List<byte[]> msgs = messages(PacketInfoFormat.PROTOBUF, traffic);
        try (Connection c = Nats.connect(server.url())) {
            JetStreamManagement jsm = c.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("PACKETS").subjects("pk.>").build());
            for (byte[] msg : msgs) {
                c.jetStream().publishAsync("pk.raw", msg);
            }
            c.flush(Duration.ofSeconds(5));
        }
        Map<String, Object> cfg = Map.of("subject", "pk.raw", "format", "protobuf", "jetstream", "on",
                "durable", "engine", "fetch", "64");
        Map<String, long[]> flows = new ConcurrentHashMap<>();
        Map<String, Object> slow = new LinkedHashMap<>(cfg);
        slow.put("fetch", "1");
        FlowTrace first = meter(slow, flows);
        first.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (first.stats().packetsRead() < msgs.size() / 3) {
            assertTrue(System.nanoTime() < deadline, "the first run read nothing");
            Thread.sleep(5);
        }
        first.stop(); // mid-stream
        FlowStats s1 = first.awaitTermination(Duration.ofSeconds(30));
        assertTrue(s1.packetsDecoded() < msgs.size(), "stopped mid-stream: " + s1.packetsDecoded());
        // every message the stopped run acknowledged reached the server before it closed (well within the ack wait)
        try (Connection c = Nats.connect(server.url())) {
            JetStreamManagement jsm = c.jetStreamManagement();
            long closed = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            ConsumerInfo consumer = jsm.getConsumerInfo("PACKETS", "engine");
            while (consumer.getNumAckPending() != 0) {
                assertTrue(System.nanoTime() < closed, "acknowledgements still pending after the run closed: "
                        + consumer.getNumAckPending());
                Thread.sleep(20);
                consumer = jsm.getConsumerInfo("PACKETS", "engine");
            }
            assertEquals(s1.packetsDecoded(), consumer.getAckFloor().getStreamSequence(),
                    "the stream's messages up to those the stopped run metered are acknowledged");
        }
        FlowTrace second = meter(cfg, flows);
        FlowStats s2 = second.start().awaitTermination(Duration.ofSeconds(30));
        assertEquals(msgs.size(), s1.packetsDecoded() + s2.packetsDecoded(), "nothing lost, nothing twice");
        assertEquals(table(expected(traffic)), table(flows));
        assertEquals(s1.packetsDecoded(), s1.sourceCounters().get("acked"));
    }

    @Test
    void slowConsumerDropsAreCountedAndEveryMessageIsAccountedFor() throws Exception {
        server = new NatsServerProcess(dir, false);
        List<byte[]> msgs = messages(PacketInfoFormat.THRIFT, traffic());
        FlowTrace m = FlowTrace.builder()
                .source("nats", Map.of("url", server.url(), "subject", "slow", "pending_messages", "20",
                        "live", "off", "idle_exit", "1s"))
                .workers(1)
                .packetListener((w, n) -> p -> {
                    try {
                        Thread.sleep(1); // an engine far slower than its sender
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build();
        meters.add(m);
        long before = server.varz("subscriptions");
        m.start();
        awaitSubscriptions(server, before, 1);
        try (Connection c = Nats.connect(server.url())) {
            for (byte[] msg : msgs) {
                c.publish("slow", msg);
            }
            c.flush(Duration.ofSeconds(5));
        }
        FlowStats s = m.awaitTermination(Duration.ofSeconds(30));
        Map<String, Long> src = s.sourceCounters();
        assertTrue(src.get("slow_consumer_dropped") > 0, src.toString());
        assertTrue(src.get("slow_consumer_events") > 0, src.toString());
        assertEquals(msgs.size(), src.get("messages") + src.get("slow_consumer_dropped"), src.toString());
        assertEquals(src.get("messages"), s.packetsDecoded());
    }

    @Test
    void settingsAreCheckedWithTheirNames() {
        Map<String, Object> bad = new HashMap<>();
        bad.put("format", "xml");
        bad.put("jetstream", "on");
        bad.put("queue_group", "q");
        bad.put("colour", "red");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.flowtrace.core.ConfigurationException.class,
                () -> new NatsPacketSourceProvider().create(new io.flowtrace.core.spi.PluginConfig("source 'nats'",
                        bad)));
        for (String word : List.of("format", "durable", "queue_group", "colour")) {
            assertTrue(e.getMessage().contains(word), e.getMessage());
        }
    }
}
