package io.flowtrace.capture.live;

import io.flowtrace.core.spi.LinkType;
import io.flowtrace.capture.live.LiveTestSupport.Running;
import io.flowtrace.capture.live.RecordingHandler.Seen;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pcap-live} on the loopback interface, with traffic the test makes itself. Needs root. */
class PcapLiveSourceTest {
    private static final int MESSAGES = 20;
    private static final Duration ONE_HOUR = Duration.ofHours(1);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void needsCapturePrivileges() {
        LiveTestSupport.requireCaptureCapabilities();
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private PcapLiveSource open(String filter, Duration heartbeat) {
        PcapLiveSource source = LiveTestSupport.open(Map.of("interface", "lo", "filter", filter), heartbeat,
                PcapLiveSource.SYSTEM_CLOCK);
        toClose.add(source);
        return source;
    }

    private TrafficMaker.Server server() throws Exception {
        TrafficMaker.Server server = new TrafficMaker.Server(InetAddress.getLoopbackAddress(), MESSAGES);
        toClose.add(server);
        return server;
    }

    /** A source capturing one loopback exchange, running from construction on, before any traffic. */
    private final class LoopbackCapture {
        final TrafficMaker.Server server = server();
        final Exchange exchange = new Exchange(server.tcpPort(), server.udpPort(), MESSAGES);
        final RecordingHandler handler = new RecordingHandler();
        final PcapLiveSource source;
        final Running running;

        /** @param settings the source's settings beside its interface and the exchange's filter */
        LoopbackCapture(Map<String, String> settings) throws Exception {
            Map<String, String> all = new HashMap<>(settings);
            all.put("interface", "lo");
            all.put("filter", exchange.filter());
            source = LiveTestSupport.open(all, ONE_HOUR, PcapLiveSource.SYSTEM_CLOCK);
            toClose.add(source);
            running = new Running(source, handler);
        }

        /** Runs the client's exchange with the server and waits until the handler has seen all of it. */
        void exchange() throws Exception {
            server.start();
            TrafficMaker.client(InetAddress.getLoopbackAddress(), server.tcpPort(), server.udpPort(), MESSAGES);
            server.await();
            handler.awaitUntil(exchange::complete, 10_000);
        }

        /** The exchange, then the capture stopped. */
        void exchangeAndStop() throws Exception {
            exchange();
            running.stopAndJoin();
        }
    }

    @Test
    void capturesEveryTcpAndUdpPacketExchangedOnLoopbackInBothDirections() throws Exception {
        LoopbackCapture capture = new LoopbackCapture(Map.of());

        capture.exchangeAndStop();

        assertNull(capture.running.failure);
        capture.exchange.assertCaptured(capture.handler.seen());
        assertEquals(0, capture.handler.other(), "frames outside the filter");
    }

    @Test
    void flowRecordsOfTheLoopbackExchangeCountWhatWasSentPerDirection() throws Exception {
        LoopbackCapture raw = new LoopbackCapture(Map.of());
        PcapLiveSource metered = open(raw.exchange.filter(), Duration.ofSeconds(1));
        LiveTestSupport.Meter meter = new LiveTestSupport.Meter(metered);
        toClose.add(meter);

        raw.exchange();
        LiveTestSupport.awaitPacketsRead(metered, raw.handler.seen().size()); // the meter's capture sees the same
        raw.running.stopAndJoin();
        List<io.flowtrace.core.FlowEvent> records = meter.stop();

        raw.exchange.assertRecords(records, raw.handler.seen());
    }

    @Test
    void framesCarryWallClockNanosecondTimestampsTheirWholeLengthAndEthernetLinkType() throws Exception {
        LoopbackCapture capture = new LoopbackCapture(Map.of());

        long before = PcapLiveSource.SYSTEM_CLOCK.getAsLong();
        capture.exchange();
        long after = PcapLiveSource.SYSTEM_CLOCK.getAsLong();
        capture.running.stopAndJoin();

        List<Seen> seen = capture.handler.seen();
        assertTrue(capture.exchange.complete(seen));
        long previous = Long.MIN_VALUE;
        boolean subMicrosecond = false;
        for (Seen s : seen) {
            assertEquals(LinkType.ETHERNET, s.linkType(), "loopback is Ethernet");
            assertEquals(s.wireLength(), s.capturedLength(), "snaplen keeps whole frames");
            assertTrue(s.timestampNanos() >= before - 1_000_000 && s.timestampNanos() <= after + 1_000_000,
                    "timestamp " + s.timestampNanos() + " within the exchange [" + before + ", " + after + "]");
            assertTrue(s.timestampNanos() >= previous, "timestamps do not go back");
            previous = s.timestampNanos();
            subMicrosecond |= s.timestampNanos() % 1000 != 0;
        }
        assertTrue(subMicrosecond, "nanosecond precision: some timestamp is not a whole microsecond");
    }

    @Test
    void snaplenCutsFramesButKeepsTheirWireLength() throws Exception {
        LoopbackCapture capture = new LoopbackCapture(Map.of("snaplen", "64"));

        capture.exchangeAndStop();

        List<Seen> seen = capture.handler.seen();
        assertTrue(capture.exchange.complete(seen));
        for (Seen s : seen) {
            assertTrue(s.capturedLength() <= 64, "captured " + s.capturedLength());
        }
        // a 300-byte TCP reply: 14 + 20 + 32 (timestamps option) + 300 on the wire
        assertTrue(seen.stream().anyMatch(s -> s.wireLength() >= 14 + 20 + 20 + TrafficMaker.TCP_RESPONSE));
    }

    @Test
    void countersReportPacketsReadAndNoKernelDrops() throws Exception {
        LoopbackCapture capture = new LoopbackCapture(Map.of());

        capture.exchangeAndStop();

        Map<String, Long> counters = capture.source.counters();
        long packets = capture.handler.seen().size() + capture.handler.other();
        assertEquals(packets, counters.get("packets_read"));
        long bytes = capture.handler.seen().stream().mapToLong(Seen::capturedLength).sum();
        assertEquals(bytes, counters.get("bytes_read"));
        assertTrue(counters.get("kernel_received") >= packets, counters.toString());
        assertEquals(0L, counters.get("kernel_dropped"));
        assertEquals(0L, counters.get("interface_dropped"));
    }

    @Test
    void stopReturnsPromptlyWhenNoPacketArrives() throws Exception {
        // a filter nothing matches, and a heartbeat too slow to help: only breaking the loop can end run()
        PcapLiveSource source = open("udp port 9 and udp port 7", ONE_HOUR);
        RecordingHandler handler = new RecordingHandler();
        Running running = new Running(source, handler);
        Thread.sleep(500); // let run() block inside libpcap

        long took = running.stopAndJoin();

        System.out.printf("pcap-live: run() returned %.1f ms after stop() with no traffic%n", took / 1e6);
        assertNull(running.failure);
        assertTrue(handler.seen().isEmpty());
    }

    @Test
    void stopBeforeRunMakesRunReturnAtOnce() throws Exception {
        PcapLiveSource source = open("", ONE_HOUR);
        source.stop();
        source.run(new RecordingHandler());
        assertThrows(IllegalStateException.class, () -> source.run(new RecordingHandler()), "a source runs once");
    }

    @Test
    void idleInterfaceGetsWallClockHeartbeatsOnTheCapturingThread() throws Exception {
        AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
        PcapLiveSource source = LiveTestSupport.open(Map.of("interface", "lo", "filter", "udp port 9 and udp port 7",
                "timeout", "100ms"), Duration.ofMillis(100), () -> clock.addAndGet(1_000_000_000L));
        toClose.add(source);
        RecordingHandler handler = new RecordingHandler();
        Running running = new Running(source, handler);
        handler.awaitAtLeast(0, 3, 10_000);
        running.stopAndJoin();

        List<Long> idle = handler.idle();
        List<Thread> threads = handler.idleThreads();
        assertTrue(idle.size() >= 3, "heartbeats: " + idle);
        for (int i = 0; i < 3; i++) {
            // the clock, less the read timeout a packet may still be waiting in the kernel
            assertEquals(1_700_000_000_000_000_000L + (i + 1) * 1_000_000_000L - 100_000_000L, idle.get(i));
            assertSame(running.thread, threads.get(i), "onIdle runs on the thread that runs the source");
        }
    }

    @Test
    void inImmediateModeTheHeartbeatIsTheClockItself() throws Exception {
        AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
        PcapLiveSource source = LiveTestSupport.open(Map.of("interface", "lo", "filter", "udp port 9 and udp port 7",
                "immediate", "on", "snaplen", "128"), Duration.ofMillis(100), () -> clock.addAndGet(1_000_000_000L));
        toClose.add(source);
        RecordingHandler handler = new RecordingHandler();
        Running running = new Running(source, handler);
        handler.awaitAtLeast(0, 1, 10_000);
        running.stopAndJoin();

        assertEquals(1_700_000_000_000_000_000L + 1_000_000_000L, handler.idle().get(0));
    }

    @Test
    void systemClockIsEpochNanoseconds() {
        long nanos = PcapLiveSource.SYSTEM_CLOCK.getAsLong();
        long millis = Instant.now().toEpochMilli();
        assertTrue(Math.abs(nanos / 1_000_000 - millis) < 5_000, nanos + " vs " + millis);
    }

    @Test
    void aFailingHandlerEndsTheCaptureWithItsException() throws Exception {
        TrafficMaker.Server server = server();
        Exchange exchange = new Exchange(server.tcpPort(), server.udpPort(), MESSAGES);
        PcapLiveSource source = open(exchange.filter(), ONE_HOUR);
        IllegalStateException boom = new IllegalStateException("handler failed");
        AtomicLong calls = new AtomicLong();
        PacketHandler failing = (ts, link, data, off, cap, wire, iface) -> {
            calls.incrementAndGet();
            throw boom;
        };
        Thread runner = new Thread(() -> {
            try {
                TrafficMaker.client(InetAddress.getLoopbackAddress(), server.tcpPort(), server.udpPort(), MESSAGES);
            } catch (Exception ignored) {
                // only the first packet matters
            }
        });
        server.start();
        runner.start();

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> source.run(failing));

        assertSame(boom, thrown);
        assertEquals(1, calls.get(), "no packet after the failure");
        runner.join();
    }

