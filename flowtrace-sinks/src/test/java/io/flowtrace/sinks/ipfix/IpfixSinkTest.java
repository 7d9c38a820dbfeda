package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.Plugins;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.ManualClock;
import io.flowtrace.testkit.TestEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpfixSinkTest {
    private static final long T0 = TestEvents.BASE_NANOS + 123_456_789L;

    private static PluginConfig config(Object... pairs) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("host", "127.0.0.1");
        for (int i = 0; i < pairs.length; i += 2) {
            values.put((String) pairs[i], pairs[i + 1]);
        }
        return new PluginConfig("sink 'ipfix'", values);
    }

    /** A sink over UDP whose clocks the test drives. */
    private static IpfixSink udpSink(AtomicLong nanos, Object... pairs) {
        IpfixSettings s = IpfixSinkProvider.settings(config(pairs));
        return new IpfixSink("ipfix", s, new UdpTransport(s), nanos::get, new ManualClock(1_700_000_000_000L));
    }

    /** 10.1.2.3:51000 -> 192.0.2.7:443 on VLAN 42, TCP, 5 packets one way and 4 the other, ended by FIN. */
    private static FlowEvent tcpEvent() {
        FlowKey key = new FlowKey(4, 0, 0x0A010203L, 0, 0xC0000207L, 51000, 443, 6, 42);
        return new FlowEvent(FlowEvent.flowIdOf(key, T0), key, T0, T0 + 2_345_678_901L, 5, 4, 600, 3000, 530, 2944,
                0x1b, 0x1a, EndReason.TCP_FIN, "eth0", "h", Direction.OUTBOUND);
    }

    /** 2001:db8::1:5353 -> 2001:db8::2:53, UDP, one way only. */
    private static FlowEvent udp6OneWay() throws Exception {
        FlowKey key = FlowKey.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8::2"), 5353,
                53, 17);
        return new FlowEvent(FlowEvent.flowIdOf(key, T0), key, T0, T0 + 1_000_000L, 3, 0, 330, 0, 288, 0, 0, 0,
                EndReason.IDLE_TIMEOUT, null, null, Direction.UNKNOWN);
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(strings = {"10", "9"})
    void eachDirectionWithPacketsBecomesOneRecordWithTheEventsFields(String version) throws Exception {
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port(), "version", version, "domain-id", 77);
            sink.accept(tcpEvent());
            sink.accept(udp6OneWay());
            sink.close();
            ExportReader r = c.received(1);
            assertEquals(List.of(), r.problems());
            List<ExportReader.DataRecord> recs = r.records();
            assertEquals(3, recs.size(), "forward and reverse of the TCP event, forward only of the one-way event");

            long startMs = T0 / 1_000_000L;
            long endMs = (T0 + 2_345_678_901L) / 1_000_000L;
            ExportReader.DataRecord fwd = recs.get(0);
            assertEquals(77, fwd.domainId());
            assertEquals(MessageWriter.IPV4, fwd.templateId());
            assertEquals(0x0A010203L, fwd.num(8));
            assertEquals(0xC0000207L, fwd.num(12));
            assertEquals(51000, fwd.num(7));
            assertEquals(443, fwd.num(11));
            assertEquals(6, fwd.num(4));
            assertEquals(0x1b, fwd.num(6));
            assertEquals(42, fwd.num(58));
            assertEquals(3, fwd.num(136), "flowEndReason: end of flow detected");
            assertEquals(hostIfIndex("eth0"), fwd.num(10), "ingressInterface: the host's index of eth0, else 0");
            assertEquals(5, fwd.num(2));
            assertEquals(530, fwd.num(1), "octets are IP bytes by default");
            assertEquals(startMs, fwd.startMillis());
            assertEquals(endMs, fwd.endMillis());

            ExportReader.DataRecord rev = recs.get(1);
            assertEquals(0xC0000207L, rev.num(8));
            assertEquals(0x0A010203L, rev.num(12));
            assertEquals(443, rev.num(7));
            assertEquals(51000, rev.num(11));
            assertEquals(0x1a, rev.num(6));
            assertEquals(4, rev.num(2));
            assertEquals(2944, rev.num(1));
            assertEquals(startMs, rev.startMillis());
            assertEquals(endMs, rev.endMillis());

            ExportReader.DataRecord v6 = recs.get(2);
            assertEquals(MessageWriter.IPV6, v6.templateId());
            assertArrayEquals(InetAddress.getByName("2001:db8::1").getAddress(), v6.fields().get(27));
            assertArrayEquals(InetAddress.getByName("2001:db8::2").getAddress(), v6.fields().get(28));
            assertEquals(3, v6.num(2));
            assertEquals(1, v6.num(136), "flowEndReason: idle timeout");
            assertEquals(0, v6.num(10), "ingressInterface: unknown, the event names no interface");
            assertEquals(startMs + 1, v6.endMillis());
            assertEquals(Map.of("sent", 3L, "messages", 1L, "failed", 0L, "templates", 2L, "connects", 0L,
                    "connect-failures", 0L), sink.counters());
        }
    }

    /** The kernel's index of an interface ({@code /sys/class/net/NAME/ifindex}), or 0 when this host has none. */
    private static long hostIfIndex(String name) throws java.io.IOException {
        java.nio.file.Path p = java.nio.file.Path.of("/sys/class/net", name, "ifindex");
        return java.nio.file.Files.exists(p) ? Long.parseLong(java.nio.file.Files.readString(p).trim()) : 0;
    }

    private static FlowEvent onInterface(FlowEvent e, String interfaceName) {
        return new FlowEvent(e.flowId(), e.key(), e.startNanos(), e.endNanos(), e.packetsForward(),
                e.packetsReverse(), e.bytesForward(), e.bytesReverse(), e.ipBytesForward(), e.ipBytesReverse(),
                e.tcpFlagsForward(), e.tcpFlagsReverse(), e.endReason(), interfaceName, e.hostname(), e.direction());
    }

    @Test
    void ingressInterfaceIsTheHostsIndexOfTheCaptureInterfaceOrAFixedNumber() throws Exception {
        long lo = hostIfIndex("lo");
        assertTrue(lo > 0, "this host has lo");
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port());
            sink.accept(onInterface(tcpEvent(), "lo"));
            sink.accept(onInterface(tcpEvent(), "no-such-interface0"));
            sink.close();
            List<ExportReader.DataRecord> recs = c.received(1).records();
            assertEquals(4, recs.size());
            assertEquals(List.of(lo, lo, 0L, 0L), recs.stream().map(r -> r.num(10)).toList());
        }
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port(), "ingress-interface", "4000000000");
            sink.accept(onInterface(tcpEvent(), "lo"));
            sink.accept(udp6OneWay());
            sink.close();
            List<ExportReader.DataRecord> recs = c.received(1).records();
            assertEquals(List.of(4_000_000_000L, 4_000_000_000L, 4_000_000_000L),
                    recs.stream().map(r -> r.num(10)).toList());
        }
    }

    @Test
    void biflowOnExportsOneRecordPerEventWithTheRfc5103ReverseElements() throws Exception {
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port(), "biflow", "on", "domain-id", 5);
            sink.accept(tcpEvent());
            sink.accept(udp6OneWay());
            sink.close();
            ExportReader r = c.received(1);
            assertEquals(List.of(), r.problems());
            // reversePacketDeltaCount, reverseOctetDeltaCount, reverseTcpControlBits: enterprise 29305, each after
            // the forward elements
            for (int template : new int[] {MessageWriter.IPV4, MessageWriter.IPV6}) {
                int[][] fields = r.template(5, template);
                List<String> specs = java.util.Arrays.stream(fields).map(f -> f[0] + "/" + f[1]).toList();
                assertEquals(List.of(ExportReader.reverse(2) + "/8", ExportReader.reverse(1) + "/8",
                        ExportReader.reverse(6) + "/1"), specs.subList(specs.size() - 3, specs.size()), "" + specs);
                assertTrue(specs.containsAll(List.of("2/8", "1/8", "6/1", "10/4", "136/1")), "" + specs);
            }
            List<ExportReader.DataRecord> recs = r.records();
            assertEquals(2, recs.size(), "one biflow record per event");
            ExportReader.DataRecord tcp = recs.get(0);
            assertEquals(0x0A010203L, tcp.num(8), "the initiator is the source");
            assertEquals(0xC0000207L, tcp.num(12));
            assertEquals(51000, tcp.num(7));
            assertEquals(443, tcp.num(11));
            assertEquals(5, tcp.num(2));
            assertEquals(530, tcp.num(1));
            assertEquals(0x1b, tcp.num(6));
            assertEquals(4, tcp.num(ExportReader.reverse(2)));
            assertEquals(2944, tcp.num(ExportReader.reverse(1)));
            assertEquals(0x1a, tcp.num(ExportReader.reverse(6)));
            assertEquals(T0 / 1_000_000L, tcp.startMillis());
            assertEquals((T0 + 2_345_678_901L) / 1_000_000L, tcp.endMillis());
            ExportReader.DataRecord v6 = recs.get(1);
            assertEquals(3, v6.num(2));
            assertEquals(288, v6.num(1));
            assertEquals(0, v6.num(ExportReader.reverse(2)), "no answer: reverse counters 0");
            assertEquals(0, v6.num(ExportReader.reverse(1)));
            assertEquals(Map.of("sent", 2L, "messages", 1L, "failed", 0L, "templates", 2L, "connects", 0L,
                    "connect-failures", 0L), sink.counters());
        }
    }

    @Test
    void biflowNeedsIpfixAndRoomForItsRecords() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> IpfixSinkProvider.settings(
                config("biflow", "on", "version", "9", "mtu", "256", "ingress-interface", "eth0")));
        for (String part : List.of("biflow: on with version 9", "mtu: 256 with biflow on",
                "ingress-interface: 'eth0'")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void wireBytesAreExportedWhenAsked() throws Exception {
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port(), "bytes", "wire");
            sink.accept(tcpEvent());
            sink.close();
            List<ExportReader.DataRecord> recs = c.received(1).records();
            assertEquals(600, recs.get(0).num(1));
            assertEquals(3000, recs.get(1).num(1));
        }
    }

    @Test
    void endReasonsMapToIanaFlowEndReason() {
        Map<EndReason, Integer> want = Map.of(EndReason.IDLE_TIMEOUT, 1, EndReason.ACTIVE_TIMEOUT, 2,
                EndReason.TCP_FIN, 3, EndReason.TCP_RST, 3, EndReason.END_OF_CAPTURE, 4, EndReason.SHUTDOWN, 4,
                EndReason.EVICTED, 5);
        for (EndReason r : EndReason.values()) {
            assertEquals(want.get(r), MessageWriter.endReason(r), r.name());
        }
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(strings = {"10", "9"})
    void messagesStayWithinTheMtuAndCarrySequenceNumbersAsTheRfcDefinesThem(String version) throws Exception {
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(new AtomicLong(), "port", c.port(), "version", version, "mtu", 300);
            List<FlowEvent> events = TestEvents.events(0, 200);
            for (FlowEvent e : events) {
                sink.accept(e);
            }
            sink.close();
            long messages = sink.counters().get("messages");
            ExportReader r = c.received(messages);
            assertEquals(List.of(), r.problems(), "the reader checks lengths and sequence numbers");
            assertEquals(400, r.records().size());
            assertEquals(400L, sink.counters().get("sent"));
            assertEquals(messages, r.messageLengths().size());
            assertTrue(messages >= 400 * 41 / 300, "messages: " + messages);
            for (int len : r.messageLengths()) {
                assertTrue(len <= 300, "a message of " + len + " bytes (mtu 300)");
            }
            assertEquals(TestEvents.idsOf(events), r.eventIds());
        }
    }

    @Test
    void templatesAreSentAgainEveryTemplatePacketsMessagesAndAfterTheInterval() throws Exception {
        AtomicLong nanos = new AtomicLong();
        try (UdpCollector c = new UdpCollector()) {
            IpfixSink sink = udpSink(nanos, "port", c.port(), "template-packets", 3, "template-interval", "60s");
            for (int i = 0; i < 7; i++) { // one message each: templates in the 1st and the 5th
                sink.accept(TestEvents.event(i));
                sink.flush();
            }
            assertEquals(2, c.received(7).messagesWithTemplates());
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
            sink.accept(TestEvents.event(7)); // the 3rd message since the last templates, but 61 s later
            sink.close();
            ExportReader r = c.received(8);
            assertEquals(3, r.messagesWithTemplates());
            assertEquals(6L, sink.counters().get("templates"));
            assertEquals(List.of(), r.problems());
            assertEquals(0, r.unknownSets());
        }
    }

    @Test
    void aUdpSendThatFailsIsCountedAndNotThrown() throws Exception {
        // a broadcast address without SO_BROADCAST: the kernel refuses every datagram
        IpfixSink sink = udpSink(new AtomicLong(), "host", "255.255.255.255", "port", 4739);
        List<FlowEvent> events = TestEvents.events(0, 10);
        for (FlowEvent e : events) {
            sink.accept(e);
        }
        sink.flush();
        sink.close();
        Map<String, Long> counters = sink.counters();
        assertEquals(20L, counters.get("failed"), counters.toString());
        assertEquals(0L, counters.get("sent"));
        assertEquals(0L, counters.get("messages"));
    }

    @Test
    void overTcpAnAbsentCollectorIsCountedAndEveryNewConnectionGetsTheTemplatesFirst() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        IpfixSettings settings = IpfixSinkProvider.settings(config("port", port, "transport", "tcp",
                "backoff", "20ms", "backoff-max", "20ms", "connect-timeout", "2s"));
        IpfixSink sink = new IpfixSink("ipfix", settings, new TcpTransport(settings, System::nanoTime),
                System::nanoTime, new ManualClock(1_700_000_000_000L));
        sink.accept(TestEvents.event(0));
        sink.flush();
        assertEquals(1L, sink.counters().get("connect-failures"));
        assertEquals(2L, sink.counters().get("failed"), "both records of the event");

        try (TcpCollector c = new TcpCollector(port)) {
            Thread.sleep(50); // past the backoff
            int i = 1;
            sink.accept(TestEvents.event(i++));
            sink.flush();
            assertEquals(1L, sink.counters().get("connects"));
            c.quiet();
            c.dropConnections(); // as a restarting collector would
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sink.counters().get("connects") < 2 && System.nanoTime() < deadline) {
                sink.accept(TestEvents.event(i++)); // the first writes after a reset may still be taken
                sink.flush();
                Thread.sleep(30);
            }
            assertEquals(2L, sink.counters().get("connects"), sink.counters().toString());
            sink.accept(TestEvents.event(i));
            sink.close();
            ExportReader r = c.closedByExporter();
            assertEquals(2, r.messagesWithTemplates(), "templates lead each connection");
            assertEquals(0, r.unknownSets());
            assertEquals(List.of(), r.problems());
            assertTrue(r.records().size() >= 4, "records after each connection: " + r.records().size());
            assertEquals(4L, sink.counters().get("templates"));
        }
    }

    @Test
    void netflowV9OverTcpIsRefusedBecauseItsMessagesCannotBeFramed() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> IpfixSinkProvider.settings(config("version", "9", "transport", "tcp")));
        assertTrue(e.getMessage().contains("transport: tcp with version 9"), e.getMessage());
    }

    @Test
    void badSettingsAreReportedTogetherWithTheKnownKeys() {
        PluginConfig config = new PluginConfig("sink 'ipfix'", Map.of("version", "5", "mtu", "100", "prot", "1"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> IpfixSinkProvider.settings(config));
        for (String part : List.of("host: missing", "version: '5'", "mtu: 100", "unknown key 'prot'",
                "template-packets")) {
            assertTrue(e.getMessage().contains(part), part + " in " + e.getMessage());
        }
    }

    @Test
    void theDefaultPortFollowsTheVersion() {
        assertEquals(4739, IpfixSinkProvider.settings(config()).port());
        assertEquals(2055, IpfixSinkProvider.settings(config("version", "9")).port());
        assertEquals(Duration.ofSeconds(60), IpfixSinkProvider.settings(config()).templateInterval());
    }

    @Test
    void isFoundByNameAndCreatesASinkWithoutConnecting() throws Exception {
        Sink sink = Plugins.discover().sink("ipfix")
                .create(config("port", 9, "transport", "tcp"));
        assertInstanceOf(IpfixSink.class, sink);
        assertEquals("ipfix", sink.name());
        assertEquals(0L, sink.counters().get("connect-failures"), "no connection before the first record");
        sink.close();
    }
}
