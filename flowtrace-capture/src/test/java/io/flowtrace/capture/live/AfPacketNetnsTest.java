package io.flowtrace.capture.live;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code af-packet} on a veth interface carrying traffic between two network namespaces the test creates:
 * {@code nsA -- veth -- bridge (root namespace, no address) -- veth -- nsB}. The capture runs in this JVM on the
 * root-side end of nsA's veth; {@link UdpFlowMaker}'s server runs in nsB and its client in nsA, each a child JVM
 * under {@code ip netns exec}, so the packets and bytes of every conversation are known exactly. Names start with
 * {@code ftaf}; what a killed run left behind is removed first, and everything is deleted after each test. Needs
 * root and iproute2.
 */
class AfPacketNetnsTest {
    private static final String PREFIX = "ftaf";
    private static final int FLOWS = 40;
    private static final int PACKETS = 12;

    private BridgedNamespaces net;
    private String nsA;
    private String nsB;
    private String captureEnd;
    private String serverAddress;

    @BeforeAll
    static void needsCapturePrivilegesAndNoLeftovers() throws Exception {
        LiveTestSupport.requireCaptureCapabilities();
        BridgedNamespaces.removeLeftovers(PREFIX);
    }

    @BeforeEach
    void createNamespacesAndLinks() throws Exception {
        net = BridgedNamespaces.create(PREFIX, 251);
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

    private PacketSource afPacket(Map<String, String> extra) {
        Map<String, String> values = new LinkedHashMap<>(extra);
        values.put("interface", captureEnd);
        return new AfPacketSourceProvider().create(new PluginConfig("source 'af-packet'", values));
    }

    private PacketSource pcapLive(String filter) {
        return new PcapLiveSourceProvider().create(new PluginConfig("source 'pcap-live'",
                Map.of("interface", captureEnd, "filter", filter)));
    }

    /** Starts the server in nsB; returns it with its port. */
    private Process startServer() throws IOException {
        return new ProcessBuilder(LiveTestSupport.javaCommandLine(inNamespace(nsB), List.of(), UdpFlowMaker.class,
                "server", serverAddress)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Runs the client in nsA against {@code port}; returns the flows' source ports. */
    private int[] runClient(int port) throws Exception {
        String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(inNamespace(nsA), List.of(),
                UdpFlowMaker.class, "client", serverAddress, String.valueOf(port), String.valueOf(FLOWS),
                String.valueOf(PACKETS))).trim();
        assertTrue(out.startsWith("PORTS "), out);
        String[] words = out.substring(6).split(" ");
        int[] ports = new int[words.length];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = Integer.parseInt(words[i]);
        }
        assertEquals(FLOWS, ports.length);
        return ports;
    }

    private static long packetsRead(LiveTestSupport.Meter meter) {
        return meter.stats().packetsRead();
    }

    private static void awaitPackets(LiveTestSupport.Meter meter, long packets) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (packetsRead(meter) < packets && System.nanoTime() < end) {
            Thread.sleep(20);
        }
    }

    private static List<FlowEvent> sorted(List<FlowEvent> events) {
        List<FlowEvent> out = new ArrayList<>(events);
        out.sort(Comparator.comparingInt((FlowEvent e) -> e.key().srcPort()).thenComparingLong(FlowEvent::startNanos));
        return out;
    }