    @Test
    void providerIsFoundByNameAndReportsALiveSource() {
        PacketSourceProvider found = null;
        for (PacketSourceProvider p : ServiceLoader.load(PacketSourceProvider.class)) {
            if (p.name().equals("pcap-live")) {
                found = p;
            }
        }
        assertTrue(found instanceof PcapLiveSourceProvider, "pcap-live is registered");
        try (var source = found.create(new PluginConfig("source 'pcap-live'", Map.of("interface", "lo")))) {
            assertTrue(source.isLive());
            assertEquals("lo", source.description());
            assertEquals("lo", source.interfaceName(0));
            assertNull(source.interfaceName(1));
        }
    }

    @Test
    void everyBadSettingIsReportedAtOnceWithTheKnownKeys() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> new PcapLiveSourceProvider().create(new PluginConfig("source 'pcap-live'",
                        Map.of("snaplen", "10", "promiscuous", "maybe", "timeout", "2m", "buffer_size", "1x",
                                "iface", "lo"))));
        String m = e.getMessage();
        for (String part : List.of("interface: missing", "snaplen: 10", "promiscuous: 'maybe'", "timeout: ",
                "buffer_size: ", "unknown key 'iface'",
                "buffer_size, filter, immediate, interface, promiscuous, snaplen, timeout")) {
            assertTrue(m.contains(part), "'" + part + "' in: " + m);
        }
        assertFalse(m.contains("libpcap"), m);
    }
}
