package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.testkit.ChatCompletionsServer;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ask} end to end: a real {@code engine} (in-process, serving its query API) over a generated capture whose
 * totals and heavy hitters are counted here, and a local chat-completions server standing in for the model.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AskCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ask-test-key-0123456789";
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();

    @TempDir
    static Path dir;
    private static BackgroundEngine engine;
    private static String addr;
    private static long packets;
    private static long bytes;
    private static int sources;
    private static Path config;
    private ChatCompletionsServer model;

    @BeforeAll
    static void startEngine() throws Exception {
        // 10.1.0.1: 3000 packets of 1000 bytes; 10.1.0.2: 500 of 200; 100 sources with 4 packets of 100 bytes
        CaptureFiles.Pcap pcap = CaptureFiles.Pcap.ethernet();
        Set<String> src = new HashSet<>();
        long micros = 0;
        for (int i = 0; i < 3000; i++) {
            micros += add(pcap, "10.1.0.1", 40000 + i % 4, 1000, micros, src);
        }
        for (int i = 0; i < 500; i++) {
            micros += add(pcap, "10.1.0.2", 41000, 200, micros, src);
        }
        for (int i = 0; i < 400; i++) {
            micros += add(pcap, "10.3.0." + (i % 100 + 1), 30000, 100, micros, src);
        }
        sources = src.size();
        Path capture = pcap.writeTo(dir.resolve("ask.pcap"));
        int port = EngineCommandTest.freePort();
        addr = "127.0.0.1:" + port;
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "api:",
                "  http_listen_addr: \"" + addr + "\"",
                "ai:",
                "  provider: \"openai\"",
                "  api_key: \"${AI_API_KEY:-}\"",
                "  model: \"gpt-test\"",
                "  base_url: \"${AI_BASE_URL}\"",
                "aggregator:",
                "  types: [\"exact\", \"sketch\"]",
                "  period: \"720h\"",
                "  exact:",
                "    writers:",
                "      - {type: \"memory\", enabled: true, snapshot_interval: \"60s\"}",
                "    tasks:",
                "      - {name: \"per_src\", key_fields: [\"SrcIP\"], num_shards: 4}",
                "  sketch:",
                "    writers:",
                "      - {type: \"memory\", enabled: true, snapshot_interval: \"60s\"}",
                "    tasks:",
                "      - {name: \"cm_src\", skt_type: 0, flow_fields: [\"SrcIP\"], width: 32768, depth: 2,",
                "         size_threshold: 100000, count_threshold: 100, seed: 7}",
                ""));
        engine = BackgroundEngine.start(Map.of("AI_BASE_URL", "http://127.0.0.1:1/v1/"), "--config",
                config.toString(), "--capture", capture.toString()).awaitServing();
    }

    private static long add(CaptureFiles.Pcap pcap, String src, int sport, int wire, long micros, Set<String> seen) {
        byte[] a = Frames.addr(src);
        byte[] frame = Frames.ethIpv4(Frames.ip(a[0] & 255, a[1] & 255, a[2] & 255, a[3] & 255),
                Frames.ip(172, 16, 0, 9), 6, sport, 443, Frames.ACK, 0);
        pcap.packet(T0 + micros / 1_000_000, micros % 1_000_000, frame, wire);
        packets++;
        bytes += wire;
        seen.add(src);
        return 1000;
    }

    @AfterAll
    static void stopEngine() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    @BeforeEach
    void startModel() throws Exception {
        model = ChatCompletionsServer.start();
    }

    @AfterEach
    void stopModel() {
        model.close();
    }

    private record Result(int status, String out, String err) {
    }

    /** What the running {@code ask} has printed so far. */
    private volatile ByteArrayOutputStream lastOut;

    private Result ask(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        lastOut = out;
        String[] argv = new String[args.length + 1];
        argv[0] = "ask";
        System.arraycopy(args, 0, argv, 1, args.length);
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env::get);
        Result r = new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertFalse(r.out.contains(KEY) || r.err.contains(KEY), "the key was printed: " + r);
        return r;
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("AI_BASE_URL", model.baseUrl());
        env.put("AI_API_KEY", KEY);
        return env;
    }

    @Test
    void streamsTheModelsAnswerToAQuestionWithTheEnginesSummaries() throws Exception {
        model.stream("10.1.0.1 sent ", "most of the traffic.");
        Result r = ask(env(), "--addr", addr, "--config", config.toString(), "who", "sends", "the", "most?");
        assertEquals(0, r.status, r.toString());
        assertEquals("10.1.0.1 sent most of the traffic.\n", r.out);
        assertEquals(1, model.requests().size());
        ChatCompletionsServer.Request req = model.requests().get(0);
        assertEquals("Bearer " + KEY, req.header("Authorization"));
        JsonNode body = JSON.readTree(req.body());
        assertEquals("gpt-test", body.get("model").asText());
        assertTrue(body.get("stream").asBoolean());
        assertEquals("system", body.get("messages").get(0).get("role").asText());
        String user = body.get("messages").get(1).get("content").asText();
        assertTrue(user.contains("Question: who sends the most?"), user);
        String data = user.substring(user.indexOf("--- Alert Data ---"), user.indexOf("--- End of Alert Data ---"));
        assertTrue(data.contains("- per_src: " + packets + " packets, " + bytes + " bytes, " + sources
                + " distinct keys"), data);
        String byPackets = data.substring(data.indexOf("- cm_src by packets"));
        assertTrue(byPackets.contains("    10.1.0.1: 3000\n    10.1.0.2: 500\n"), byPackets);
        String byBytes = data.substring(data.indexOf("- cm_src by bytes"));
        assertTrue(byBytes.contains("    10.1.0.1: 3000000\n    10.1.0.2: 100000\n"), byBytes);
    }

    @Test
    void flagsAndTheEnvironmentKeyNameTheModelWithoutAConfig() throws Exception {
        model.stream("ok");
        Map<String, String> env = new HashMap<>();
        env.put("FLOWTRACE_AI_API_KEY", KEY);
        Result r = ask(env, "--addr", "http://" + addr, "--base-url", model.baseUrl(), "--model", "local-model",
                "anything odd?");
        assertEquals(0, r.status, r.toString());
        assertEquals("ok\n", r.out);
        ChatCompletionsServer.Request req = model.requests().get(0);
        assertEquals("Bearer " + KEY, req.header("Authorization"));
        assertEquals("local-model", JSON.readTree(req.body()).get("model").asText());
    }

    @Test
    void aStreamCutMidWayKeepsTheTextAndFails() {
        model.streamCut(() -> lastOut != null && lastOut.toString(StandardCharsets.UTF_8).contains("is dominated"),
                "The traffic ", "is dominated");
        Result r = ask(env(), "--addr", addr, "--config", config.toString(), "summarise");
        assertEquals(1, r.status, r.toString());
        assertEquals("The traffic is dominated\n", r.out);
        assertTrue(r.err.contains("the answer above is incomplete"), r.err);
    }

    @Test
    void aRefusedKeyFailsWithAClearMessage() {
        model.fail(401, Map.of(), "{\"error\":{\"message\":\"Incorrect API key provided\"}}");
        Result r = ask(env(), "--addr", addr, "--config", config.toString(), "summarise");
        assertEquals(1, r.status, r.toString());
        assertTrue(r.err.contains("401") && r.err.contains("the API key was refused"), r.err);
        assertEquals(1, model.requests().size(), "a 401 is not retried");
    }

    @Test
    void withoutAModelItSaysHowToNameOne() {
        Result r = ask(Map.of(), "--addr", addr, "what now?");
        assertEquals(2, r.status, r.toString());
        assertTrue(r.err.contains("no model"), r.err);
        assertEquals(0, model.requests().size());
    }
}
