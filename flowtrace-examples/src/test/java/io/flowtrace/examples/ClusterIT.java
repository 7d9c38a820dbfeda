package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole shape on one machine: a nats-server with JetStream, two sensors ({@code probe}) each publishing half of
 * a capture over two partitioned subjects, two engines each owning one partition and merging their state. Each
 * engine's query API answers for the whole cluster: totals, heavy hitters by packets and by bytes, and the number
 * of distinct sources equal those of one {@code flows} run over the whole capture (one event per direction, summed
 * per source). One engine is killed with SIGKILL mid-stream and restarted: with JetStream nothing is lost and
 * nothing counted twice.
 */
class ClusterIT {
    private static final Pattern PORT = Pattern.compile("query API on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEED = "cluster-it-secret-0123";

    @Test
    void twoSensorsTwoEnginesMergeToOneFlowsRunAndAKilledEngineLosesNothing(@TempDir Path dir) throws Exception {
        // 30 sources, skewed: source s sends about 1/s of the packets, sizes by source; 3,000 packets over 60 s
        CaptureFiles.Pcap whole = CaptureFiles.Pcap.ethernet();
        CaptureFiles.Pcap first = CaptureFiles.Pcap.ethernet();
        CaptureFiles.Pcap second = CaptureFiles.Pcap.ethernet();
        int n = 3_000;
        int inPartition0 = 0;
        io.flowtrace.cluster.FlowPartitioner partitioner = io.flowtrace.cluster.ClusterSeed.of(SEED).partitioner(2);
        java.util.SplittableRandom r = new java.util.SplittableRandom(21);
        for (int i = 0; i < n; i++) {
            int s = 1 + (int) Math.min(29, Math.floor(1 / (r.nextDouble() + 1.0 / 30)) - 1);
            int dst = 1 + r.nextInt(5);
            int sport = 20_000 + r.nextInt(8);
            int dport = 53 + r.nextInt(3);
            byte[] frame = Frames.ethIpv4(Frames.ip(10, 0, 0, s), Frames.ip(10, 0, 1, dst), Frames.UDP, sport, dport,
                    0, 0);
            inPartition0 += partitioner.partition(0, 0x0A000000L + s, 0, 0x0A000100L + dst, sport, dport, 17) == 0
                    ? 1 : 0;
            long sec = 1_767_225_600L + i / 50;
            long usec = (i % 50) * 20_000L;
            long len = 60 + (s * 37 + i) % 1400;
            whole.packet(sec, usec, frame, len);
            (i < n / 2 ? first : second).packet(sec, usec, frame, len);
        }
        Path wholePcap = whole.writeTo(dir.resolve("whole.pcap"));
        Path firstPcap = first.writeTo(dir.resolve("first.pcap"));
        Path secondPcap = second.writeTo(dir.resolve("second.pcap"));

        // ground truth: one flows run over the whole capture, one event per direction, summed per source
        Jar.Result flows = Jar.run("flows", wholePcap.toString(), "--bidirectional", "off", "--quiet");
        assertEquals(0, flows.exit(), flows.err());
        Map<String, long[]> truth = new HashMap<>();
        for (String line : flows.out().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = JSON.readTree(line);
            long[] t = truth.computeIfAbsent(e.get("src_ip").asText(), k -> new long[2]);
            t[0] += e.get("packet_count").asLong();
            t[1] += e.get("byte_count").asLong();
        }
        long packets = truth.values().stream().mapToLong(t -> t[0]).sum();
        long bytes = truth.values().stream().mapToLong(t -> t[1]).sum();
        assertEquals(n, packets);

        Path config = dir.resolve("engine.yaml");
        Files.writeString(config, String.join("\n",
                "api:",
                "  http_listen_addr: \"${LISTEN:-127.0.0.1:0}\"",
                "probe:",
                "  nats_url: \"${NATS_URL}\"",
                "  subject: pk",
                "  format: thrift",
                "  jetstream: true",
                "  partitions: 2",
                "cluster:",
                "  seed: \"${CLUSTER_SEED}\"",
                "  state_subject: ft.state",
                "  node: \"${NODE:-sensor}\"",
                "  owns: \"${OWNS:-0}\"",
                "  checkpoint: 1s",
                "aggregator:",
                "  exact:",
                "    writers: [{type: memory, snapshot_interval: 1s}]",
                "    tasks:",
                "      - {name: per_src, key_fields: [SrcIP]}",
                "  sketch:",
                "    writers: [{type: memory, snapshot_interval: 1s}]",
                "    tasks:",
                "      - {name: hh, skt_type: 0, flow_fields: [SrcIP], width: 8192, depth: 4, count_threshold: 1,"
                        + " size_threshold: 1}",
                ""));
        try (NatsServerProcess nats = new NatsServerProcess(dir, true)) {
            try (Connection c = Nats.connect(nats.url())) {
                c.jetStreamManagement().addStream(StreamConfiguration.builder().name("PACKETS").subjects("pk.>")
                        .storageType(StorageType.File).build());
            }
            Map<String, String> env = Map.of("NATS_URL", nats.url(), "CLUSTER_SEED", SEED);
            List<Process> started = new ArrayList<>();
            try {
                ChildProcess e0 = engine(config, env, "e0", "0", started);
                ChildProcess e1 = engine(config, env, "e1", "1", started);
                int port1 = port(e1);

                Jar.Result s1 = Jar.run(120, env, List.of(), "probe", firstPcap.toString(), "--config",
                        config.toString(), "--quiet");
                assertEquals(0, s1.exit(), s1.err());
                // engine 0 is killed once it has published some state, while it still has packets to meter
                awaitState("e0", nats.url());
                e0.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                // what engine 0 had published when it was killed: part of its partition only
                long heldAtKill = heldPackets("e0", nats.url());
                assertTrue(heldAtKill > 0 && heldAtKill < inPartition0, "killed mid-stream: its state held "
                        + heldAtKill + " of partition 0's " + inPartition0 + " packets");
                Jar.Result s2 = Jar.run(120, env, List.of(), "probe", secondPcap.toString(), "--config",
                        config.toString(), "--quiet");
                assertEquals(0, s2.exit(), s2.err());
                ChildProcess again = engine(config, env, "e0", "0", started);
                int port0 = port(again);

                for (int port : new int[] {port0, port1}) {
                    JsonNode sum = awaitTotal(port, "per_src", packets);
                    assertEquals(packets, sum.get("total_packets").asLong(), "port " + port);
                    assertEquals(bytes, sum.get("total_bytes").asLong(), "port " + port);
                    // heavy hitters by packets and by bytes: the top 10 of the whole capture, exactly
                    for (int type = 0; type < 2; type++) {
                        List<Long> expected = top(truth, type, 10);
                        List<Long> got = new ArrayList<>();
                        for (JsonNode h : post(port, "/api/v1/heavyhitters", "{\"task_name\":\"hh\",\"type\":" + type
                                + ",\"limit\":10}").get("hitters")) {
                            String src = address(h.get("flow").asText());
                            assertTrue(truth.containsKey(src), src);
                            assertEquals(truth.get(src)[type], h.get("value").asLong(), "type " + type + " of " + src);
                            got.add(h.get("value").asLong());
                        }
                        assertEquals(expected, got, "heavy hitters of type " + type + " on port " + port);
                    }
                    // distinct sources: every source the capture has, none more
                    JsonNode all = post(port, "/api/v1/heavyhitters", "{\"task_name\":\"hh\",\"type\":0,"
                            + "\"limit\":1000}").get("hitters");
                    assertEquals(truth.size(), all.size(), "distinct sources on port " + port);
                }
                for (Process p : started) {
                    if (p.isAlive()) {
                        new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor();
                    }
                }
                assertTrue(again.awaitExit(60), again.err());
                assertEquals(0, again.process.exitValue(), again.err());
                assertTrue(e1.awaitExit(60), e1.err());
                assertEquals(0, e1.process.exitValue(), e1.err());
            } finally {
                for (Process p : started) {
                    if (p.isAlive()) {
                        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    private static ChildProcess engine(Path config, Map<String, String> env, String node, String owns,
                                       List<Process> started) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Jar.jar().toString(), "engine", "--config", config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("NODE", node);
        pb.environment().put("OWNS", owns);
        pb.environment().put("LISTEN", "127.0.0.1:0");
        Process p = pb.start();
        started.add(p);
        p.getOutputStream().close();
        ChildProcess c = new ChildProcess(p);
        c.awaitErr("query API on");
        return c;
    }

    private static int port(ChildProcess c) {
        Matcher m = PORT.matcher(c.err());
        assertTrue(m.find(), c.err());
        return Integer.parseInt(m.group(1));
    }

    /** Waits until the state stream holds a record of {@code node}. */
    private static void awaitState(String node, String url) throws Exception {
        try (Connection c = Nats.connect(url)) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end) {
                try {
                    if (c.jetStreamManagement().getLastMessage("FLOWTRACE_STATE_FT_STATE", "ft.state." + node)
                            != null) {
                        return;
                    }
                } catch (io.nats.client.JetStreamApiException notYet) {
                    // no record yet
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("no state of " + node + " within 60 s");
    }

    /** The packets the exact task's state of {@code node} holds, as its last record in the state stream says. */
    private static long heldPackets(String node, String url) throws Exception {
        try (Connection c = Nats.connect(url)) {
            io.flowtrace.cluster.StateRecord rec = io.flowtrace.cluster.StateRecord.fromBytes(c.jetStreamManagement()
                    .getLastMessage("FLOWTRACE_STATE_FT_STATE", "ft.state." + node).getData());
            return io.flowtrace.sketch.AggregatorBytes.fromBytes(rec.states().get("per_src")).snapshot(0, 1).totals()
                    .get("total_packets");
        }
    }

    private static JsonNode awaitTotal(int port, String task, long packets) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        JsonNode last = null;
        while (System.nanoTime() < end) {
            JsonNode s = post(port, "/api/v1/aggregate", "{\"task_name\":\"" + task + "\"}").get("summaries");
            if (s != null && s.size() > 0) {
                last = s.get(0);
                if (last.get("total_packets").asLong() >= packets) {
                    Thread.sleep(1500); // a late record would show here
                    return post(port, "/api/v1/aggregate", "{\"task_name\":\"" + task + "\"}").get("summaries")
                            .get(0);
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("port " + port + ": total not reached within 90 s: " + last);
    }

    private static JsonNode post(int port, String path, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The {@code limit} largest values of a kind (ties make the keys ambiguous, not the values). */
    private static List<Long> top(Map<String, long[]> truth, int type, int limit) {
        List<Long> out = new ArrayList<>();
        for (long[] t : truth.values()) {
            out.add(t[type]);
        }
        out.sort(java.util.Comparator.reverseOrder());
        return out.subList(0, Math.min(limit, out.size()));
    }

    private static String address(String flow) {
        Matcher m = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+").matcher(flow);
        return m.find() ? m.group() : flow;
    }
}
