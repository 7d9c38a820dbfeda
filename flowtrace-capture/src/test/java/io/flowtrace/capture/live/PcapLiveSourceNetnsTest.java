package io.flowtrace.capture.live;

import io.flowtrace.capture.live.LiveTestSupport.Running;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code pcap-live} on a veth interface carrying traffic between two network namespaces the test creates:
 * {@code nsA -- veth -- bridge (root namespace, no address) -- veth -- nsB}. The capture runs in this JVM on the
 * root-side end of nsA's veth; a TCP/UDP server runs in nsB and its client in nsA, each a child JVM under
 * {@code ip netns exec}. Addresses are in 10.250.0.0/16 and exist only inside the two namespaces; everything is
 * deleted after each test, also on failure. Needs root and iproute2.
 */
class PcapLiveSourceNetnsTest {
    private static final int MESSAGES = 25;

    private final List<List<String>> cleanup = new ArrayList<>();
    private String nsA;
    private String nsB;
    private String captureEnd;
    private String serverAddress;

    @BeforeAll
    static void needsCapturePrivileges() {
        LiveTestSupport.requireCaptureCapabilities();
    }

    @BeforeEach
    void createNamespacesAndLinks() throws Exception {
        String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
        int subnet = ThreadLocalRandom.current().nextInt(256);
        nsA = "ftlive-a-" + id;
        nsB = "ftlive-b-" + id;
        String bridge = "ftbr" + id;
        captureEnd = "fta" + id;
        String peerA = "fta" + id + "p";
        String endB = "ftb" + id;
        String peerB = "ftb" + id + "p";
        String addressA = "10.250." + subnet + ".1";
        serverAddress = "10.250." + subnet + ".2";

        // removal in reverse order of creation; links deleted before their namespace
        cleanup.add(List.of("ip", "netns", "del", nsA));
        cleanup.add(List.of("ip", "netns", "del", nsB));
        cleanup.add(List.of("ip", "link", "del", bridge));
        cleanup.add(List.of("ip", "link", "del", captureEnd));
        cleanup.add(List.of("ip", "link", "del", endB));
        try {
            ip("netns", "add", nsA);
            ip("netns", "add", nsB);
            ip("link", "add", bridge, "type", "bridge");
            ip("link", "add", captureEnd, "type", "veth", "peer", "name", peerA, "netns", nsA);
            ip("link", "add", endB, "type", "veth", "peer", "name", peerB, "netns", nsB);
            ip("link", "set", captureEnd, "master", bridge, "up");
            ip("link", "set", endB, "master", bridge, "up");
            ip("link", "set", bridge, "up");
            ip("-n", nsA, "addr", "add", addressA + "/24", "dev", peerA);
            ip("-n", nsA, "link", "set", peerA, "up");
            ip("-n", nsB, "addr", "add", serverAddress + "/24", "dev", peerB);
            ip("-n", nsB, "link", "set", peerB, "up");
        } catch (AssertionError | IOException e) {
            fail("cannot create network namespaces and veth links (needs root and iproute2): " + e.getMessage(), e);
        }
    }

    @AfterEach
    void deleteNamespacesAndLinks() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                Process p = new ProcessBuilder(cleanup.get(i)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(10, TimeUnit.SECONDS);
                p.destroyForcibly();
            } catch (IOException | InterruptedException e) {
                // best effort: the rest still runs
            }
        }
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        LiveTestSupport.runCommand(command);
    }

    private static List<String> inNamespace(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    @Test
    void capturesAndMetersTrafficBetweenTwoNamespacesOnTheVethEnd() throws Exception {
        Process server = new ProcessBuilder(LiveTestSupport.javaCommandLine(inNamespace(nsB), List.of(),
                TrafficMaker.class, "server", serverAddress, String.valueOf(MESSAGES)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String ready = TrafficMaker.readLine(server);
            assertTrue(ready.startsWith("READY "), "server in " + nsB + " said: '" + ready + "'");
            String[] ports = ready.split(" ");
            Exchange exchange = new Exchange(Integer.parseInt(ports[1]), Integer.parseInt(ports[2]), MESSAGES);

            PcapLiveSource source = LiveTestSupport.open(Map.of("interface", captureEnd, "filter", exchange.filter()),
                    Duration.ofHours(1), PcapLiveSource.SYSTEM_CLOCK);
            PcapLiveSource metered = LiveTestSupport.open(Map.of("interface", captureEnd, "filter",
                    exchange.filter()), Duration.ofSeconds(1), PcapLiveSource.SYSTEM_CLOCK);
            LiveTestSupport.Meter meter = new LiveTestSupport.Meter(metered);
            try (source; meter) {
                RecordingHandler handler = new RecordingHandler();
                Running running = new Running(source, handler);

                String done = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(inNamespace(nsA), List.of(),
                        TrafficMaker.class, "client", serverAddress, ports[1], ports[2], String.valueOf(MESSAGES)));
                assertEquals("DONE", done.trim());
                assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server finished");
                assertEquals(0, server.exitValue(), "server exit code");
                handler.awaitUntil(exchange::complete, 10_000);
                running.stopAndJoin();

                assertNull(running.failure);
                exchange.assertCaptured(handler.seen());
                assertEquals(0, handler.other(), "frames outside the filter");
                assertEquals(0L, source.counters().get("kernel_dropped"));
                LiveTestSupport.awaitPacketsRead(metered, handler.seen().size()); // the meter's capture sees the same
                exchange.assertRecords(meter.stop(), handler.seen());
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anInterfaceThatDisappearsEndsTheCaptureWithAnIOExceptionNamingIt() throws Exception {
        PcapLiveSource source = LiveTestSupport.open(Map.of("interface", captureEnd), Duration.ofHours(1),
                PcapLiveSource.SYSTEM_CLOCK);
        try (source) {
            RecordingHandler handler = new RecordingHandler();
            Running running = new Running(source, handler);
            Thread.sleep(300);

            ip("link", "del", captureEnd);
            running.thread.join(10_000);

            assertTrue(!running.thread.isAlive(), "run() returned after the interface was deleted");
            assertTrue(running.failure instanceof IOException, String.valueOf(running.failure));
            assertTrue(running.failure.getMessage().startsWith("source 'pcap-live': reading interface '" + captureEnd
                    + "' failed: "), running.failure.getMessage());
        }
    }
}