    @Test
    void oneSocketTwoFanoutSocketsAndPcapLiveMeterEveryConversationAsItWasSent() throws Exception {
        Process server = startServer();
        try {
            String ready = TrafficMaker.readLine(server);
            assertTrue(ready.startsWith("READY "), "server in " + nsB + " said: '" + ready + "'");
            int port = Integer.parseInt(ready.substring(6).trim());
            String filter = "udp and host " + serverAddress + " and port " + port;
            PacketSource twoSockets = afPacket(Map.of("filter", filter));
            LiveTestSupport.Meter one = new LiveTestSupport.Meter(afPacket(Map.of("filter", filter)), 1, false);
            LiveTestSupport.Meter two = new LiveTestSupport.Meter(twoSockets, 2, false);
            LiveTestSupport.Meter pcap = new LiveTestSupport.Meter(pcapLive(filter), 1, false);
            try (one; two; pcap) {
                int[] ports = runClient(port);
                assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server finished");
                long frames = 2L * FLOWS * PACKETS + 1; // and the datagram that ends the server
                awaitPackets(one, frames);
                awaitPackets(two, frames);
                awaitPackets(pcap, frames);
                assertEquals(2L, twoSockets.counters().get("sockets"), "a socket per worker");
                List<FlowEvent> byOne = sorted(one.stop());
                List<FlowEvent> byTwo = sorted(two.stop());
                List<FlowEvent> byPcap = sorted(pcap.stop());

                Map<Integer, FlowEvent> bySourcePort = new HashMap<>();
                for (FlowEvent e : byOne) {
                    assertNull(bySourcePort.put(e.key().srcPort(), e), "one record per conversation: " + e);
                }
                for (int f = 0; f < FLOWS; f++) {
                    FlowEvent e = bySourcePort.get(ports[f]);
                    assertNotNull(e, "flow " + f + " from port " + ports[f] + " in " + byOne);
                    int request = 14 + 20 + 8 + UdpFlowMaker.requestSize(f);
                    int answer = request + 100;
                    assertAll("flow " + f,
                            () -> assertEquals(port, e.key().dstPort(), "the client initiates"),
                            () -> assertEquals(PACKETS, e.packetsForward(), "datagrams client to server"),
                            () -> assertEquals(PACKETS, e.packetsReverse(), "datagrams server to client"),
                            () -> assertEquals((long) PACKETS * request, e.bytesForward(), "bytes client to server"),
                            () -> assertEquals((long) PACKETS * answer, e.bytesReverse(), "bytes server to client"));
                }
                assertEquals(FLOWS + 1, byOne.size(), "the flows and the one that ends the server: " + byOne);
                assertEquals(byOne, byTwo, "two fanout sockets meter what one socket does");
                assertEquals(byPcap, byOne, "af-packet meters what pcap-live does");
                assertEquals(frames, one.stats().packetsRead());
                assertEquals(frames, two.stats().packetsRead());
                assertEquals(0L, two.stats().sourceCounters().get("kernel_dropped"));
                assertEquals(frames, two.stats().sourceCounters().get("kernel_received"));
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void vlanTagsTheKernelTookOutOfTheFrameArePutBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // tagged frames replayed into nsA's end of the veth: the receiving end's kernel moves the tag out of the
        // frame into the packet's metadata, where AF_PACKET reports it beside the frame
        int port = 40_000 + ThreadLocalRandom.current().nextInt(1000);
        java.nio.file.Path pcap = dir.resolve("vlan.pcap");
        List<byte[]> frames = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            for (int i = 0; i < 5; i++) {
                frames.add(io.flowtrace.testkit.frames.Frames.ethVlan(100, 0x0800, io.flowtrace.testkit.frames.Frames
                        .ipv4(17, "10.253.0.1", "10.253.0.2", io.flowtrace.testkit.frames.Frames.udp(30_000 + f, port,
                                new byte[20 + f]))));
                frames.add(io.flowtrace.testkit.frames.Frames.ethVlan(100, 0x0800, io.flowtrace.testkit.frames.Frames
                        .ipv4(17, "10.253.0.2", "10.253.0.1", io.flowtrace.testkit.frames.Frames.udp(port, 30_000 + f,
                                new byte[120 + f]))));
            }
        }
        writePcap(pcap, frames);
        String filter = "vlan and udp port " + port;
        // the kernel filters the frame without its tag (libpcap's filters for its own sockets test the tag apart)
        LiveTestSupport.Meter af = new LiveTestSupport.Meter(afPacket(Map.of("filter", "udp port " + port)), 1, false,
                true);
        LiveTestSupport.Meter pcapLive = new LiveTestSupport.Meter(new PcapLiveSourceProvider().create(
                new PluginConfig("source 'pcap-live'", Map.of("interface", captureEnd, "filter", filter))), 1, false,
                true);
        try (af; pcapLive) {
            LiveTestSupport.runCommand(List.of("ip", "netns", "exec", nsA, "tcpreplay", "-q", "-i",
                    captureEnd + "p", pcap.toString()));
            awaitPackets(pcapLive, frames.size());
            awaitPackets(af, frames.size());
            List<FlowEvent> byAf = sorted(ofPort(af.stop(), port));
            List<FlowEvent> byPcap = sorted(ofPort(pcapLive.stop(), port));
            assertEquals(3, byAf.size(), byAf.toString());
            for (int f = 0; f < 3; f++) {
                FlowEvent e = byAf.get(f);
                int forward = 14 + 4 + 20 + 8 + 20 + f;
                assertAll("flow " + f,
                        () -> assertEquals(100, e.key().vlan(), "the tag put back"),
                        () -> assertEquals(5, e.packetsForward()),
                        () -> assertEquals(5, e.packetsReverse()),
                        () -> assertEquals(5L * forward, e.bytesForward(), "wire bytes with the tag"),
                        () -> assertEquals(5L * (forward + 100), e.bytesReverse(), "wire bytes with the tag"));
            }
            assertEquals(byPcap, byAf, "af-packet meters the tagged frames as pcap-live does");
        }
    }

    /** A pcap of Ethernet frames, microsecond timestamps one apart. */
    private static void writePcap(java.nio.file.Path file, List<byte[]> frames) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + frames.size() * (16 + 2048))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        int i = 0;
        for (byte[] f : frames) {
            b.putInt(1_700_000_000).putInt(i++).putInt(f.length).putInt(f.length).put(f);
        }
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
    }

    private static List<FlowEvent> ofPort(List<FlowEvent> events, int port) {
        List<FlowEvent> out = new ArrayList<>();
        for (FlowEvent e : events) {
            if (e.key().dstPort() == port) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void theFilterRunsInTheKernelAndPassesExactlyWhatItMatches() throws Exception {
        Process server = startServer();
        try {
            String ready = TrafficMaker.readLine(server);
            int port = Integer.parseInt(ready.substring(6).trim());
            // only the client's datagrams: not the answers, ARP, neighbour discovery
            PacketSource source = afPacket(Map.of("filter", "udp and dst host " + serverAddress + " and dst port "
                    + port));
            try (source) {
                RecordingHandler handler = new RecordingHandler();
                LiveTestSupport.Running running = new LiveTestSupport.Running(source, handler);
                int[] ports = runClient(port);
                assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server finished");
                int expected = FLOWS * PACKETS + 1;
                handler.awaitAtLeast(expected, 0, 20_000);
                Map<String, Long> counters = source.counters();
                running.stopAndJoin();

                assertNull(running.failure);
                List<RecordingHandler.Seen> seen = handler.seen();
                assertEquals(expected, seen.size());
                assertEquals(0, handler.other(), "frames outside the filter");
                for (RecordingHandler.Seen s : seen) {
                    assertEquals(port, s.dstPort());
                }
                for (int f = 0; f < FLOWS; f++) {
                    int p = ports[f];
                    assertEquals(PACKETS, seen.stream().filter(s -> s.srcPort() == p).count(), "flow " + f);
                }
                assertEquals((long) expected, counters.get("kernel_received"), "the kernel counts what passed");
                assertEquals(0L, counters.get("kernel_dropped"));
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTinyRingUnderABurstCountsWhatTheKernelDropped() throws Exception {
        int count = 3_000;
        int port = 40_000 + ThreadLocalRandom.current().nextInt(1000);
        // two blocks of 4 KiB: some 25 datagrams of 120 bytes each
        PacketSource source = afPacket(Map.of("filter", "udp and dst port " + port, "ring_size", "8KiB",
                "block_size", "4KiB", "block_timeout", "1ms"));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        RecordingHandler recording = new RecordingHandler();
        io.flowtrace.core.spi.PacketHandler stalled = new io.flowtrace.core.spi.PacketHandler() {
            @Override
            public void onPacket(long ts, int link, byte[] data, int off, int cap, int wire, int ifIndex) {
                try {
                    release.await(); // the capture thread holds its block while the burst arrives
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                recording.onPacket(ts, link, data, off, cap, wire, ifIndex);
            }
        };
        try (source) {
            Throwable[] failure = new Throwable[1];
            Thread capture = new Thread(() -> {
                try {
                    source.run(stalled);
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "stalled-capture");
            capture.start();
            Thread.sleep(200); // the socket is bound when run starts
            String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(inNamespace(nsA), List.of(),
                    UdpFlowMaker.class, "burst", serverAddress, String.valueOf(port), String.valueOf(count), "78"));
            assertTrue(out.startsWith("SENT "), out);
            release.countDown();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Map<String, Long> c = source.counters();
            while (c.get("packets_read") + c.get("kernel_dropped") < count && System.nanoTime() < end) {
                Thread.sleep(20);
                c = source.counters();
            }
            source.stop();
            capture.join(10_000);
            assertTrue(!capture.isAlive(), "run() returned after stop()");
            assertNull(failure[0]);
            c = source.counters();
            long read = c.get("packets_read");
            long dropped = c.get("kernel_dropped");
            assertTrue(dropped > 0, "a stalled reader of a tiny ring loses frames: " + c);
            assertEquals(count, read + dropped, "every frame read or counted as dropped: " + c);
            assertEquals(count, c.get("kernel_received"), c.toString());
            assertEquals(read, recording.seen().size());
        }
    }

    @Test
    void withTunnelsDecodedTheSourceStaysOneSocket() throws Exception {
        PacketSource source = afPacket(Map.of());
        LiveTestSupport.Meter meter = new LiveTestSupport.Meter(source, 2, true);
        try (meter) {
            assertEquals(1L, source.counters().get("sockets"));
            meter.stop();
        }
        PacketSource plain = afPacket(Map.of());
        LiveTestSupport.Meter two = new LiveTestSupport.Meter(plain, 2, false);
        try (two) {
            assertEquals(2L, plain.counters().get("sockets"));
            two.stop();
        }
    }

    @Test
    void anInterfaceThatDisappearsEndsTheCaptureWithAnIOExceptionNamingIt() throws Exception {
        PacketSource source = afPacket(Map.of());
        try (source) {
            RecordingHandler handler = new RecordingHandler();
            LiveTestSupport.Running running = new LiveTestSupport.Running(source, handler);
            Thread.sleep(300);

            BridgedNamespaces.ip("link", "del", captureEnd);
            running.thread.join(10_000);

            assertTrue(!running.thread.isAlive(), "run() returned after the interface was deleted");
            assertTrue(running.failure instanceof IOException, String.valueOf(running.failure));
            assertEquals("source 'af-packet': reading interface '" + captureEnd + "' failed: Network is down (the "
                    + "interface went down or away)", running.failure.getMessage());
        }
    }

    @Test
    void anInterfaceThatIsDownIsRefusedWithWhatToDo() throws Exception {
        BridgedNamespaces.ip("link", "set", captureEnd, "down");
        FlowTraceException e = org.junit.jupiter.api.Assertions.assertThrows(FlowTraceException.class,
                () -> afPacket(Map.of()).close());
        assertEquals("source 'af-packet': interface '" + captureEnd + "' is down (expected: an interface that is up,"
                + " e.g. ip link set " + captureEnd + " up)", e.getMessage());
    }
}
