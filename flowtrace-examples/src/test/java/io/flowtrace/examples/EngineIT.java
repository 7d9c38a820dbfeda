package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine as users run it: the jar, a capture, the query API on a free port, SIGTERM to stop serving. */
class EngineIT {
    private static final Pattern PORT = Pattern.compile("query API on http://127\\.0\\.0\\.1:(\\d+)/");

    @Test
    void servesTheAnswersAfterTheCaptureUntilSigtermThenExitsZero(@TempDir Path dir) throws Exception {
        // 10.0.0.1 sends 700 packets of 1000 bytes to two ports, 10.0.0.2 300 packets of 100 bytes: over 90 s
        CaptureFiles.Pcap pcap = CaptureFiles.Pcap.ethernet();
        for (int i = 0; i < 1000; i++) {
            boolean first = i % 10 < 7;
            byte[] frame = Frames.ethIpv4(Frames.ip(10, 0, 0, first ? 1 : 2), Frames.ip(10, 0, 1, 1), Frames.UDP,
                    5000, first ? 53 + i % 2 : 123, 0, 0);
            pcap.packet(1_767_225_600L + i * 90L / 1000, 0, frame, first ? 1000 : 100);
        }
        Path capture = pcap.writeTo(dir.resolve("c.pcap"));
        Path config = dir.resolve("engine.yaml");
        Files.writeString(config, "api:\n  http_listen_addr: \"${LISTEN}\"\naggregator:\n  exact:\n    writers:\n"
                + "      - type: memory\n        snapshot_interval: 30s\n    tasks:\n      - name: per_src\n"
                + "        key_fields: [SrcIP, DstPort]\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Jar.jar().toString(), "engine", "--config", config.toString(), "--capture",
                capture.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LISTEN", "127.0.0.1:0");
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            ChildProcess engine = new ChildProcess(p);
            engine.awaitErr("serving the answers until stopped");
            Matcher m = PORT.matcher(engine.err());
            assertTrue(m.find(), engine.err());
            int port = Integer.parseInt(m.group(1));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/aggregate")).POST(HttpRequest.BodyPublishers.ofString("{\"src_ip\":\"10.0.0.1\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode s = new ObjectMapper().readTree(r.body()).get("summaries").get(0);
            assertEquals(700, s.get("total_packets").asLong());
            assertEquals(700_000, s.get("total_bytes").asLong());
            assertEquals(2, s.get("flow_count").asLong());

            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor());
            assertTrue(engine.awaitExit(60), engine.err());
            assertEquals(0, p.exitValue(), engine.err());
            assertThrows(ConnectException.class, () -> http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString()));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sigtermWhileMeteringTakesTheFinalSnapshotAndExitsZero(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("live.pcap");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path config = dir.resolve("engine.yaml");
        Files.writeString(config, "aggregator:\n  exact:\n    writers:\n      - type: memory\n"
                + "        snapshot_interval: 30s\n    tasks:\n      - name: per_src\n        key_fields: [SrcIP]\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Jar.jar().toString(), "engine", "--config", config.toString(), "--capture", fifo.toString(),
                "--listen", "127.0.0.1:0"));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        // a capture that goes on until the engine stops reading: one packet a second of packet time, every 5 ms
        Thread writer = new Thread(() -> {
            try (java.io.OutputStream out = Files.newOutputStream(fifo)) {
                out.write(CaptureFiles.Pcap.ethernet().toByteArray());
                for (long i = 0; writing.get(); i++) {
                    CaptureFiles.Pcap one = CaptureFiles.Pcap.ethernet();
                    byte[] frame = Frames.ethIpv4(Frames.ip(10, 0, 0, 1), Frames.ip(10, 0, 1, 1), Frames.UDP, 5000,
                            53, 0, 0);
                    byte[] record = one.packet(1_767_225_600L + i, 0, frame).toByteArray();
                    out.write(record, 24, record.length - 24); // the record without a second file header
                    out.flush();
                    Thread.sleep(5);
                }
            } catch (java.io.IOException | InterruptedException e) {
                // the engine closed the FIFO: the end of this capture
            }
        });
        writer.setDaemon(true);
        writer.start();
        try {
            ChildProcess engine = new ChildProcess(p);
            engine.awaitErr("query API on");
            Matcher m = PORT.matcher(engine.err());
            assertTrue(m.find(), engine.err());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long packets = 0;
            while (packets == 0) {
                assertTrue(System.nanoTime() < deadline, "no snapshot while metering: " + engine.err());
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1)
                        + "/api/v1/aggregate")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                packets = new ObjectMapper().readTree(r.body()).get("summaries").get(0).get("total_packets").asLong();
                Thread.sleep(50);
            }
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor());
            assertTrue(engine.awaitExit(60), engine.err());
            assertEquals(0, p.exitValue(), engine.err());
            assertTrue(engine.err().contains("SIGTERM: final snapshot, flushing"), engine.err());
            assertTrue(!engine.err().contains("serving the answers until stopped"), engine.err());
        } finally {
            writing.set(false);
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    @Test
    void metersALiveInterfaceUntilSigterm(@TempDir Path dir) throws Exception {
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
             java.net.DatagramSocket sender = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            int port = receiver.getLocalPort();
            Path config = dir.resolve("engine.yaml");
            Files.writeString(config, "aggregator:\n  exact:\n    writers:\n      - type: memory\n"
                    + "        snapshot_interval: 1s\n    tasks:\n      - name: per_port\n"
                    + "        key_fields: [SrcIP, DstPort]\n");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    Jar.jar().toString(), "engine", "--config", config.toString(), "--interface", "lo",
                    "--bpf-filter", "udp and dst port " + port, "--listen", "127.0.0.1:0",
                    "--metrics-listen", "127.0.0.1:0").start();
            p.getOutputStream().close();
            try {
                ChildProcess engine = new ChildProcess(p);
                engine.awaitErr("query API on");
                assertTrue(engine.err().contains("over interface lo with "), engine.err());
                Matcher m = PORT.matcher(engine.err());
                assertTrue(m.find(), engine.err());
                // 500 datagrams of 100 bytes: 142 bytes each on lo (14 Ethernet, 20 IPv4, 8 UDP)
                for (int i = 0; i < 500; i++) {
                    sender.send(new java.net.DatagramPacket(new byte[100], 100, receiver.getLocalSocketAddress()));
                }
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                JsonNode s = null;
                while (s == null || s.get("total_packets").asLong() < 500) {
                    assertTrue(System.nanoTime() < deadline, "not every packet metered: " + s + "\n" + engine.err());
                    Thread.sleep(200);
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + m.group(1) + "/api/v1/aggregate")).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"dst_port\":\"" + port + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    s = new ObjectMapper().readTree(r.body()).get("summaries").get(0);
                }
                assertEquals(500, s.get("total_packets").asLong(), s.toString());
                assertEquals(500 * 142, s.get("total_bytes").asLong(), s.toString());
                assertEquals(1, s.get("flow_count").asLong(), s.toString());
                // watched as the agent is: the capture's counters on /metrics, healthy while capturing
                int metrics = MetricsIT.port(engine);
                Map<String, Double> counters = MetricsIT.awaitMetrics(metrics,
                        c -> c.getOrDefault("flowtrace_packets_read_total", 0.0) >= 500);
                assertEquals(500.0, counters.get("flowtrace_packets_read_total"), counters.toString());
                assertEquals(500.0 * 142, counters.get("flowtrace_read_bytes_total"), counters.toString());
                assertEquals(200, MetricsIT.get(metrics, "/healthz").status());
                MetricsIT.promtoolAccepts(MetricsIT.get(metrics, "/metrics").body());

                assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor());
                assertTrue(engine.awaitExit(60), engine.err());
                assertEquals(0, p.exitValue(), engine.err());
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void refusesTwoSourcesAndLiveSettingsWithoutAnInterface(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("engine.yaml");
        Files.writeString(config, "aggregator:\n  exact:\n    tasks:\n      - name: t\n        key_fields: [SrcIP]\n");
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process both = new ProcessBuilder(jvm, "-jar", Jar.jar().toString(), "engine", "--config", config.toString(),
                "--capture", dir.resolve("x.pcap").toString(), "--interface", "lo").redirectErrorStream(true).start();
        String out = new String(both.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(both.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, both.exitValue(), out);
        assertTrue(out.contains("one source, a capture or an interface"), out);
        Process ring = new ProcessBuilder(jvm, "-jar", Jar.jar().toString(), "engine", "--config", config.toString(),
                "--capture", dir.resolve("x.pcap").toString(), "--ring-size", "8MiB").redirectErrorStream(true).start();
        out = new String(ring.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(ring.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, ring.exitValue(), out);
        assertTrue(out.contains("--ring-size is a live capture's setting: it needs --interface IF"), out);
    }
}
