package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.examples.config.ConfigFileTest;
import io.flowtrace.testkit.ClickHouseServer;
import io.flowtrace.testkit.HeadlessChromium;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page in headless Chromium, from a running engine ({@code /ui/}) and from a {@code report --html} file, over
 * generated captures: the drawn keys and values read back from the DOM equal the counts of the generated packets.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
    private static final long SPAN_SECONDS = 300;
    private static final Pattern BAR = Pattern.compile("<li data-key=\"([^\"]*)\" data-value=\"(\\d+)\"[^>]*>"
            + "<span class=\"key\">([^<]*)</span><span class=\"bar\">.*?</span></span><span class=\"value\">(\\d+)"
            + "</span>");
    private static final Pattern SECTION = Pattern.compile("(?s)<section class=\"ranking\" data-title=\"([^\"]*)\""
            + "[^>]*>(.*?)</section>");

    /** One generated packet. */
    record Pkt(String src, String dst, int sport, int dport, int proto, int wire) {
    }

    /** The shipped config's clickhouse writers are enabled: they write to a real server of the test's. */
    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("page", "page-pw");
    @TempDir
    Path dir;

    /** Heavy hitters by packets and by bytes in a different order, two spreaders, background; shuffled (seed 42). */
    private static List<Pkt> traffic() {
        List<Pkt> out = new ArrayList<>();
        // over the shipped Count-Min task's thresholds (4096 packets, 4096000 bytes)
        addRepeated(out, new Pkt("10.1.0.1", "172.16.0.9", 40000, 443, 6, 1000), 6000);
        addRepeated(out, new Pkt("10.1.0.2", "172.16.0.9", 40001, 443, 6, 900), 5000);
        addRepeated(out, new Pkt("10.1.0.3", "172.16.0.8", 40002, 53, 17, 1200), 4500);
        for (int i = 0; i < 400; i++) {
            out.add(new Pkt("10.2.0.1", "172.20." + (i / 200) + "." + (i % 200 + 1), 50000, 22, 6, 60));
        }
        for (int i = 0; i < 200; i++) {
            out.add(new Pkt("10.2.0.2", "172.21.0." + (i + 1), 50000, 22, 6, 60));
        }
        for (int i = 0; i < 100; i++) {
            addRepeated(out, new Pkt("10.3.0." + (i + 1), "192.168.0.1", 30000 + i, 80, 6, 200), 3);
        }
        Collections.shuffle(out, new Random(42));
        return out;
    }

    private static void addRepeated(List<Pkt> out, Pkt p, int n) {
        for (int i = 0; i < n; i++) {
            out.add(p);
        }
    }

    /** The packets over {@link #SPAN_SECONDS} from {@link #T0}, evenly. */
    private static Path capture(List<Pkt> packets, Path file) throws Exception {
        CaptureFiles.Pcap pcap = CaptureFiles.Pcap.ethernet();
        long spanMicros = SPAN_SECONDS * 1_000_000L;
        for (int i = 0; i < packets.size(); i++) {
            Pkt p = packets.get(i);
            long micros = spanMicros * i / packets.size();
            pcap.packet(T0 + micros / 1_000_000, micros % 1_000_000,
                    Frames.ethIpv4(ip(p.src), ip(p.dst), p.proto, p.sport, p.dport, Frames.ACK, 0), p.wire);
        }
        return pcap.writeTo(file);
    }

    @Test
    void theEnginesPageDrawsItsTasksAndTheirHeavyHitters() throws Exception {
        List<Pkt> packets = traffic();
        Path capture = capture(packets, dir.resolve("generated.pcap"));
        Path config = dir.resolve("config.yaml");
        // the shipped file with a fixed sketch seed (the process's random one would make the estimates vary)
        Files.writeString(config, Files.readString(ConfigFileTest.ENGINE_CONFIG)
                .replace("skt_type: 1\n", "skt_type: 1\n          seed: 7\n")
                .replace("skt_type: 0\n", "skt_type: 0\n          seed: 7\n"));
        int port = EngineCommandTest.freePort();
        Files.writeString(dir.resolve(".env"), "API_HTTP_LISTEN_ADDR=127.0.0.1:" + port + "\n"
                + "AI_API_KEY=none\nAI_RPC_LISTEN_ADDR=\nNATS_URL=nats://127.0.0.1:4222\n");
        Map<String, String> env = new HashMap<>(EngineCommandTest.loopbackEnv());
        env.put("CLICKHOUSE_PORT", String.valueOf(CLICKHOUSE.httpPort()));
        env.put("CLICKHOUSE_USERNAME", CLICKHOUSE.user());
        env.put("CLICKHOUSE_PASSWORD", CLICKHOUSE.password());
        try (BackgroundEngine engine = BackgroundEngine.start(env, "--config", config.toString(), "--capture",
                capture.toString()).awaitServing()) {
            String base = "http://127.0.0.1:" + port;
            String dom = HeadlessChromium.dumpDom(base + "/ui/?refresh=1", 5000);
            assertFalse(dom.contains("data-error"), dom);

            // traffic over time: what the exact task's snapshots added sums to every generated packet and byte,
            // and the page drew one point per snapshot the query API holds
            long bytes = packets.stream().mapToLong(Pkt::wire).sum();
            JsonNode series = post(base, "/query", "{\"targets\":[{\"target\":\"per_five_tuple:total_packets\"}]}");
            int snapshots = series.get(0).get("datapoints").size();
            assertTrue(snapshots >= 2, series.toString());
            Matcher exact = Pattern.compile("<section class=\"series\" data-task=\"per_five_tuple\" data-points=\"(\\d+)"
                    + "\" data-last-packets=\"\\d+\" data-last-bytes=\"\\d+\" data-sum-packets=\"(\\d+)\" "
                    + "data-sum-bytes=\"(\\d+)\"").matcher(dom);
            assertTrue(exact.find(), dom);
            assertEquals(snapshots, Integer.parseInt(exact.group(1)));
            assertEquals(packets.size(), Long.parseLong(exact.group(2)));
            assertEquals(bytes, Long.parseLong(exact.group(3)));
            for (String task : List.of("ss_src_dst", "cm_src_left")) {
                assertTrue(dom.contains("data-task=\"" + task + "\" data-points=\""), task + ": " + dom);
            }

            // heavy hitters by packets and by bytes: the generated counts (no other key shares their counters here)
            Map<String, Long> byPackets = new HashMap<>();
            Map<String, Long> byBytes = new HashMap<>();
            Map<String, Set<String>> dsts = new HashMap<>();
            for (Pkt p : packets) {
                byPackets.merge(p.src, 1L, Long::sum);
                byBytes.merge(p.src, (long) p.wire, Long::sum);
                dsts.computeIfAbsent(p.src, k -> new HashSet<>()).add(p.dst);
            }
            List<String[]> hp = bars(dom, "cm_src_left: heavy hitters by packets");
            assertEquals(List.of("10.1.0.1", "10.1.0.2", "10.1.0.3"), keys(hp).subList(0, 3));
            for (String[] b : hp.subList(0, 3)) {
                assertEquals(byPackets.get(b[0]), Long.parseLong(b[1]), b[0]);
            }
            List<String[]> hb = bars(dom, "cm_src_left: heavy hitters by bytes");
            assertEquals(List.of("10.1.0.1", "10.1.0.3", "10.1.0.2"), keys(hb).subList(0, 3));
            for (String[] b : hb.subList(0, 3)) {
                assertEquals(byBytes.get(b[0]), Long.parseLong(b[1]), b[0]);
            }
            // super-spreaders: an estimate of distinct destinations, in their order
            List<String[]> ss = bars(dom, "ss_src_dst: super-spreaders by spread");
            assertEquals(List.of("10.2.0.1", "10.2.0.2"), keys(ss).subList(0, 2));
            for (String[] b : ss.subList(0, 2)) {
                double truth = dsts.get(b[0]).size();
                assertTrue(Math.abs(Long.parseLong(b[1]) - truth) <= 0.2 * truth, b[0] + ": " + b[1]);
            }
        }
    }

    @Test
    void theReportFileDrawsTheCapturesCountsOffline() throws Exception {
        List<Pkt> packets = traffic();
        // a capture's name is shown on the page: as text, whatever it holds
        String name = "<img src=x onerror=document.body.setAttribute('data-pwned','1')><script>.pcap";
        Path capture = capture(packets, dir.resolve(name));
        Path report = dir.resolve("report.html");
        Cli r = Cli.run(Map.of(), "report", capture.toString(), "--html", report.toString(), "--step", "10s",
                "--limit", "3");
        assertEquals(0, r.status(), r.err());
        String html = Files.readString(report);
        assertFalse(html.contains("src=\"") || html.contains("href=\""), "the file loads nothing from outside");
        String dom = HeadlessChromium.dumpDom(report.toUri().toString(), 3000);
        String body = dom.substring(dom.indexOf("<body"), dom.indexOf('>', dom.indexOf("<body")));
        assertFalse(body.contains("data-pwned") || dom.contains("<img"), dom);
        assertTrue(dom.contains("flowtrace report: " + capture.toString().replace("&", "&amp;")
                .replace("<", "&lt;").replace(">", "&gt;")), dom);

        // traffic over time: 300 s in 10 s steps, every packet and byte counted once
        long bytes = packets.stream().mapToLong(Pkt::wire).sum();
        Matcher m = Pattern.compile("<section class=\"series\" data-task=\"traffic per 10s\" data-points=\"(\\d+)\""
                + " data-last-packets=\"\\d+\" data-last-bytes=\"\\d+\" data-sum-packets=\"(\\d+)\" "
                + "data-sum-bytes=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find(), dom);
        int points = Integer.parseInt(m.group(1));
        assertEquals(30, points, "points");
        assertEquals(packets.size(), Long.parseLong(m.group(2)));
        assertEquals(bytes, Long.parseLong(m.group(3)));

        // top talkers by bytes and the protocol mix, from the generated packets
        Map<String, Long> src = new HashMap<>();
        Map<String, Long> dst = new HashMap<>();
        Map<String, Long> protoPackets = new HashMap<>();
        Map<String, Long> protoBytes = new HashMap<>();
        for (Pkt p : packets) {
            src.merge(p.src, (long) p.wire, Long::sum);
            dst.merge(p.dst, (long) p.wire, Long::sum);
            String proto = p.proto == 6 ? "tcp" : "udp";
            protoPackets.merge(proto, 1L, Long::sum);
            protoBytes.merge(proto, (long) p.wire, Long::sum);
        }
        assertEquals(top(src, 3), bars(dom, "top talkers: sources by bytes").stream()
                .map(b -> b[0] + "=" + b[1]).toList());
        assertEquals(top(dst, 3), bars(dom, "top talkers: destinations by bytes").stream()
                .map(b -> b[0] + "=" + b[1]).toList());
        assertEquals(top(protoPackets, 2), bars(dom, "protocol mix by packets").stream()
                .map(b -> b[0].toLowerCase(java.util.Locale.ROOT) + "=" + b[1]).toList());
        assertEquals(top(protoBytes, 2), bars(dom, "protocol mix by bytes").stream()
                .map(b -> b[0].toLowerCase(java.util.Locale.ROOT) + "=" + b[1]).toList());
    }

    @Test
    void reportNeedsItsFile() {
        Cli r = Cli.run(Map.of(), "report", "nothing.pcap");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--html FILE"), r.err());
        Cli help = Cli.run(Map.of(), "report", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("--html FILE") && help.out().contains("--step"), help.out());
    }

    /** The largest {@code n} entries as {@code key=value}, largest first. */
    private static List<String> top(Map<String, Long> m, int n) {
        return m.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(n)
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** The bars (key text, value text) of the ranking titled {@code title}, as drawn; key text equals its attribute. */
    private static List<String[]> bars(String dom, String title) {
        Matcher s = SECTION.matcher(dom);
        while (s.find()) {
            if (HeadlessChromium.unescape(s.group(1)).equals(title)) {
                List<String[]> out = new ArrayList<>();
                Matcher m = BAR.matcher(s.group(2));
                while (m.find()) {
                    assertEquals(HeadlessChromium.unescape(m.group(1)), HeadlessChromium.unescape(m.group(3)));
                    assertEquals(m.group(2), m.group(4));
                    out.add(new String[] {HeadlessChromium.unescape(m.group(3)), m.group(4)});
                }
                assertTrue(s.group().contains("data-bars=\"" + out.size() + "\""), s.group());
                return out;
            }
        }
        throw new AssertionError("no ranking '" + title + "' in " + dom);
    }

    private static List<String> keys(List<String[]> bars) {
        return bars.stream().map(b -> b[0]).toList();
    }

    private static JsonNode post(String base, String path, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static int ip(String text) {
        byte[] b = Frames.addr(text);
        return Frames.ip(b[0] & 255, b[1] & 255, b[2] & 255, b[3] & 255);
    }
}
