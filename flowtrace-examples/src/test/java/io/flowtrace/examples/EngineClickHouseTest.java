package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.examples.config.ConfigFileTest;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.FlowFilter;
import io.flowtrace.query.SnapshotStores;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.testkit.ClickHouseServer;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine with the shipped config.yaml writing to a real {@code clickhouse-server} (its {@code clickhouse}
 * writers enabled, as shipped): ClickHouse's tables answer what the engine's query API answers from its memory
 * store, and the capture's ground truth; {@code port} set to the native port stops the start naming
 * {@code http_port}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EngineClickHouseTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("engine", "engine-pw");

    private static Map<String, String> env(int clickhousePort) {
        Map<String, String> env = new HashMap<>(EngineCommandTest.loopbackEnv());
        env.put("CLICKHOUSE_HOST", "127.0.0.1");
        env.put("CLICKHOUSE_PORT", String.valueOf(clickhousePort));
        env.put("CLICKHOUSE_DB", "netspectra");
        env.put("CLICKHOUSE_USERNAME", CLICKHOUSE.user());
        env.put("CLICKHOUSE_PASSWORD", CLICKHOUSE.password());
        return env;
    }

    private static Path config(Path dir, int listen) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, Files.readString(ConfigFileTest.ENGINE_CONFIG)
                .replace("skt_type: 1\n", "skt_type: 1\n          seed: 7\n")
                .replace("skt_type: 0\n", "skt_type: 0\n          seed: 7\n"));
        Files.writeString(dir.resolve(".env"), "API_HTTP_LISTEN_ADDR=127.0.0.1:" + listen + "\n"
                + "AI_API_KEY=none\nAI_RPC_LISTEN_ADDR=\nNATS_URL=nats://127.0.0.1:4222\n");
        return config;
    }

    @Test
    void clickHouseHoldsTheMemoryStoresAnswers(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("generated.pcap");
        SyntheticCapture.builder().packets(30_000).conversations(600).zipf(1.1).seed(5)
                .start(1_767_225_600_000_000_000L).spacing(Duration.ofMillis(10)).build().write(capture);
        long packets = 0;
        long bytes = 0;
        long keys = 0;
        for (SyntheticCapture.Conversation c : SyntheticCapture.readTruth(SyntheticCapture.truthPath(capture))) {
            packets += c.packetCount();
            bytes += c.bytesForward() + c.bytesReverse();
            keys += (c.packetsForward() > 0 ? 1 : 0) + (c.packetsReverse() > 0 ? 1 : 0);
        }
        int port = EngineCommandTest.freePort();
        Path config = config(dir, port);
        Map<String, Object> storeConfig = new LinkedHashMap<>();
        storeConfig.put("host", "127.0.0.1");
        storeConfig.put("port", CLICKHOUSE.httpPort());
        storeConfig.put("database", "netspectra");
        storeConfig.put("username", CLICKHOUSE.user());
        storeConfig.put("password", CLICKHOUSE.password());
        try (BackgroundEngine engine = BackgroundEngine.start(env(CLICKHOUSE.httpPort()), "--config", config.toString(),
                "--capture", capture.toString()).awaitServing()) {
            String base = "http://127.0.0.1:" + port;
            try (SnapshotStore clickhouse = SnapshotStores.discover().create("clickhouse", storeConfig)) {
                JsonNode summary = post(base, "/api/v1/aggregate", "{\"task_name\":\"per_five_tuple\"}")
                        .get("summaries").get(0);
                TaskSummary fromClickHouse = clickhouse.aggregate("per_five_tuple", FlowFilter.none(),
                        Long.MAX_VALUE).orElseThrow();
                assertEquals(new TaskSummary("per_five_tuple", bytes, packets, keys), fromClickHouse);
                assertEquals(new TaskSummary("per_five_tuple", summary.get("total_bytes").asLong(),
                        summary.get("total_packets").asLong(), summary.get("flow_count").asLong()), fromClickHouse);
                int nonEmpty = 0;
                for (String[] q : new String[][] {{"ss_src_dst", "2"}, {"cm_src_left", "0"}, {"cm_src_left", "1"}}) {
                    JsonNode h = post(base, "/api/v1/heavyhitters", "{\"task_name\":\"" + q[0] + "\",\"type\":" + q[1]
                            + ",\"limit\":1000}").get("hitters");
                    List<HeavyHitter> fromApi = new ArrayList<>();
                    for (JsonNode x : h) {
                        fromApi.add(new HeavyHitter(x.get("flow").asText(), x.get("value").asLong()));
                    }
                    assertEquals(fromApi, clickhouse.heavyHitters(q[0], Integer.parseInt(q[1]), Long.MAX_VALUE,
                            1000), q[0] + " type " + q[1]);
                    nonEmpty += fromApi.isEmpty() ? 0 : 1;
                }
                assertTrue(nonEmpty > 0, "no heavy hitters at all");
                JsonNode series = post(base, "/query", "{\"targets\":[{\"target\":\"per_five_tuple:total_packets\"}],"
                        + "\"range\":{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\"}}");
                List<Point> fromClickHouse2 = clickhouse.series("per_five_tuple", "total_packets", 0, Long.MAX_VALUE);
                JsonNode points = series.get(0).get("datapoints");
                assertTrue(points.size() >= 4, series.toString());
                assertEquals(points.size(), fromClickHouse2.size(), series.toString());
                for (int i = 0; i < points.size(); i++) {
                    assertEquals(points.get(i).get(0).asLong(), fromClickHouse2.get(i).value());
                    assertEquals(points.get(i).get(1).asLong(), fromClickHouse2.get(i).timeNanos() / 1_000_000);
                }
                assertEquals(packets, fromClickHouse2.get(fromClickHouse2.size() - 1).value());
            }
        }
    }

    private static JsonNode post(String base, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void theNativePortIsNamedWithTheKeyToSet(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("small.pcap");
        SyntheticCapture.builder().packets(100).conversations(10).seed(1).build().write(capture);
        Path config = config(dir, EngineCommandTest.freePort());
        Cli r = Cli.run(env(CLICKHOUSE.tcpPort()), "engine", "--config", config.toString(), "--capture",
                capture.toString());
        String text = r.err();
        assertEquals(2, r.status(), text);
        assertTrue(text.contains("port " + CLICKHOUSE.tcpPort() + " is ClickHouse's native protocol port"), text);
        assertTrue(text.contains("set http_port: " + CLICKHOUSE.httpPort()), text);
    }
}
