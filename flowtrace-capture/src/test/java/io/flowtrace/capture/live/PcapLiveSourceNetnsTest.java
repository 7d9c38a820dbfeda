package io.flowtrace.capture.live;

import io.flowtrace.capture.live.LiveTestSupport.Running;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pcap-live} on a veth interface carrying traffic between two network namespaces the test creates:
 * {@code nsA -- veth -- bridge (root namespace, no address) -- veth -- nsB}. The capture runs in this JVM on the
 * root-side end of nsA's veth; a TCP/UDP server runs in nsB and its client in nsA, each a child JVM under
 * {@code ip netns exec}. Addresses are in 10.250.0.0/16 and exist only inside the two namespaces; everything is
 * deleted after each test, also on failure. Needs root and iproute2.
 */
class PcapLiveSourceNetnsTest {
    private static final String PREFIX = "ftlv";
    private static final int MESSAGES = 25;

    private BridgedNamespaces net;
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
        net = BridgedNamespaces.create(PREFIX, 250);
        nsA = net.nsA;
        nsB = net.nsB;
        captureEnd = net.captureEnd;
        serverAddress = net.serverAddress;
    }

    @AfterEach
    void deleteNamespacesAndLinks() {
        if (net != null) {
            net.close();
        }
    }

    private static List<String> inNamespace(String ns) {
        return BridgedNamespaces.inNamespace(ns);
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

            BridgedNamespaces.ip("link", "del", captureEnd);
            running.thread.join(10_000);

            assertTrue(!running.thread.isAlive(), "run() returned after the interface was deleted");
            assertTrue(running.failure instanceof IOException, String.valueOf(running.failure));
            assertTrue(running.failure.getMessage().startsWith("source 'pcap-live': reading interface '" + captureEnd
                    + "' failed: "), running.failure.getMessage());
        }
    }
}
