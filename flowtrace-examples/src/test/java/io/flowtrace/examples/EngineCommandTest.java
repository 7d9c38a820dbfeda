package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.examples.config.ConfigFileTest;
import io.flowtrace.testkit.ClickHouseServer;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine over a generated capture with known heavy hitters and super-spreaders, configured by a copy of the
 * analysis engine's shipped config.yaml (its variables set, every address on loopback), asked through real HTTP
 * clients and the {@code query} command; every expectation is counted from the generated packets.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EngineCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
    private static final long SPAN_SECONDS = 300;

    /** One generated packet. */
    record Pkt(long nanos, String src, String dst, int sport, int dport, int proto, int wire) {
        String fiveTuple() {
            return src + " " + dst + " " + sport + " " + dport + " " + proto;
        }
    }

    private static final List<Pkt> PACKETS = new ArrayList<>();
    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("engine", "engine-pw");
    @TempDir
    static Path dir;
    private static BackgroundEngine engine;
    private static String base;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void startEngine() throws Exception {
        List<Pkt> unordered = new ArrayList<>();
        // heavy hitters by packets: 10.1.0.1 > .2 > .3; by bytes: .1 > .3 > .2 (4 source ports each)
        heavy(unordered, "10.1.0.1", 6000, 1000);
        heavy(unordered, "10.1.0.2", 5000, 900);
        heavy(unordered, "10.1.0.3", 4500, 1200);
        // super-spreaders: one packet to each of 3000, 1500 and 600 destinations
        spread(unordered, "10.2.0.1", 3000);
        spread(unordered, "10.2.0.2", 1500);
        spread(unordered, "10.2.0.3", 600);
        // background: 200 sources, 5 packets each to 2 destinations
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < 5; j++) {
                unordered.add(new Pkt(0, "10.3." + (i / 100) + "." + (i % 100 + 1), "192.168.0." + (j % 2 + 1),
                        30000 + i, 80, 6, 200));
            }
        }
        Collections.shuffle(unordered, new Random(42));
        CaptureFiles.Pcap pcap = CaptureFiles.Pcap.ethernet();
        long spanNanos = SPAN_SECONDS * 1_000_000_000L;
        for (int i = 0; i < unordered.size(); i++) {
            Pkt p = unordered.get(i);
            long micros = spanNanos / 1000 * i / unordered.size();
            long nanos = T0 * 1_000_000_000L + micros * 1000;
            Pkt t = new Pkt(nanos, p.src, p.dst, p.sport, p.dport, p.proto, p.wire);
            PACKETS.add(t);
            byte[] frame = Frames.ethIpv4(ip(p.src), ip(p.dst), p.proto, p.sport, p.dport, Frames.ACK, 0);
            pcap.packet(T0 + micros / 1_000_000, micros % 1_000_000, frame, p.wire);
        }
        Path capture = pcap.writeTo(dir.resolve("generated.pcap"));

        Path config = dir.resolve("config.yaml");
        // the shipped file with a fixed sketch seed (the process's random one would make the estimates vary)
        Files.writeString(config, Files.readString(ConfigFileTest.ENGINE_CONFIG)
                .replace("skt_type: 1\n", "skt_type: 1\n          seed: 7\n")
                .replace("skt_type: 0\n", "skt_type: 0\n          seed: 7\n"));
        int port = freePort();
        Files.writeString(dir.resolve(".env"), "API_HTTP_LISTEN_ADDR=127.0.0.1:" + port + "\n"
                + "AI_API_KEY=\nAI_RPC_LISTEN_ADDR=\nNATS_URL=nats://127.0.0.1:4222\n");
        Map<String, String> env = new HashMap<>(loopbackEnv());
        engine = BackgroundEngine.start(env, "--config", config.toString(), "--capture", capture.toString());
        base = "http://127.0.0.1:" + port;
        engine.awaitServing(); // the capture is metered; the server keeps answering after it
    }

    @AfterAll
    static void stopEngine() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    static Map<String, String> loopbackEnv() {
        Map<String, String> env = new HashMap<>();
        // the shipped config's clickhouse writers are enabled: they write to a real server of the test's
        env.put("CLICKHOUSE_HOST", "127.0.0.1");
        env.put("CLICKHOUSE_PORT", String.valueOf(CLICKHOUSE.httpPort()));
        env.put("CLICKHOUSE_DB", "flowtrace");
        env.put("CLICKHOUSE_USERNAME", CLICKHOUSE.user());
        env.put("CLICKHOUSE_PASSWORD", CLICKHOUSE.password());
        env.put("SMTP_HOST", ""); // no mail server in this test: the smtp block adds no email notifier
        env.put("SMTP_PORT", "2525");
        env.put("ALERTER_AI_SERVICE_ADDR", "127.0.0.1:50052");
        env.put("API_RPC_LISTEN_ADDR", "");
        return env;
    }

    private static void heavy(List<Pkt> out, String src, int packets, int wire) {
        for (int i = 0; i < packets; i++) {
            out.add(new Pkt(0, src, "172.16.0.9", 40000 + i % 4, 443, 6, wire));
        }
    }

    private static void spread(List<Pkt> out, String src, int destinations) {
        for (int i = 0; i < destinations; i++) {
            out.add(new Pkt(0, src, "172.20." + (i / 250) + "." + (i % 250 + 1), 50000, 22, 6, 60));
        }
    }

    private static int ip(String text) {
        byte[] b = Frames.addr(text);
        return Frames.ip(b[0] & 255, b[1] & 255, b[2] & 255, b[3] & 255);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(String path, String body) throws Exception {
        HttpResponse<String> r = post(path, body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Packets (or bytes) per source address, counted from the generated packets. */
    private static Map<String, Long> perSource(boolean bytes) {
        Map<String, Long> out = new HashMap<>();
        for (Pkt p : PACKETS) {
            out.merge(p.src, bytes ? p.wire : 1L, Long::sum);
        }
        return out;
    }

    @Test
    void healthAndSearchListTheConfiguredTasks() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        JsonNode search = ok("/search", "{\"target\":\"\"}");
        List<String> names = new ArrayList<>();
        search.forEach(n -> names.add(n.asText()));
        assertEquals(List.of("ss_src_dst", "cm_src_left", "per_five_tuple"), names.subList(0, 3));
        assertTrue(names.contains("cm_src_left:heavy_hitter_size"), names.toString());
    }

    @Test
    void heavyHittersByPacketsAndBytesAreTheCountedOnes() throws Exception {
        long background = PACKETS.size();
        for (int type = 0; type <= 1; type++) {
            Map<String, Long> truth = perSource(type == 1);
            List<String> expected = type == 0 ? List.of("10.1.0.1", "10.1.0.2", "10.1.0.3")
                    : List.of("10.1.0.1", "10.1.0.3", "10.1.0.2");
            JsonNode hh = ok("/api/v1/heavyhitters", "{\"task_name\":\"cm_src_left\",\"type\":" + type
                    + ",\"limit\":3}").get("hitters");
            assertEquals(3, hh.size(), hh.toString());
            long others = type == 0 ? background : truth.values().stream().mapToLong(Long::longValue).sum();
            for (int i = 0; i < 3; i++) {
                String src = expected.get(i);
                assertEquals(src, hh.get(i).get("flow").asText(), hh.toString());
                long v = hh.get(i).get("value").asLong();
                // Count-Min never undercounts; it may add what shares its counters, at most the other traffic
                assertTrue(v >= truth.get(src) && v <= truth.get(src) + others - truth.get(src), src + ": " + v);
            }
        }
        // the exact values, from the exact task, for the same keys
        for (String src : List.of("10.1.0.1", "10.1.0.2", "10.1.0.3")) {
            JsonNode s = ok("/api/v1/aggregate", "{\"task_name\":\"per_five_tuple\",\"src_ip\":\"" + src + "\"}")
                    .get("summaries").get(0);
            assertEquals(perSource(false).get(src), s.get("total_packets").asLong());
            assertEquals(perSource(true).get(src), s.get("total_bytes").asLong());
            assertEquals(4, s.get("flow_count").asLong()); // four source ports
        }
    }

    @Test
    void superSpreadersRankAndEstimateTheirDistinctDestinations() throws Exception {
        JsonNode hh = ok("/api/v1/heavyhitters", "{\"task_name\":\"ss_src_dst\",\"type\":2,\"limit\":3}")
                .get("hitters");
        Map<String, Set<String>> dsts = new HashMap<>();
        for (Pkt p : PACKETS) {
            dsts.computeIfAbsent(p.src, k -> new HashSet<>()).add(p.dst);
        }
        List<String> expected = List.of("10.2.0.1", "10.2.0.2", "10.2.0.3");
        for (int i = 0; i < 3; i++) {
            assertEquals(expected.get(i), hh.get(i).get("flow").asText(), hh.toString());
            double truth = dsts.get(expected.get(i)).size();
            double v = hh.get(i).get("value").asDouble();
            assertTrue(Math.abs(v - truth) <= 0.2 * truth, expected.get(i) + ": " + v + " against " + truth);
        }
        // limit 0 is the default (10), not nothing: there are 206 sources
        assertEquals(10, ok("/api/v1/heavyhitters", "{\"task_name\":\"ss_src_dst\",\"type\":2,\"limit\":0}")
                .get("hitters").size());
    }

    @Test
    void aggregateAndTraceAnswerTheExactCounts() throws Exception {
        JsonNode all = ok("/api/v1/aggregate", "{}").get("summaries");
        assertEquals(1, all.size(), all.toString());
        Set<String> tuples = new HashSet<>();
        long bytes = 0;
        for (Pkt p : PACKETS) {
            tuples.add(p.fiveTuple());
            bytes += p.wire;
        }
        JsonNode s = all.get(0);
        assertEquals("per_five_tuple", s.get("task_name").asText());
        assertEquals(PACKETS.size(), s.get("total_packets").asLong());
        assertEquals(bytes, s.get("total_bytes").asLong());
        assertEquals(tuples.size(), s.get("flow_count").asLong());

        JsonNode l = ok("/api/v1/flows/trace", "{\"task_name\":\"per_five_tuple\",\"flow_keys\":{\"SrcIP\":"
                + "\"10.1.0.2\",\"SrcPort\":\"40001\"}}").get("lifecycle");
        long first = Long.MAX_VALUE;
        long last = 0;
        long packets = 0;
        long traced = 0;
        for (Pkt p : PACKETS) {
            if (p.src.equals("10.1.0.2") && p.sport == 40001) {
                first = Math.min(first, p.nanos);
                last = Math.max(last, p.nanos);
                packets++;
                traced += p.wire;
            }
        }
        assertEquals(first, l.get("first_seen_unix_nano").asLong());
        assertEquals(last, l.get("last_seen_unix_nano").asLong());
        assertEquals(Instant.ofEpochSecond(0, first).toString(), l.get("first_seen").asText());
        assertEquals(packets, l.get("total_packets").asLong());
        assertEquals(traced, l.get("total_bytes").asLong());
    }

    @Test
    void grafanaQueryGivesOnePointPerSnapshotOverTheRange() throws Exception {
        String range = "\"range\":{\"from\":\"" + Instant.ofEpochSecond(T0) + "\",\"to\":\""
                + Instant.ofEpochSecond(T0 + 3600) + "\"}";
        JsonNode series = ok("/query", "{\"targets\":[{\"target\":\"per_five_tuple\"},{\"target\":"
                + "\"cm_src_left:total_bytes\"},{\"target\":\"per_src_ip\"}]," + range + "}");
        assertEquals(3, series.size());
        JsonNode points = series.get(0).get("datapoints");
        // snapshots every 60 s of packet time (the writers' interval) and one at the end
        List<Long> boundaries = List.of(T0 + 60, T0 + 120, T0 + 180, T0 + 240);
        assertEquals(boundaries.size() + 1, points.size(), points.toString());
        for (int i = 0; i < boundaries.size(); i++) {
            long at = boundaries.get(i) * 1_000_000_000L;
            long before = PACKETS.stream().filter(p -> p.nanos < at).count();
            assertEquals(boundaries.get(i) * 1000, points.get(i).get(1).asLong());
            assertEquals(before, points.get(i).get(0).asLong(), "packets before " + Instant.ofEpochSecond(0, at));
        }
        assertEquals(PACKETS.size(), points.get(boundaries.size()).get(0).asLong());
        long bytes = PACKETS.stream().mapToLong(Pkt::wire).sum();
        JsonNode byteSeries = series.get(1).get("datapoints");
        assertEquals(bytes, byteSeries.get(byteSeries.size() - 1).get(0).asLong());
        // the shipped dashboard's per_src_ip is not a task of the shipped config: no datapoints, no error
        assertEquals("per_src_ip", series.get(2).get("target").asText());
        assertEquals(0, series.get(2).get("datapoints").size());

        String inner = "\"range\":{\"from\":\"" + Instant.ofEpochSecond(T0 + 90) + "\",\"to\":\""
                + Instant.ofEpochSecond(T0 + 200) + "\"}";
        JsonNode part = ok("/query", "{\"targets\":[{\"target\":\"per_five_tuple:total_packets\"}]," + inner + "}")
                .get(0).get("datapoints");
        assertEquals(2, part.size(), part.toString());
        assertEquals((T0 + 120) * 1000, part.get(0).get(1).asLong());
        assertEquals((T0 + 180) * 1000, part.get(1).get(1).asLong());

        // an end time answers from the latest snapshot at or before it
        long at = (T0 + 120) * 1_000_000_000L;
        JsonNode then = ok("/api/v1/aggregate", "{\"task_name\":\"per_five_tuple\",\"end_time\":\""
                + Instant.ofEpochSecond(T0 + 150) + "\"}").get("summaries").get(0);
        assertEquals(PACKETS.stream().filter(p -> p.nanos < at).count(), then.get("total_packets").asLong());
    }

    @Test
    void badRequestsGet400AndUnknownTasks404() throws Exception {
        for (String body : List.of("{\"task_name\":\"cm_src_left\",\"type\":7}", "{\"task_name\":\"cm_src_left\","
                + "\"limit\":-1}", "{not json", "[1,2]", "{\"task_name\":\"per_five_tuple\",\"type\":0}",
                "{\"task_name\":\"cm_src_left\",\"type\":2}")) {
            HttpResponse<String> r = post("/api/v1/heavyhitters", body);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
            assertTrue(JSON.readTree(r.body()).get("error").asText().length() > 5, r.body());
        }
        assertEquals(400, post("/api/v1/aggregate", "{\"src_ip\":\"10.1.0.300\"}").statusCode());
        assertEquals(400, post("/api/v1/flows/trace", "{\"task_name\":\"per_five_tuple\"}").statusCode());
        assertEquals(400, post("/query", "{\"targets\":[],\"range\":{\"from\":\"yesterday\"}}").statusCode());
        HttpResponse<String> unknown = post("/api/v1/heavyhitters", "{\"task_name\":\"nope\",\"type\":0}");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("nope"), unknown.body());
        assertEquals(404, post("/api/v1/aggregate", "{\"task_name\":\"nope\"}").statusCode());
        assertEquals(404, post("/api/v1/flows/trace", "{\"task_name\":\"per_five_tuple\",\"flow_keys\":"
                + "{\"SrcIP\":\"10.9.9.9\"}}").statusCode());
        assertEquals(413, post("/query", "{\"pad\":\"" + "x".repeat(70_000) + "\"}").statusCode());
        HttpResponse<String> delete = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/aggregate"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode());
        assertEquals(404, post("/api/v2/nothing", "{}").statusCode());
    }

    @Test
    void theApiRoutesTakeQueryParametersToo() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/api/v1/heavyhitters?task_name=cm_src_left&type=1&limit=1")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode hh = JSON.readTree(r.body()).get("hitters");
        assertEquals(1, hh.size());
        assertEquals("10.1.0.1", hh.get(0).get("flow").asText());
        HttpResponse<String> t = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/api/v1/flows/trace?task_name=per_five_tuple&SrcIP=10.1.0.3&Protocol=tcp")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, t.statusCode(), t.body());
        assertEquals(perSource(false).get("10.1.0.3"), JSON.readTree(t.body()).get("lifecycle").get("total_packets")
                .asLong());
    }

    @Test
    void theQueryCommandAgreesWithTheCounts() throws Exception {
        String addr = base.substring("http://".length());
        Cli json = Cli.run("query", "--addr", addr, "--mode", "heavyhitters", "--task", "cm_src_left", "--type", "1",
                "--limit", "2", "--format", "json");
        assertEquals(0, json.status(), json.err());
        JsonNode hh = JSON.readTree(json.out()).get("hitters");
        assertEquals("10.1.0.1", hh.get(0).get("flow").asText());
        assertEquals("10.1.0.3", hh.get(1).get("flow").asText());
        assertTrue(hh.get(0).get("value").asLong() >= perSource(true).get("10.1.0.1"));

        Cli table = Cli.run("query", "-addr", addr, "-mode", "superspreader", "-task", "ss_src_dst", "-limit", "1");
        assertEquals(0, table.status(), table.err());
        assertEquals(2, table.lines().size(), table.out());
        assertTrue(table.lines().get(0).startsWith("flow"), table.out());
        assertTrue(table.lines().get(1).startsWith("10.2.0.1 "), table.out());

        Cli agg = Cli.run("query", "--addr", addr, "--mode", "aggregate", "--key", "SrcIP=10.1.0.1,SrcPort=40002",
                "--format", "json");
        assertEquals(0, agg.status(), agg.err());
        JsonNode s = JSON.readTree(agg.out()).get("summaries").get(0);
        assertEquals(1500, s.get("total_packets").asLong());
        assertEquals(1, s.get("flow_count").asLong());

        Cli trace = Cli.run("query", "--addr", addr, "--mode", "trace", "--task", "per_five_tuple", "--key",
                "SrcIP=10.2.0.1");
        assertEquals(0, trace.status(), trace.err());
        assertTrue(trace.lines().get(1).contains(" 3000 "), trace.out());

        Cli missing = Cli.run("query", "--addr", addr, "--mode", "heavyhitters", "--task", "nope");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("404") && missing.err().contains("nope"), missing.err());
    }

    @Test
    void theShippedConfigChecksAndATypoIsRefusedNamingItsKey(@TempDir Path d) throws Exception {
        Path config = d.resolve("config.yaml");
        Files.copy(ConfigFileTest.ENGINE_CONFIG, config);
        Cli good = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(0, good.status(), good.err());
        assertTrue(good.out().contains("OK: tasks ss_src_dst, cm_src_left, per_five_tuple"), good.out());
        String w = good.err();
        assertTrue(w.contains("count_thereshold") && w.contains("write count_threshold (accepted)"), w);
        assertTrue(w.contains("element_fields") && w.contains("ignored on a Count-Min task"), w);
        assertTrue(w.contains("alerter: rules[1]: threshold (line") && w.contains("fires for every key the task "
                + "reports"), w);
        assertTrue(w.contains("ai_analysis: service_addr (line") && w.contains("flowtrace calls the model"), w);

        String shipped = Files.readString(ConfigFileTest.ENGINE_CONFIG);
        Files.writeString(config, shipped.replace("          width: 32768\n          depth: 2\n          size_",
                "          widht: 32768\n          depth: 2\n          size_"));
        Cli typo = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, typo.status(), typo.out());
        assertTrue(typo.err().contains("aggregator: sketch: tasks[1]") && typo.err().contains("widht"), typo.err());

        Files.writeString(config, shipped.replace("metric: \"total_bytes\"", "metric: \"total_byte\""));
        Cli metric = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, metric.status());
        assertTrue(metric.err().contains("alerter: rules[2]: metric (line") && metric.err().contains("total_byte"),
                metric.err());

        Files.writeString(config, shipped.replace("- type: \"gob\"", "- type: \"parquet\""));
        Cli writer = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, writer.status());
        assertTrue(writer.err().contains("writers[0]: type") && writer.err().contains("parquet")
                && writer.err().contains("clickhouse, gob, memory, text"), writer.err());

        Files.writeString(config, shipped.replace("\nsmtp:", "\nsmpt:"));
        Cli top = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, top.status());
        assertTrue(top.err().contains("unknown key 'smpt'") && top.err().contains("smtp"), top.err());
    }

    @Test
    void aPartitionedOrMergedSetupWithoutTheClusterSecretIsRefused(@TempDir Path d) throws Exception {
        String tasks = "aggregator:\n  exact:\n    tasks:\n      - {name: per_src, key_fields: [SrcIP]}\n";
        String probe = "probe:\n  nats_url: nats://127.0.0.1:4222\n  subject: pk\n  jetstream: true\n"
                + "  partitions: 2\n";
        Path config = d.resolve("c.yaml");
        Files.writeString(config, tasks + probe + "cluster:\n  state_subject: ft.state\n  owns: [1]\n");
        Cli noSeed = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, noSeed.status(), noSeed.out());
        assertTrue(noSeed.err().contains("probe (line") && noSeed.err().contains("partitions 2 needs cluster.seed"),
                noSeed.err());

        Files.writeString(config, tasks + "probe:\n  subject: pk\ncluster:\n  state_subject: ft.state\n");
        Cli merged = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, merged.status(), merged.out());
        assertTrue(merged.err().contains("state_subject needs cluster.seed"), merged.err());

        Files.writeString(config, tasks + probe + "cluster:\n  seed: short\n");
        Cli weak = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, weak.status(), weak.out());
        assertTrue(weak.err().contains("cluster: seed (line") && weak.err().contains("at least 8"), weak.err());

        Files.writeString(config, tasks + probe + "cluster:\n  seed: a-long-enough-secret\n  owns: [2]\n");
        Cli range = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, range.status(), range.out());
        assertTrue(range.err().contains("owns: partition 2 (expected: 0..1)"), range.err());

        Files.writeString(config, tasks + probe.replace("  jetstream: true\n", "")
                + "cluster:\n  seed: a-long-enough-secret\n  owns: [0]\n");
        Cli core = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(2, core.status(), core.out());
        assertTrue(core.err().contains("need jetstream: on"), core.err());

        Files.writeString(config, tasks + probe + "cluster:\n  seed: a-long-enough-secret\n  state_subject: "
                + "ft.state\n  node: e1\n  owns: [1]\n");
        Cli good = Cli.run(loopbackEnv(), "engine", "--check-config", config.toString());
        assertEquals(0, good.status(), good.err());
    }

    @Test
    void withoutAListenAddressTheEngineExitsAfterTheFinalSnapshot(@TempDir Path d) throws Exception {
        Path config = d.resolve("engine.yaml");
        Files.writeString(config, "aggregator:\n  exact:\n    writers:\n      - type: memory\n"
                + "        snapshot_interval: 30s\n    tasks:\n      - name: per_src\n        key_fields: [SrcIP]\n");
        Cli r = Cli.run("engine", "--config", config.toString(), "--capture", dir.resolve("generated.pcap").toString(),
                "--quiet");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
    }
}
