package io.flowtrace.examples;

import com.sun.net.httpserver.HttpServer;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code /healthz} of the packaged agent on a live interface: a veth whose peer is in a network namespace the test
 * makes (and removes), traffic sent from inside it. The agent's events go to an HTTP receiver that holds its first
 * answer, so that the agent is still running, and serving {@code /healthz}, when what is checked happens: the
 * interface is deleted (the capture fails), or the capture falls behind and the kernel drops packets.
 */
class AgentHealthIT {
    /** The agent's side has no address: the peer reaches it through a static neighbour entry. */
    private static final String PEER_ADDRESS = "198.18.23.2";
    private static final String AGENT_SIDE_ADDRESS = "198.18.23.1";

    @TempDir
    static Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void needsCapturePrivileges() throws IOException {
        LivePrivileges.require("the agent health test makes network namespaces and captures");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                // the next step of the clean-up still runs
            }
        }
    }

    @Test
    @DisplayName("the capture interface is deleted under the running agent: /healthz says 503 and names it")
    void healthzNamesTheCaptureWhenItsInterfaceGoesAway() throws Exception {
        Veth veth = veth("g");
        Held held = held();
        ChildProcess agent = start("agent", "--interface", veth.outside, "--bpf-filter", "udp",
                "--metrics-listen", "127.0.0.1:0", "--stats-interval", "1s",
                "--sink", "http:url=http://127.0.0.1:" + held.port + "/ingest,format=single,timeout=120s");
        int port = MetricsIT.port(agent);
        agent.awaitErr("flowtrace agent: capturing on " + veth.outside);
        assertEquals(new MetricsIT.Response(200, "ok\n"), MetricsIT.get(port, "/healthz"));

        // three datagrams, each from a socket of its own: three flows, flushed when the capture ends
        veth.exec("bash", "-c", "for i in 1 2 3; do echo flowtrace > /dev/udp/" + AGENT_SIDE_ADDRESS
                + "/9; done");
        MetricsIT.awaitMetrics(port, m -> m.getOrDefault("flowtrace_packets_read_total", 0.0) >= 3);

        run("ip", "link", "del", veth.outside);
        MetricsIT.Response r = awaitHealth(port, s -> s.status() != 200);
        assertEquals(new MetricsIT.Response(503, "capture on " + veth.outside + " stopped\n"), r);
        Map<String, Double> m = MetricsIT.parse(MetricsIT.get(port, "/metrics").body());
        assertEquals(0.0, m.get("flowtrace_capturing"));
        assertEquals(0.0, m.get("flowtrace_healthy"));
        assertEquals(3.0, m.get("flowtrace_packets_read_total"));

        held.release.countDown();
        assertTrue(agent.awaitExit(60), agent.err());
        assertEquals(1, agent.process.exitValue(), agent.err());
        assertTrue(agent.err().contains("reading interface '" + veth.outside + "' failed"), agent.err());
        assertEquals(0, held.posts.getCount(), "the three flows, delivered once the receiver answered");
    }

    /**
     * The drops are made deterministic by stopping the agent's capture thread rather than by racing it: the HTTP
     * receiver holds its first answer, the sink's queue of 2 blocks the worker once full (the flow table's bound of
     * 16 ends a flow for each new one), the worker's batches back up to the capture thread, and from then on every
     * packet tcpreplay sends into the 64 KiB capture buffer is dropped by the kernel and counted by libpcap. 600,000
     * packets are far more than the batches and the buffer hold.
     */
    @Test
    @DisplayName("the kernel drops more than --max-drop-rate of the packets: /healthz says 503 with the rate")
    void healthzIsUnhealthyWhenTheKernelDropsMoreThanTheMaxDropRate() throws Exception {
        Veth veth = veth("d");
        Held held = held();
        Path capture = dir.resolve("replay.pcap");
        SyntheticCapture.builder().packets(200_000).conversations(2_000).seed(23).truth(false).build()
                .write(capture);
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "source:\n  type: pcap-live\n  buffer_size: 65536\nmax_drop_rate: 0.01\n");
        ChildProcess agent = start("agent", "--interface", veth.outside, "--config", config.toString(),
                "--metrics-listen", "127.0.0.1:0", "--stats-interval", "1s", "--max-flows", "16",
                "--sink", "http:url=http://127.0.0.1:" + held.port + "/ingest,format=single,timeout=120s,queue=2");
        int port = MetricsIT.port(agent);
        agent.awaitErr("flowtrace agent: capturing on " + veth.outside);
        assertEquals(new MetricsIT.Response(200, "ok\n"), MetricsIT.get(port, "/healthz"));

        Process replay = new ProcessBuilder("ip", "netns", "exec", veth.namespace, "tcpreplay", "-q", "--topspeed",
                "--loop=3", "-i", veth.inside, capture.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tcpreplay.log").toFile()).start();
        cleanup.add(() -> replay.destroyForcibly().waitFor(30, TimeUnit.SECONDS));
        MetricsIT.Response r = awaitHealth(port, s -> s.status() != 200);
        Matcher drop = Pattern.compile("capture dropping (\\d+) of (\\d+) packets \\((0\\.\\d+|1\\.0+), max 0\\.01\\)"
                + " in the last interval\n").matcher(r.body());
        assertEquals(503, r.status(), r.body());
        assertTrue(drop.matches(), r.body());
        assertTrue(Double.parseDouble(drop.group(3)) > 0.01, r.body());
        System.out.print("agent /healthz under tcpreplay: " + r.body());
        Map<String, Double> m = MetricsIT.parse(MetricsIT.get(port, "/metrics").body());
        assertTrue(m.get("flowtrace_capture_kernel_dropped_packets_total") >= Long.parseLong(drop.group(1)),
                m.toString());
        // the sink is held, neither failing nor dropping: the drops are the capture's
        assertEquals(0.0, m.get("flowtrace_sink_failed_items_total{sink=\"http\"}"));
        assertEquals(0.0, m.get("flowtrace_sink_dropped_items_total{sink=\"http\"}"));
        assertTrue(replay.waitFor(120, TimeUnit.SECONDS), "tcpreplay did not finish");
        assertEquals(0, replay.exitValue(), Files.readString(dir.resolve("tcpreplay.log")));
    }

    /** A veth pair: {@code outside} in the test's namespace, for the agent; {@code inside} in {@code namespace}. */
    private record Veth(String namespace, String outside, String inside) {
        void exec(String... command) throws Exception {
            List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            c.addAll(List.of(command));
            run(c.toArray(new String[0]));
        }
    }

    private Veth veth(String tag) throws Exception {
        String id = tag + ProcessHandle.current().pid() % 100_000;
        Veth v = new Veth("fth" + id, "fth" + id + "a", "fth" + id + "b");
        cleanup.add(() -> quietly("ip", "netns", "del", v.namespace));
        cleanup.add(() -> quietly("ip", "link", "del", v.outside));
        run("ip", "netns", "add", v.namespace);
        run("ip", "link", "add", v.outside, "type", "veth", "peer", "name", v.inside, "netns", v.namespace);
        run("ip", "link", "set", v.outside, "up");
        run("ip", "-n", v.namespace, "link", "set", v.inside, "up");
        run("ip", "-n", v.namespace, "addr", "add", PEER_ADDRESS + "/30", "dev", v.inside);
        String mac = Files.readString(Path.of("/sys/class/net", v.outside, "address")).trim();
        run("ip", "-n", v.namespace, "neigh", "add", AGENT_SIDE_ADDRESS, "lladdr", mac, "dev", v.inside);
        return v;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + said);
    }

    private static void quietly(String... command) throws Exception {
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor(60, TimeUnit.SECONDS);
    }

    /** An HTTP receiver that holds every POST until {@code release}; {@code posts} counts down as they arrive. */
    private record Held(int port, CountDownLatch release, CountDownLatch posts) {
    }

    private Held held() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch posts = new CountDownLatch(3);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            try (x) {
                x.getRequestBody().readAllBytes();
                release.await(60, TimeUnit.SECONDS);
                posts.countDown();
                x.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "held-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        cleanup.add(() -> server.stop(0));
        cleanup.add(release::countDown);
        return new Held(server.getAddress().getPort(), release, posts);
    }

    private ChildProcess start(String... args) throws IOException {
        return ChildProcess.ofJar(cleanup, Map.of(), args);
    }

    private static MetricsIT.Response awaitHealth(int port, java.util.function.Predicate<MetricsIT.Response> done)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        MetricsIT.Response r = null;
        while (System.nanoTime() < end) {
            r = MetricsIT.get(port, "/healthz");
            if (done.test(r)) {
                return r;
            }
            Thread.sleep(50);
        }
        return fail("/healthz stayed " + r);
    }
}
