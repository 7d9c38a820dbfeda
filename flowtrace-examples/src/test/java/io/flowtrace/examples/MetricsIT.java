package io.flowtrace.examples;

import com.sun.net.httpserver.HttpServer;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code flows --metrics-listen} as an operator watches it: the jar meters a generated capture into an HTTP sink that
 * holds its answers (or cannot be reached), and the test scrapes {@code /metrics} and {@code /healthz} of the live
 * process, checks the figures against the capture's ground truth, and the exposition with {@code promtool}.
 */
class MetricsIT {
    private static final Pattern PORT = Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

    @TempDir
    static Path dir;
    static Path capture;
    static SyntheticCapture.Summary truth;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void generate() throws IOException {
        capture = dir.resolve("watch.pcap");
        truth = SyntheticCapture.builder().packets(100_000).conversations(2_000).seed(23).truth(false).build()
                .write(capture);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    @DisplayName("/metrics of a running flows has the capture's packets, flows and the sink's queue; promtool accepts it")
    void metricsMatchGroundTruthWhileTheSinkIsHeld() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer held = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        held.createContext("/", x -> {
            try (x) {
                x.getRequestBody().readAllBytes();
                release.await(60, TimeUnit.SECONDS);
                x.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "held-http");
            t.setDaemon(true);
            return t;
        }));
        held.start();
        cleanup.add(() -> held.stop(0));
        cleanup.add(release::countDown);

        ChildProcess flows = start("flows", capture.toString(), "--metrics-listen", "127.0.0.1:0",
                "--stats-interval", "1s", "--no-progress", "--aggregator", "protocol-mix:name=mix",
                "--sink", "http:url=http://127.0.0.1:" + held.getAddress().getPort() + "/ingest,format=single");
        int port = port(flows);
        long started = System.nanoTime();

        // the file is read to its end and every flow ended, while the first POST is held: a stable state to check
        Map<String, Double> m = awaitMetrics(port, s -> s.getOrDefault("flowtrace_capturing", 1.0) == 0
                && sum(s, "flowtrace_events_total") == truth.conversations()
                && s.getOrDefault("flowtrace_flows_active", 1.0) == 0
                && s.getOrDefault("flowtrace_sink_queued_items{sink=\"http\"}", 0.0) >= truth.conversations());
        assertEquals(truth.packets(), m.get("flowtrace_packets_read_total"));
        assertEquals(truth.packets(), m.get("flowtrace_packets_decoded_total"));
        assertEquals(truth.wireBytes(), m.get("flowtrace_read_bytes_total"));
        assertEquals(0.0, m.get("flowtrace_packets_non_ip_total"));
        assertEquals(0.0, sum(m, "flowtrace_packets_malformed_total"));
        assertEquals(truth.conversations(), m.get("flowtrace_flows_created_total"));
        assertTrue(m.get("flowtrace_events_total{end_reason=\"end-of-capture\"}") > 0, m.toString());
        assertEquals(0.0, m.get("flowtrace_events_total{end_reason=\"evicted\"}"));
        assertEquals(0.0, m.get("flowtrace_flows_active"));
        // one POST is held on the sink's thread, the other events and the aggregator's last snapshot wait in its queue
        assertEquals(0.0, m.get("flowtrace_sink_delivered_items_total{sink=\"http\"}"));
        assertEquals(truth.conversations() - 1 + 1, m.get("flowtrace_sink_queued_items{sink=\"http\"}"));
        assertEquals(0.0, m.get("flowtrace_sink_failed_items_total{sink=\"http\"}"));
        assertEquals(0.0, m.get("flowtrace_aggregator_failures_total{task=\"mix\"}"), m.keySet().toString());
        assertTrue(m.get("jvm_memory_used_bytes{area=\"heap\"}") > 0, m.keySet().toString());
        assertEquals(1.0, m.get("flowtrace_healthy"));

        String text = get(port, "/metrics").body();
        assertTrue(text.contains("# HELP flowtrace_packets_read_total "), text);
        assertTrue(text.contains("# TYPE flowtrace_packets_read_total counter"), text);
        promtoolAccepts(text);

        Response health = get(port, "/healthz");
        assertEquals(200, health.status());
        assertEquals("ok\n", health.body());
        assertEquals(404, get(port, "/nothing").status());

