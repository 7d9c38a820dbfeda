package io.flowtrace.cluster;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NATS gone while a sensor publishes: capture goes on, and every packet is published, dropped or refused. */
class PacketPublisherTest {
    @TempDir
    Path dir;

    @Test
    void natsDownNeverStallsCaptureAndEveryPacketIsAccountedFor() throws Exception {
        SyntheticCapture traffic = SyntheticCapture.builder().packets(200_000).conversations(2_000).seed(3).build();
        try (NatsServerProcess server = new NatsServerProcess(dir, false)) {
            PacketPublisher pub = PacketPublisher.create(new PluginConfig("probe", Map.of("url", server.url(),
                    "format", "thrift", "reconnect-buffer", "64KiB", "chunks", "2", "chunk_size", "4KiB",
                    "max-reconnects", "-1")));
            server.kill();
            long t0 = System.nanoTime();
            FlowStats s;
            try {
                s = FlowTrace.builder().source(traffic.source()).workers(2).packetListener(pub).build().run();
            } finally {
                pub.close();
            }
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            Map<String, Long> c = pub.counters();
            assertTrue(seconds < 30, "capture went on: " + seconds + " s");
            assertEquals(s.packetsDecoded(), c.get("published") + c.get("dropped") + c.get("failed"), c.toString());
            assertTrue(c.get("dropped") + c.get("failed") > 0, "losses counted: " + c);
            assertTrue(c.get("disconnects") >= 1, c.toString());
        }
    }
}
