package io.flowtrace.examples;

import io.flowtrace.cluster.PacketInfo;
import io.flowtrace.cluster.PacketInfoCodec;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe}: every decoded packet of a capture reaches the subject, in the format the engine's file asks. */
class ProbeCommandTest {
    @TempDir
    Path dir;

    private static Path capture() {
        Path p = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus/zeek/wikipedia.pcap")
                .normalize();
        assertTrue(Files.isReadable(p), "corpus capture missing: " + p);
        return p;
    }

    @Test
    void publishesEveryPacketWithTheEngineConfigsProbeBlock() throws Exception {
        java.util.concurrent.atomic.AtomicLong flowBytes = new java.util.concurrent.atomic.AtomicLong();
        FlowStats truth = FlowTrace.builder().source("pcap-file", Map.of("path", capture().toString()))
                .onEvent(e -> flowBytes.addAndGet(e.bytesForward() + e.bytesReverse())).build().run();
        try (NatsServerProcess server = new NatsServerProcess(dir, false);
             Connection c = Nats.connect(server.url())) {
            Subscription sub = c.subscribe("sensors.pk");
            c.flush(Duration.ofSeconds(5));
            Path yaml = dir.resolve("config.yaml");
            Files.writeString(yaml, "probe:\n  nats_url: \"${NATS_URL}\"\n  subject: sensors.pk\n  format: protobuf\n"
                    + "aggregator:\n  types: [exact]\n");
            Cli r = Cli.run(Map.of("NATS_URL", server.url()), "probe", capture().toString(), "--config",
                    yaml.toString());
            assertEquals(0, r.status(), r.err());
            PacketInfo p = new PacketInfo();
            long n = 0;
            long bytes = 0;
            Message m;
            while ((m = sub.nextMessage(Duration.ofMillis(500))) != null) {
                byte[] d = m.getData();
                assertEquals(PacketInfoCodec.Status.OK, PacketInfoCodec.decodeProtobuf(d, 0, d.length, p));
                n++;
                bytes += p.length();
            }
            assertEquals(truth.packetsDecoded(), n);
            assertEquals(flowBytes.get(), bytes, "the flows' wire bytes");
        }
    }

    @Test
    void aBadFormatInTheFileNamesItsPlace() throws Exception {
        Path yaml = dir.resolve("config.yaml");
        Files.writeString(yaml, "probe:\n  nats_url: nats://127.0.0.1:1\n  format: avro\n");
        Cli r = Cli.run("probe", capture().toString(), "--config", yaml.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("probe: format (line 3, column 3)") && r.err().contains("thrift, protobuf or batch"), r.err());
    }
}