        // at least one stats interval has gone by before the sink is let go
        long left = TimeUnit.SECONDS.toNanos(2) - (System.nanoTime() - started);
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        release.countDown();
        assertTrue(flows.awaitExit(60), flows.err());
        assertEquals(0, flows.process.exitValue(), flows.err());
        assertTrue(Pattern.compile("flowtrace flows: \\d+ packets \\(\\+\\d+, \\d+/s\\), \\d+ flows active")
                .matcher(flows.err()).find(), flows.err());
        assertThrows(ConnectException.class, () -> get(port, "/metrics"), "the metrics port is closed at exit");
    }

    @Test
    @DisplayName("/healthz says 503 and names the sink while an HTTP sink to a closed port fails")
    void healthzIsUnhealthyWhileASinkFails() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        // the watch settings from a config file this time: its snake_case keys
        Path config = dir.resolve("watch.yaml");
        Files.writeString(config, "metrics_listen: 127.0.0.1:0\nstats_interval: 1s\nmax_drop_rate: 0.05\n");
        ChildProcess flows = start("flows", capture.toString(), "--config", config.toString(), "--no-progress",
                "--sink", "http:url=http://127.0.0.1:" + closed
                        + "/ingest,format=single,retry-budget=200ms,backoff=50ms,backoff-max=50ms");
        int port = port(flows);
        Response r = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            r = get(port, "/healthz");
            if (r.status() != 200) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals(503, r.status(), r.body());
        assertTrue(r.body().matches("sink http failing: \\d+ item\\(s\\) failed in the last interval\n"), r.body());
        Map<String, Double> m = parse(get(port, "/metrics").body());
        assertTrue(m.get("flowtrace_sink_failed_items_total{sink=\"http\"}") > 0, m.toString());
        assertEquals(0.0, m.get("flowtrace_healthy"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pcap-live", "af-packet"})
    @DisplayName("the agent on lo, watched through AGENT_METRICS_LISTEN: the datagrams sent, the kernel's drop "
            + "counters, capturing and healthy; SIGTERM exits 0 and closes the port")
    void agentMetricsCountTheDatagramsSentOnLoopback(String backend) throws Exception {
        LivePrivileges.require("the agent metrics test captures on lo");
        TinyHttpServer ingest = new TinyHttpServer("");
        cleanup.add(ingest);
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
            ChildProcess agent = start(Map.of("AGENT_INTERFACE", "lo",
                    "AGENT_BPF_FILTER", "udp port " + receiver.getLocalPort(),
                    "AGENT_ENDPOINT_URL", "http://127.0.0.1:" + ingest.port() + "/ingest",
                    "AGENT_METRICS_LISTEN", "127.0.0.1:0", "AGENT_STATS_INTERVAL", "1s",
                    "AGENT_CAPTURE_BACKEND", backend), "agent");
            int port = port(agent);
            agent.awaitErr("flowtrace agent: capturing on lo");
            int sent = 50;
            for (int i = 0; i < sent; i++) {
                sender.send(new java.net.DatagramPacket(new byte[100], 100, receiver.getLocalSocketAddress()));
            }
            // the source counts a packet when it reads it, a worker's flow table a little later
            Map<String, Double> m = awaitMetrics(port, s -> s.getOrDefault("flowtrace_packets_read_total", 0.0)
                    >= sent && s.getOrDefault("flowtrace_flows_active", 0.0) > 0);
            assertEquals(sent, m.get("flowtrace_packets_read_total"), "the filter passes only the datagrams sent");
            assertEquals(sent, m.get("flowtrace_packets_decoded_total"));
            assertEquals(1.0, m.get("flowtrace_flows_active"));
            assertEquals(1.0, m.get("flowtrace_capturing"));
            assertEquals(0.0, m.get("flowtrace_capture_kernel_dropped_packets_total"));
            // libpcap reports the interface's drops; a packet socket's statistics have no such counter
            assertEquals(backend.equals("pcap-live") ? 0.0 : null,
                    m.get("flowtrace_capture_interface_dropped_packets_total"));
            assertEquals(0.0, m.get("flowtrace_sink_queued_items{sink=\"http\"}"));
            promtoolAccepts(get(port, "/metrics").body());
            assertEquals(new Response(200, "ok\n"), get(port, "/healthz"));

            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start()
                    .waitFor());
            assertTrue(agent.awaitExit(60), agent.err());
            assertEquals(0, agent.process.exitValue(), agent.err());
            assertEquals(1, ingest.bodies().size(), "the one flow, flushed at SIGTERM: " + ingest.bodies());
            assertThrows(ConnectException.class, () -> get(port, "/metrics"), "the metrics port is closed at exit");
        }
    }

    private ChildProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    private ChildProcess start(Map<String, String> env, String... args) throws IOException {
        return ChildProcess.ofJar(cleanup, env, args);
    }

    /** The port of the {@code /metrics} line {@code p} printed. */
    static int port(ChildProcess p) throws InterruptedException {
        p.awaitErr("/metrics, health on /healthz");
        Matcher m = PORT.matcher(p.err());
        assertTrue(m.find(), p.err());
        return Integer.parseInt(m.group(1));
    }

    /** Polls {@code /metrics} for up to a minute until {@code done} holds; fails with the last answer. */
    static Map<String, Double> awaitMetrics(int port, java.util.function.Predicate<Map<String, Double>> done)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Double> m = Map.of();
        while (System.nanoTime() < end) {
            m = parse(get(port, "/metrics").body());
            if (done.test(m)) {
                return m;
            }
            Thread.sleep(50);
        }
        return fail("metrics never reached the expected state: " + m);
    }

    /** Every sample of an exposition, by name with labels. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), line);
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    private static double sum(Map<String, Double> m, String name) {
        double n = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (e.getKey().equals(name) || e.getKey().startsWith(name + "{")) {
                n += e.getValue();
            }
        }
        return n;
    }

    record Response(int status, String body) {
    }

    static Response get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(10_000);
        try {
            int status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(status, body);
        } finally {
            c.disconnect();
        }
    }

    /** {@code promtool check metrics}, from Debian's {@code prometheus} package (scripts/install-deps.sh --test). */
    static void promtoolAccepts(String exposition) throws Exception {
        Path promtool = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, "promtool");
            if (Files.isExecutable(p)) {
                promtool = p;
                break;
            }
        }
        if (promtool == null) {
            fail("promtool not found on PATH: install Debian's prometheus package (scripts/install-deps.sh --test)");
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), "promtool check metrics: " + said + "\n" + exposition);
    }
}
