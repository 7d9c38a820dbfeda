package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.flowtrace.testkit.ChatCompletionsServer;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.testkit.SmtpServer;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code engine --config FILE --capture CAPTURE} over a generated capture with a port scanner, a host sweep and a
 * heavy hitter among answered background traffic, with a rule for each and a cooldown longer than the capture: a real
 * HTTP receiver and a real nats-server each get each alert exactly once, with its key and an explanation naming the
 * pattern; a receiver that answers 500 fails every notice, which is counted, and metering goes on.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AlertsEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-03-01T00:00:00Z").getEpochSecond();
    private static final long SPAN_SECONDS = 120;
    private static final String SCANNER = "10.66.0.1";
    private static final String SWEEPER = "10.77.0.1";
    private static final String HEAVY = "10.88.0.1";
    private static final int SCANNED_PORTS = 400;
    private static final int SWEPT_HOSTS = 300;
    private static final int HEAVY_PACKETS = 3000;
    private static final int HEAVY_WIRE = 1400;

    @TempDir
    static Path dir;
    private static Path capture;
    private static long packets;
    /** Every packet written, with its time: the ground truth of what a check saw. */
    private static final List<Pkt> WRITTEN = new ArrayList<>();

    /** One packet to write. */
    private record Pkt(String src, String dst, int sport, int dport, int flags, int wire, long nanos) {
        Pkt(String src, String dst, int sport, int dport, int flags, int wire) {
            this(src, dst, sport, dport, flags, wire, 0);
        }
    }

    @BeforeAll
    static void writeCapture() throws IOException {
        List<Pkt> all = new ArrayList<>();
        for (int p = 1; p <= SCANNED_PORTS; p++) { // SYNs to 400 ports of one host, none answered
            all.add(new Pkt(SCANNER, "192.168.1.10", 40000, p, Frames.SYN, 60));
        }
        for (int h = 1; h <= SWEPT_HOSTS; h++) { // SYNs to port 22 of 300 hosts, none answered
            all.add(new Pkt(SWEEPER, "192.168.2." + (h % 250 + 1) + "", 41000, 22, Frames.SYN, 60));
        }
        // the loop above reused addresses past 250: sweep a second /24 for the rest
        all.removeIf(p -> p.src.equals(SWEEPER));
        for (int h = 0; h < SWEPT_HOSTS; h++) {
            all.add(new Pkt(SWEEPER, "192.168." + (2 + h / 250) + "." + (h % 250 + 1), 41000, 22, Frames.SYN, 60));
        }
        for (int i = 0; i < HEAVY_PACKETS; i++) { // one large transfer, acknowledged
            all.add(new Pkt(HEAVY, "192.168.5.5", 50000, 443, Frames.ACK, HEAVY_WIRE));
            if (i % 3 == 0) {
                all.add(new Pkt("192.168.5.5", HEAVY, 443, 50000, Frames.ACK, 60));
            }
        }
        for (int s = 1; s <= 50; s++) { // background: 50 clients, 2 requests and 2 answers each
            String client = "10.3.0." + s;
            for (int j = 0; j < 2; j++) {
                all.add(new Pkt(client, "192.168.9.1", 30000 + s, 80, Frames.ACK, 200));
                all.add(new Pkt("192.168.9.1", client, 80, 30000 + s, Frames.ACK, 400));
            }
        }
        Collections.shuffle(all, new Random(7));
        CaptureFiles.Pcap pcap = CaptureFiles.Pcap.ethernet();
        long spanMicros = SPAN_SECONDS * 1_000_000L;
        for (int i = 0; i < all.size(); i++) {
            Pkt p = all.get(i);
            long micros = spanMicros * i / all.size();
            byte[] frame = Frames.ethIpv4(ip(p.src), ip(p.dst), Frames.TCP, p.sport, p.dport, p.flags, 0);
            pcap.packet(T0 + micros / 1_000_000, micros % 1_000_000, frame, p.wire);
            WRITTEN.add(new Pkt(p.src, p.dst, p.sport, p.dport, p.flags, p.wire, (T0 * 1_000_000 + micros) * 1000));
        }
        packets = all.size();
        capture = pcap.writeTo(dir.resolve("alerts.pcap"));
    }

    /** The engine's configuration: its task shapes, three rules, the given notifiers. */
    private static Path config(String name, String notifiers) throws IOException {
        return config(name, notifiers, "", "");
    }

    /** As {@link #config(String, String)}, with more keys in the alerter block and more top-level blocks. */
    private static Path config(String name, String notifiers, String alerter, String blocks) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, blocks + """
                alerter:
                  enabled: true
                  check_interval: "30s"
                  cooldown: 1h
                %s
                  notifiers:
                %s
                  rules:
                    - name: "Port_Scan"
                      task_name: "ss_src_port"
                      metric: "super_spreader_spread"
                      operator: ">"
                      threshold: 100
                    - name: "Host_Sweep"
                      task_name: "ss_src_dst"
                      metric: "super_spreader_spread"
                      operator: ">"
                      threshold: 100
                    - name: "Heavy_Hitter"
                      task_name: "cm_src"
                      metric: "heavy_hitter_size"
                      operator: ">"
                      threshold: 2000000
                aggregator:
                  sketch:
                    tasks:
                      - { name: ss_src_dst, skt_type: 1, flow_fields: [SrcIP], element_fields: [DstIP], width: 4096,
                          depth: 2, count_threshold: 1, seed: 7 }
                      - { name: ss_src_port, skt_type: 1, flow_fields: [SrcIP], element_fields: [DstPort],
                          width: 4096, depth: 2, count_threshold: 1, seed: 7 }
                      - { name: cm_src, skt_type: 0, flow_fields: [SrcIP], width: 4096, depth: 2,
                          count_threshold: 100, size_threshold: 100000, seed: 7 }
                  exact:
                    tasks:
                      - { name: per_five_tuple, key_fields: [SrcIP, DstIP, SrcPort, DstPort, Protocol] }
                """.formatted(alerter, notifiers));
        return f;
    }

    @Test
    void eachPatternAlertsOnceToTheWebhookAndNatsWithItsKeyAndExplanation() throws Exception {
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            posted.add(ex.getRequestHeaders().getFirst("X-Api-Key") + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        Path natsDir = Files.createDirectories(dir.resolve("nats"));
        try (NatsServerProcess nats = new NatsServerProcess(natsDir, false);
             Connection sub = Nats.connect(nats.url())) {
            Subscription subscription = sub.subscribe("ops.alerts");
            sub.flush(Duration.ofSeconds(5));
            Path f = config("good.yaml", "    - { type: webhook, url: \"http://127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook\", header.X-Api-Key: \"${HOOK_KEY}\" }\n"
                    + "    - { type: nats, url: \"" + nats.url() + "\", subject: ops.alerts }");
            Cli run = Cli.run(Map.of("HOOK_KEY", "k-123"), "engine", "--config", f.toString(), "--capture",
                    capture.toString());
            assertEquals(0, run.status(), run.err());
            assertFalse(run.err().contains("k-123"), "the header's secret is never printed: " + run.err());

            Map<String, JsonNode> byRule = new HashMap<>();
            for (String p : posted) {
                assertTrue(p.startsWith("k-123 "), "the auth header is sent: " + p);
                JsonNode a = JSON.readTree(p.substring(6));
                assertEquals("alert", a.get("event").asText());
                assertEquals("fired", a.get("state").asText());
                assertTrue(byRule.put(a.get("rule").asText(), a) == null, "alerted twice: " + posted);
            }
            assertEquals(Set.of("Port_Scan", "Host_Sweep", "Heavy_Hitter"), byRule.keySet(), posted::toString);
            // the explanation reads the evidence of the check that fired: what the capture held before its end
            long scanEnd = end(byRule.get("Port_Scan"));
            long ports = WRITTEN.stream().filter(p -> p.src.equals(SCANNER) && p.nanos < scanEnd)
                    .map(Pkt::dport).distinct().count();
            check(byRule.get("Port_Scan"), SCANNER, "ss_src_port", "port scan (" + ports + " ports on 1 host)");
            long sweepEnd = end(byRule.get("Host_Sweep"));
            long hosts = WRITTEN.stream().filter(p -> p.src.equals(SWEEPER) && p.nanos < sweepEnd)
                    .map(Pkt::dst).distinct().count();
            check(byRule.get("Host_Sweep"), SWEEPER, "ss_src_dst", "host sweep (" + hosts + " hosts on 1 port)");
            assertTrue(ports > 100 && hosts > 100, "fired once past the threshold: " + ports + ", " + hosts);
            long hhEnd = end(byRule.get("Heavy_Hitter"));
            long all = WRITTEN.stream().filter(p -> p.nanos < hhEnd).count();
            long heavy = WRITTEN.stream().filter(p -> p.src.equals(HEAVY) && p.nanos < hhEnd).count();
            long allBytes = WRITTEN.stream().filter(p -> p.nanos < hhEnd).mapToLong(Pkt::wire).sum();
            long heavyBytes0 = WRITTEN.stream().filter(p -> p.src.equals(HEAVY) && p.nanos < hhEnd)
                    .mapToLong(Pkt::wire).sum();
            double share = Math.max((double) heavy / all, (double) heavyBytes0 / allBytes);
            check(byRule.get("Heavy_Hitter"), HEAVY, "cm_src", "volumetric source ("
                    + String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * share) + " of the task's traffic)");
            String e = byRule.get("Heavy_Hitter").get("explanation").asText();
            assertTrue(e.contains(String.format(java.util.Locale.ROOT, "%,d packets (", heavy)), e);
            JsonNode hh = byRule.get("Heavy_Hitter");
            long heavyBytes = WRITTEN.stream().filter(p -> p.src.equals(HEAVY) && p.nanos < hhEnd)
                    .mapToLong(Pkt::wire).sum();
            assertTrue(hh.get("value").asLong() >= heavyBytes, "Count-Min never underestimates: " + hh);
            assertEquals(2000000, hh.get("threshold").asLong());
            assertTrue(run.err().contains("alerts: 3 fired, 0 resolved"), run.err());

            Set<String> published = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Message m = subscription.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m, "three alerts on the subject");
                JsonNode a = JSON.readTree(new String(m.getData(), StandardCharsets.UTF_8));
                assertTrue(published.add(a.get("rule").asText()));
                assertEquals(byRule.get(a.get("rule").asText()).get("id"), a.get("id"), "the same id everywhere");
            }
            assertEquals(null, subscription.nextMessage(Duration.ofMillis(300)), "nothing more on the subject");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void theModelsAnalysisAndTheMailSummaryComeWithTheAlertsAndAModelDownStopsNothing() throws Exception {
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try (SmtpServer smtp = SmtpServer.start(SmtpServer.Mode.PLAIN);
             ChatCompletionsServer model = ChatCompletionsServer.start().otherwise("MODEL: isolate the source")) {
            String hook = "    - { type: webhook, url: \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\" }";
            String mail = "smtp:\n  host: \"127.0.0.1\"\n  port: " + smtp.port() + "\n  username: \"\"\n"
                    + "  password: \"\"\n  from: \"flowtrace <alerts@example.org>\"\n  to: \"ops@example.org\"\n";
            String ai = "ai:\n  provider: \"openai\"\n  api_key: \"${AI_API_KEY}\"\n  model: \"analyst-1\"\n"
                    + "  base_url: \"%s\"\n  retries: 0\n";
            Path f = config("model.yaml", hook, "  ai_analysis:\n    enabled: true\n",
                    mail + ai.formatted(model.baseUrl()));
            Cli run = Cli.run(Map.of("AI_API_KEY", "sk-test-9876"), "engine", "--config", f.toString(), "--capture",
                    capture.toString());
            assertEquals(0, run.status(), run.err());
            assertFalse(run.err().contains("sk-test-9876"), "the key is never printed: " + run.err());
            assertEquals(3, posted.size(), posted::toString);
            for (String p : posted) {
                JsonNode a = JSON.readTree(p);
                assertEquals("MODEL: isolate the source", a.path("analysis").asText(), p);
                assertTrue(a.get("explanation").asText().contains("Likely pattern: "), p);
            }
            List<ChatCompletionsServer.Request> asked = model.requests();
            assertEquals(3, asked.size(), "the model is asked once per fired alert");
            for (ChatCompletionsServer.Request r : asked) {
                assertEquals("Bearer sk-test-9876", r.header("Authorization"));
                assertTrue(r.body().contains("analyst-1") && r.body().contains("--- Alert Data ---"), r.body());
            }
            // one summary per check that fired: their counts add up to the three alerts, each named in one
            int triggered = 0;
            StringBuilder html = new StringBuilder();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<SmtpServer.Message> mails = smtp.messages();
            while (mails.stream().mapToInt(AlertsEngineTest::triggered).sum() < 3 && System.nanoTime() < end) {
                Thread.sleep(100);
                mails = smtp.messages();
            }
            for (SmtpServer.Message m : mails) {
                assertTrue(m.subject().matches("Go2NetSpectra Alert Summary \\(\\d+ Triggered\\)"), m.subject());
                assertEquals(List.of("ops@example.org"), m.recipients());
                triggered += triggered(m);
                html.append(m.html());
            }
            assertEquals(3, triggered, mails::toString);
            for (String rule : List.of("Port_Scan", "Host_Sweep", "Heavy_Hitter")) {
                assertTrue(html.toString().contains(rule), rule + " in " + html);
            }

            // the model down: the alerts still go out, with the built-in explanation saying that the model failed
            posted.clear();
            int closed;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            Path down = config("model-down.yaml", hook, "  ai_analysis:\n    enabled: true\n",
                    ai.formatted("http://127.0.0.1:" + closed + "/v1/"));
            Cli again = Cli.run(Map.of("AI_API_KEY", "sk-test-9876"), "engine", "--config", down.toString(),
                    "--capture", capture.toString());
            assertEquals(0, again.status(), again.err());
            assertEquals(3, posted.size(), posted::toString);
            for (String p : posted) {
                JsonNode a = JSON.readTree(p);
                assertTrue(a.path("analysis").isMissingNode() || a.get("analysis").isNull(), p);
                String e = a.get("explanation").asText();
                assertTrue(e.contains("Likely pattern: ") && e.contains("Model analysis by") && e.contains("failed"), e);
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static int triggered(SmtpServer.Message m) {
        java.util.regex.Matcher n = java.util.regex.Pattern.compile("\\((\\d+) Triggered\\)").matcher(m.subject());
        return n.find() ? Integer.parseInt(n.group(1)) : 0;
    }

    private static long end(JsonNode a) {
        Instant i = Instant.parse(a.get("window_end").asText());
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static void check(JsonNode a, String src, String task, String pattern) {
        assertNotNull(a);
        assertEquals(task, a.get("task").asText());
        assertEquals(src, a.get("key").get("src_ip").asText(), a::toString);
        assertEquals(1, a.get("key").size(), a::toString);
        assertTrue(a.get("id").asText().matches("[0-9a-f]{16}"), a::toString);
        String e = a.get("explanation").asText();
        assertTrue(e.contains("Likely pattern: " + pattern), e);
        assertTrue(e.contains("Next steps: "), e);
        assertTrue(a.get("window_start").asText().startsWith("2026-03-01T00:00:00"), a::toString);
        assertTrue(a.get("window_end").asText().matches("2026-03-01T00:0[0-2]:[0-5]\\d\\.\\d{9}Z"), a::toString);
    }

    @Test
    void aFailingWebhookIsCountedAndMeteringGoesOn() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        receiver.start();
        try {
            Path f = config("failing.yaml", "    - { type: webhook, url: \"http://u:secret-pw@127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook\", retry_budget: 300ms, backoff: 50ms }");
            Cli run = Cli.run(Map.of(), "engine", "--config", f.toString(), "--capture", capture.toString());
            assertEquals(0, run.status(), run.err());
            assertTrue(run.err().matches("(?s).*alerts: 3 fired, 0 resolved, \\d+ suppressed \\(cooldown\\), 0 notices "
                    + "delivered, 3 failed over 4 check\\(s\\).*"), run.err());
            assertFalse(run.err().contains("secret-pw"), run.err());
            assertTrue(requests.get() > 3, "retried: " + requests.get());
            assertTrue(run.err().contains(String.format(java.util.Locale.ROOT, "%,d packets (%,d decoded", packets,
                    packets)), "every packet metered: " + run.err());
        } finally {
            receiver.stop(0);
        }
    }

    /** A file with one rule on the tasks of {@link #config}, and what {@code engine --check-config} says of it. */
    private static Cli checkRule(String rule, String extra) throws IOException {
        Path f = dir.resolve("rule.yaml");
        String text = Files.readString(config("base.yaml", "    - { type: log }"));
        int from = text.indexOf("  rules:\n");
        int to = text.indexOf("aggregator:");
        Files.writeString(f, text.substring(0, from) + "  rules:\n" + rule + text.substring(to) + extra);
        return Cli.run(Map.of(), "engine", "--check-config", f.toString());
    }

    /** {@code (line L, column C)} of the first line of the file holding {@code text}, its key at {@code C}. */
    private static String place(String text) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("rule.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            int c = lines.get(i).indexOf(text);
            if (c >= 0) {
                return "(line " + (i + 1) + ", column " + (c + 1) + ")";
            }
        }
        throw new AssertionError(text + " not in the file");
    }

    @Test
    void rulesThatCannotWorkAreRefusedAtStartNamingTheirKeyAndLine() throws Exception {
        Cli metric = checkRule("    - { name: a, task_name: cm_src, metric: total_byte, operator: \">\","
                + " threshold: 1 }\n", "");
        assertEquals(2, metric.status(), metric.err());
        assertTrue(metric.err().contains("alerter: rules[0]: metric " + place("metric") + ": 'total_byte' (expected: "
                + "total_packets, total_bytes, total_flows, finished_flows, heavy_hitter_count"), metric.err());

        Cli task = checkRule("    - { name: a, task_name: cm_scr, metric: total_bytes, operator: \">\","
                + " threshold: 1 }\n", "");
        assertEquals(2, task.status(), task.err());
        assertTrue(task.err().contains("alerter: rules[0]: task_name " + place("task_name") + ": 'cm_scr': no such "
                + "task (tasks: ss_src_dst, ss_src_port, cm_src, per_five_tuple)"), task.err());

        Cli op = checkRule("    - { name: a, task_name: cm_src, metric: total_bytes, operator: \"!=\","
                + " threshold: 1 }\n",
                "");
        assertEquals(2, op.status(), op.err());
        assertTrue(op.err().contains("alerter: rules[0]: operator " + place("operator") + ": '!=' (expected: > < = "
                + ">= <=)"), op.err());

        Cli never = checkRule("    - { name: quiet, task_name: cm_src, metric: heavy_hitter_count, operator: \"<\",\n"
                + "        threshold: 50 }\n", "");
        assertEquals(2, never.status(), never.err());
        assertTrue(never.err().contains("alerter: rules[0]: threshold " + place("threshold") + ": 50 with operator "
                + "'<' can never fire: task 'cm_src' reports only keys with heavy_hitter_count >= 100"), never.err());

        Cli kind = checkRule("    - { name: a, task_name: cm_src, metric: total_flows, operator: \">\","
                + " threshold: 1 }\n",
                "");
        assertEquals(2, kind.status(), kind.err());
        assertTrue(kind.err().contains("rules[0]: metric " + place("metric") + ": 'total_flows' needs an exact task "
                + "(distinct keys)"), kind.err());

        Cli below = checkRule("    - { name: every, task_name: cm_src, metric: heavy_hitter_count, operator: \">\","
                + " threshold: 10 }\n", "");
        assertEquals(0, below.status(), below.err());
        assertTrue(below.err().contains("alerter: rules[0]: threshold " + place("threshold") + ": 10 (rule 'every') is "
                + "below the reporting threshold of task 'cm_src' (100): the rule fires for every key the task "
                + "reports"), below.err());

        Cli email = checkRule("    - { name: a, task_name: cm_src, metric: total_bytes, operator: \">\","
                + " threshold: 1 }\n",
                "smtp:\n  host: 127.0.0.1\n  port: 2525\n  to: a@example.org\n");
        assertEquals(2, email.status(), email.err());
        assertTrue(email.err().contains("smtp: notifier 'email': from: missing (required)"), email.err());
        Cli mail = checkRule("    - { name: a, task_name: cm_src, metric: total_bytes, operator: \">\","
                + " threshold: 1 }\n",
                "smtp:\n  host: 127.0.0.1\n  port: 2525\n  from: f@example.org\n  to: a@example.org\n");
        assertEquals(0, mail.status(), mail.err());

        Cli typo = checkRule("    - { name: a, task_name: cm_src, metric: total_bytes, operator: \">\", threshold: 1,"
                + " windw: true }\n", "");
        assertEquals(2, typo.status(), typo.err());
        assertTrue(typo.err().contains("rules[0]: unknown key 'windw' " + place("windw")) && typo.err().contains(
                "window"), typo.err());
    }

    @Test
    void flowsAlertsFromTheAlerterBlockOfItsOwnConfigFile() throws Exception {
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            Path f = dir.resolve("flows.yaml");
            Files.writeString(f, """
                    aggregators:
                      - { type: super-spread, name: fanout, key: src_ip, element: dst_port, threshold: 1, seed: 7 }
                      - { type: exact, name: conversations, key: five_tuple, lifecycle: true }
                    alerter:
                      check_interval: 1m
                      notifiers:
                        - { type: webhook, url: "http://127.0.0.1:%d/" }
                      rules:
                        - { name: scan, task_name: fanout, metric: super_spreader_spread, operator: ">",
                            threshold: 100, cooldown: 10m }
                    """.formatted(receiver.getAddress().getPort()));
            Cli run = Cli.run(Map.of(), "flows", "--config", f.toString(), "--out", dir.resolve("flows.ndjson")
                    .toString(), capture.toString());
            assertEquals(0, run.status(), run.err());
            assertEquals(1, posted.size(), posted::toString);
            JsonNode a = JSON.readTree(posted.get(0));
            assertEquals(SCANNER, a.get("key").get("src_ip").asText());
            assertTrue(a.get("explanation").asText().contains("Likely pattern: port scan"), a::toString);
            assertTrue(run.err().contains("flowtrace flows: alerts: 1 fired"), run.err());
        } finally {
            receiver.stop(0);
        }
    }

    private static int ip(String text) {
        byte[] b = Frames.addr(text);
        return Frames.ip(b[0] & 255, b[1] & 255, b[2] & 255, b[3] & 255);
    }
}
