package io.flowtrace.sinks.ipfix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ipfix} sink against a real collector: nfcapd (Debian's {@code nfdump} package, 1.7) receives what the
 * sink exports while the same run writes NDJSON, and {@code nfdump -o json} reads nfcapd's file back. Every
 * one-way record must match a direction of an NDJSON event: addresses, ports, protocol, VLAN, packets, octets,
 * first and last packet to the millisecond and TCP flags, and there must be as many records as directions with
 * packets. Skipped only when nfcapd is not installed ({@code scripts/install-deps.sh --test} installs it).
 */
class NfcapdCollectorTest {
    private static final List<String> CAPTURES = List.of("flowtrace-examples/captures/sample.pcap",
            "../shared/corpus/zeek/mixed-vlan-mpls.pcap", "../shared/corpus/arkime/v6.pcap",
            "../shared/corpus/zeek/wikipedia.pcap");

    /** The ingressInterface every record carries: a capture file's interfaces are no index of this host. */
    private static final long INGRESS = 70_000;

    @ParameterizedTest(name = "version {0}, octets as {1} bytes")
    @CsvSource({"10, ip", "9, wire"})
    void nfdumpReadsBackThePacketsBytesAndTimesOfTheNdjsonOutput(String version, String bytes, @TempDir Path dir)
            throws Exception {
        assumeTrue(onPath("nfcapd") && onPath("nfdump"), "nfcapd and nfdump are not installed (Debian package"
                + " nfdump; scripts/install-deps.sh --test installs it): the collector test cannot run");
        Path root = Path.of(System.getProperty("flowtrace.root", "."));
        Path flowDir = Files.createDirectory(dir.resolve("nfcapd"));
        Path log = dir.resolve("nfcapd.log");
        int port = freeUdpPort();
        Process nfcapd = new ProcessBuilder("nfcapd", "-b", "127.0.0.1", "-p", String.valueOf(port),
                "-w", flowDir.toString(), "-t", "3600", "-I", "flowtrace")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<FlowEvent> events = new ArrayList<>();
        long sent = 0;
        try {
            awaitBound(port, nfcapd, log);
            for (int i = 0; i < CAPTURES.size(); i++) {
                Path capture = root.resolve(CAPTURES.get(i)).normalize();
                assertTrue(Files.isRegularFile(capture), "capture " + capture);
                Path ndjson = dir.resolve("flows-" + i + ".ndjson");
                FlowStats stats = FlowTrace.builder()
                        .source("pcap-file", Map.of("path", capture.toString()))
                        .vlanInKey(true)
                        .sink("file", Map.of("path", ndjson.toString()))
                        .sink("ipfix", Map.of("host", "127.0.0.1", "port", port, "version", version, "bytes", bytes,
                                "domain-id", i + 1, // one exporter per run, each with its own sequence
                                "ingress-interface", INGRESS))
                        .build().run();
                assertEquals(List.of(), stats.failures(), "failures metering " + capture);
                Map<String, Long> own = stats.sinks().get("ipfix").own();
                assertEquals(0L, own.get("failed"), "ipfix counters " + own);
                sent += own.get("sent");
                for (String line : Files.readAllLines(ndjson)) {
                    events.add((FlowEvent) EventJson.read(line));
                }
            }
            awaitRead(port);
        } finally {
            stop(nfcapd);
        }
        String collectorLog = Files.readString(log);
        assertTrue(collectorLog.contains("Sequence Errors: 0"), collectorLog);

        List<String> expected = new ArrayList<>();
        long packets = 0;
        long octets = 0;
        for (FlowEvent e : events) {
            for (boolean reverse : new boolean[] {false, true}) {
                long p = reverse ? e.packetsReverse() : e.packetsForward();
                if (p == 0) {
                    continue;
                }
                long b = "ip".equals(bytes) ? (reverse ? e.ipBytesReverse() : e.ipBytesForward())
                        : (reverse ? e.bytesReverse() : e.bytesForward());
                var k = reverse ? e.key().reversed() : e.key();
                expected.add(line(k.protocol(), k.srcAddress(), k.srcPort(), k.dstAddress(), k.dstPort(), k.vlan(),
                        p, b,
                        Math.floorDiv(e.startNanos(), 1_000_000L), Math.floorDiv(e.endNanos(), 1_000_000L),
                        k.protocol() == 6 ? (reverse ? e.tcpFlagsReverse() : e.tcpFlagsForward()) : 0, INGRESS));
                packets += p;
                octets += b;
            }
        }
        List<String> collected = nfdump(flowDir);
        expected.sort(null);
        collected.sort(null);
        assertEquals(sent, expected.size(), "records the sink sent, against the NDJSON output's directions");
        assertEquals(expected.size(), collected.size(), "records nfdump read");
        if (!expected.equals(collected)) {
            List<String> missing = new ArrayList<>(expected);
            missing.removeAll(collected);
            List<String> extra = new ArrayList<>(collected);
            extra.removeAll(expected);
            fail("records nfdump read differ from the NDJSON output's: " + missing.size() + " expected not read,"
                    + " first " + missing.subList(0, Math.min(3, missing.size())) + "; " + extra.size() + " read not"
                    + " expected, first " + extra.subList(0, Math.min(3, extra.size())));
        }
        assertTrue(collectorLog.contains("Packets: " + packets + ", Bytes: " + octets), collectorLog);
        System.out.println("ipfix version " + version + " -> nfcapd: " + events.size() + " events, "
                + collected.size() + " records, " + packets + " packets, " + octets + " bytes (" + bytes + ")");
    }

    /** One record as the test compares them. */
    private static String line(int protocol, InetAddress src, long srcPort, InetAddress dst, long dstPort, long vlan,
                               long packets, long bytes, long firstMillis, long lastMillis, int tcpFlags,
                               long ingress) {
        return String.format(Locale.ROOT, "%d %s:%d > %s:%d vlan %d: %d packets %d bytes %d..%d flags %02x in %d",
                protocol, src.getHostAddress(), srcPort, dst.getHostAddress(), dstPort, vlan, packets, bytes,
                firstMillis, lastMillis, tcpFlags, ingress);
    }

    /** Every record in nfcapd's files, read with {@code nfdump -o json} (times printed in UTC). */
    private static List<String> nfdump(Path flowDir) throws IOException, InterruptedException {
        List<Path> files;
        try (Stream<Path> s = Files.list(flowDir)) {
            files = s.filter(f -> f.getFileName().toString().matches("nfcapd\\.\\d+")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "nfcapd wrote no file in " + flowDir);
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            ProcessBuilder pb = new ProcessBuilder("nfdump", "-r", f.toString(), "-o", "json");
            pb.environment().put("TZ", "UTC");
            Process p = pb.redirectErrorStream(true).start();
            byte[] text = p.getInputStream().readAllBytes();
            assertEquals(0, p.waitFor(), () -> "nfdump -r " + f + ": " + new String(text));
            for (JsonNode r : json.readTree(text)) {
                int protocol = r.get("proto").asInt();
                boolean icmp = protocol == 1 || protocol == 58;
                boolean v6 = r.has("src6_addr");
                out.add(line(protocol, InetAddress.getByName(r.get(v6 ? "src6_addr" : "src4_addr").asText()),
                        icmp ? 0 : r.get("src_port").asLong(),
                        InetAddress.getByName(r.get(v6 ? "dst6_addr" : "dst4_addr").asText()),
                        icmp ? r.get("icmp_type").asLong() << 8 | r.get("icmp_code").asLong()
                                : r.get("dst_port").asLong(),
                        r.get("src_vlan").asLong(), r.get("in_packets").asLong(), r.get("in_bytes").asLong(),
                        millis(r.get("first").asText()), millis(r.get("last").asText()),
                        protocol == 6 ? flags(r.get("tcp_flags").asText()) : 0,
                        r.path("input_snmp").asLong(-1)));
            }
        }
        return out;
    }

    private static long millis(String utc) {
        return LocalDateTime.parse(utc).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** nfdump's {@code CEUAPRSF}, a dot for each flag not set, as the bits of the TCP header. */
    private static int flags(String text) {
        int bits = 0;
        for (int i = 0; i < 8; i++) {
            if (text.charAt(i) != '.') {
                bits |= 1 << (7 - i);
            }
        }
        return bits;
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    /** Waits until nfcapd holds the port (a row for it in {@code /proc/net/udp}; without that table, one second). */
    private static void awaitBound(int port, Process nfcapd, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!nfcapd.isAlive()) {
                fail("nfcapd exited with " + nfcapd.exitValue() + ": " + Files.readString(log));
            }
            if (!Files.isReadable(UDP_TABLE)) {
                Thread.sleep(1000);
                return;
            }
            if (udpQueue(port) >= 0) {
                return;
            }
            Thread.sleep(20);
        }
        fail("nfcapd did not bind port " + port + " in 10 s: " + Files.readString(log));
    }

    /** Waits until nfcapd has read every datagram sent to it, so that stopping it loses nothing. */
    private static void awaitRead(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.isReadable(UDP_TABLE) && udpQueue(port) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // the last datagram read is decoded and stored
    }

    private static final Path UDP_TABLE = Path.of("/proc/net/udp");

    /** Bytes waiting in the receive queue of the UDP socket bound to {@code port}, or -1 when there is none. */
    private static long udpQueue(int port) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", port);
        for (String row : Files.readAllLines(UDP_TABLE)) {
            String[] f = row.trim().split("\\s+");
            if (f.length > 4 && f[1].endsWith(local)) {
                return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
            }
        }
        return -1;
    }

    /** SIGTERM, on which nfcapd writes and closes its file; SIGKILL if it does not exit within 10 s. */
    private static void stop(Process nfcapd) throws InterruptedException {
        nfcapd.destroy();
        if (!nfcapd.waitFor(10, TimeUnit.SECONDS)) {
            nfcapd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
