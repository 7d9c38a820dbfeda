package io.flowtrace.cluster;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.NatsServerProcess;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sensor meters a corpus capture and publishes every packet with {@link PacketPublisher}; an engine on the
 * {@code nats} source meters what arrives. Per 5-tuple (both directions together: packets carry no TCP flags, so
 * flows may be cut differently), packets and bytes equal those of the sensor's own flows over the capture.
 */
class ProbeRoundTripTest {
    private static final List<String> CAPTURES = List.of("zeek/wikipedia.pcap", "zeek/ftp_ipv6.pcap",
            "zeek/tunnels_Teredo.pcap", "zeek/mixed-vlan-mpls.pcap", "zeek/ssh_ssh.client-side-half-duplex.pcap");

    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> everyFormatCarriesEveryPacket() {
        List<DynamicTest> tests = new ArrayList<>();
        for (PacketInfoFormat f : PacketInfoFormat.values()) {
            for (String c : CAPTURES) {
                tests.add(DynamicTest.dynamicTest(f + " " + c, () -> roundTrip(f, capture(c))));
            }
        }
        return tests;
    }

    private static Path capture(String name) {
        Path p = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus").resolve(name)
                .normalize();
        assertTrue(Files.isReadable(p), "corpus capture missing: " + p);
        return p;
    }

    private void roundTrip(PacketInfoFormat f, Path capture) throws Exception {
        Path d = Files.createTempDirectory(dir, "nats");
        try (NatsServerProcess server = new NatsServerProcess(d, false)) {
            String fmt = f.name().toLowerCase();
            Map<String, long[]> engineFlows = new ConcurrentHashMap<>();
            FlowTrace engine = FlowTrace.builder()
                    .source("nats", Map.of("url", server.url(), "subject", "gons.packets.raw", "format", fmt,
                            "live", "off", "idle_exit", "700ms"))
                    .onEvent(e -> NatsPacketSourceTest.add(engineFlows, e)).build();
            try {
                long before = server.varz("subscriptions");
                engine.start();
                NatsPacketSourceTest.awaitSubscriptions(server, before, 1);
                Map<String, long[]> sensorFlows = new ConcurrentHashMap<>();
                FlowStats sensor;
                Map<String, Long> published;
                try (PacketPublisher pub = PacketPublisher.create(new PluginConfig("probe",
                        Map.of("url", server.url(), "subject", "gons.packets.raw", "format", fmt)))) {
                    sensor = FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString()))
                            .workers(2).packetListener(pub)
                            .onEvent(e -> NatsPacketSourceTest.add(sensorFlows, e)).build().run();
                    pub.close();
                    published = pub.counters();
                }
                FlowStats got = engine.awaitTermination(Duration.ofSeconds(30));
                assertEquals(sensor.packetsDecoded(), published.get("published"), published.toString());
                assertEquals(0L, published.get("dropped") + published.get("failed"), published.toString());
                assertEquals(NatsPacketSourceTest.table(sensorFlows), NatsPacketSourceTest.table(engineFlows));
                assertEquals(sensor.packetsDecoded(), got.packetsDecoded());
                assertEquals(0L, got.sourceCounters().get("malformed"));
            } finally {
                engine.stop();
                engine.close();
            }
        }
    }
}
