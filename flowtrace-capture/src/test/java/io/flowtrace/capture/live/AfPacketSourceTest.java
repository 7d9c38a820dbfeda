package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.Plugins;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code af-packet}'s settings, the errors of opening it, and what a stop meters; capture itself is tested on a veth
 * pair ({@link AfPacketNetnsTest}). Needs root (the unprivileged case runs in a child JVM).
 */
class AfPacketSourceTest {

    @BeforeAll
    static void needsCapturePrivileges() {
        LiveTestSupport.requireCaptureCapabilities();
    }

    private static FlowTraceException openFails(Map<String, String> values) {
        return assertThrows(FlowTraceException.class,
                () -> new AfPacketSourceProvider().create(new PluginConfig("source 'af-packet'", values)).close());
    }

    @Test
    void providerIsFoundByNameAndOpensALiveSourceOnLoopback() {
        PacketSource s = Plugins.discover().source("af-packet").create(new PluginConfig("source 'af-packet'",
                Map.of("interface", "lo")));
        try (s) {
            assertTrue(s.isLive());
            assertEquals("lo", s.description());
            assertEquals("lo", s.interfaceName(0));
            assertEquals(List.of("packets_read", "bytes_read", "kernel_received", "kernel_dropped", "kernel_freezes",
                    "ring_malformed", "sockets"), List.copyOf(s.counters().keySet()));
        }
    }

    /**
     * Datagrams that wait in the block the kernel is filling when the capture is stopped (its timeout half a second
     * away) are metered: the stop waits for the kernel to hand that block over.
     */
    @Test
    void packetsCapturedBeforeTheStopAreMeteredThoughTheirBlockWasNotHandedOverYet() throws Exception {
        java.net.InetAddress lo = java.net.InetAddress.getLoopbackAddress();
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, lo);
             java.net.DatagramSocket sender = new java.net.DatagramSocket(0, lo)) {
            PacketSource s = new AfPacketSourceProvider().create(new PluginConfig("source 'af-packet'", Map.of(
                    "interface", "lo", "block_timeout", "500ms",
                    "filter", "udp and dst port " + receiver.getLocalPort())));
            LiveTestSupport.Meter meter = new LiveTestSupport.Meter(s);
            try (meter) {
                byte[] payload = new byte[100];
                for (int i = 0; i < 5; i++) {
                    sender.send(new java.net.DatagramPacket(payload, payload.length, receiver.getLocalSocketAddress()));
                }
                List<io.flowtrace.core.FlowEvent> records = meter.stop(); // at once
                assertEquals(5, meter.stats().packetsRead(), "datagrams metered");
                assertEquals(1, records.size(), records.toString());
                assertEquals(5, records.get(0).packetsForward() + records.get(0).packetsReverse());
            }
        }
    }

    @Test
    void unknownInterfaceIsAConfigurationErrorListingTheInterfacesThereAre() {
        FlowTraceException e = openFails(Map.of("interface", "nosuch0"));

        assertEquals(ConfigurationException.class, e.getClass());
        List<String> names = AfPacketSource.interfaceNames();
        assertTrue(names.contains("lo"), names.toString());
        assertEquals("source 'af-packet': interface: 'nosuch0' (expected: one of " + names + ")", e.getMessage());
    }

    @Test
    void theAnyPseudoInterfaceIsLeftToPcapLive() {
        FlowTraceException e = openFails(Map.of("interface", "any"));

        assertEquals(ConfigurationException.class, e.getClass());
        assertEquals("source 'af-packet': interface: 'any' (expected: one interface; the pcap-live source captures on"
                + " every interface at once)", e.getMessage());
    }

    @Test
    void badFilterIsAConfigurationErrorCarryingLibpcapsOwnMessage() {
        FlowTraceException e = openFails(Map.of("interface", "lo", "filter", "tcp port 99999"));

        assertEquals(ConfigurationException.class, e.getClass());
        assertEquals("source 'af-packet': filter: 'tcp port 99999' (expected: a BPF filter expression; libpcap says:"
                + " illegal port number 99999 > 65535)", e.getMessage());
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("interface", "lo");
        values.put("ring_size", "4KiB");
        values.put("block_size", "5000");
        values.put("block_timeout", "2m");
        values.put("snaplen", "10");
        values.put("buffer_size", "1MiB");
        FlowTraceException e = openFails(values);

        assertEquals(ConfigurationException.class, e.getClass());
        String m = e.getMessage();
        for (String part : List.of("snaplen", "ring_size: 4KiB", "block_timeout: 120000ms (expected: 1ms..60s)",
                "block_size: 5000 (expected: a multiple of the page size, 4096)", "buffer_size")) {
            assertTrue(m.contains(part), part + " in " + m);
        }
    }

    @Test
    void aRingOfOneBlockIsRefused() {
        FlowTraceException e = openFails(Map.of("interface", "lo", "ring_size", "1MiB", "block_size", "1MiB"));

        assertTrue(e.getMessage().contains("ring_size: 1048576 (expected: at least two blocks of block_size 1048576,"
                + " so the kernel fills one while the other is read)"), e.getMessage());
    }

    @Test
    void aSnapLengthTheBlockCannotHoldIsRefused() {
        FlowTraceException e = openFails(Map.of("interface", "lo", "block_size", "8KiB", "snaplen", "9000"));

        assertTrue(e.getMessage().contains("block_size: 8192 (expected: at least snaplen + 256 = 9256, so that a whole"
                + " frame fits in a block)"), e.getMessage());
    }

    @Test
    void withoutCapNetRawTheMessageSaysRunAsRootOrGrantIt() throws Exception {
        String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(
                List.of("setpriv", "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin"),
                List.of(), AfPacketProbe.class, "lo"));

        assertEquals("ERROR " + FlowTraceException.class.getName() + ": source 'af-packet': no permission to open a"
                + " packet socket on interface 'lo': Operation not permitted (expected: run as root, or grant"
                + " CAP_NET_RAW and CAP_NET_ADMIN)", out.trim());
    }
}
