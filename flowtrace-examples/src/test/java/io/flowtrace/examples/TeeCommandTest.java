package io.flowtrace.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code flows CAPTURE --tee T}: for captures of many link types, Wireshark's {@code capinfos} finds in the tee the
 * capture's file type and timestamp precision, link type, snap length, packets, bytes and first and last times;
 * {@code tshark} reads it; and {@code flows T} gives exactly the events of the capture itself. A rotating tee's files
 * add up to the whole, the engine's {@code probe.persistence} block is read as it ships, and its text encoding writes
 * the engine's line per packet, checked against tshark's fields.
 */
class TeeCommandTest {
    /** Columns of {@link #capinfos}. */
    private static final int PACKETS = 5;
    private static final int BYTES = 6;

    @TempDir
    Path dir;

    @BeforeAll
    static void needsWireshark() {
        for (String tool : List.of("capinfos", "tshark")) {
            if (Stream.of(System.getenv("PATH").split(":")).noneMatch(d -> Files.isExecutable(Path.of(d, tool)))) {
                fail(tool + " is missing: install the tshark package (scripts/install-deps.sh --test)");
            }
        }
    }

    private static Path corpus(String file) {
        Path p = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus").resolve(file)
                .normalize();
        assertTrue(Files.isRegularFile(p), "corpus capture missing: " + p);
        return p;
    }

    /** Ethernet, Linux SLL, radiotap, 802.11, BSD loopback, Frame Relay, PPP, raw IPv4 and IPv6, nanosecond pcap. */
    @ParameterizedTest
    @ValueSource(strings = {"arkime/IKEv1.pcap", "arkime/gtp-iphone.pcap", "arkime/80211http.pcap", "zeek/wlanmon.pcap",
        "arkime/http2-nghttp2.pcap", "arkime/icmp-frame-relay.pcap", "zeek/ppp_quic-interop-retry.pcap",
        "malformed/tcpdump/LINKTYPE_IPV4_invalid.pcap", "malformed/tcpdump/beep-oobr.pcap", "arkime/ipv6-gtp6.pcap",
        "arkime/bigendian.pcap"})
    void theTeeOfACaptureIsTheCapture(String name) throws Exception {
        Path capture = corpus(name);
        Path tee = dir.resolve("tee.pcap");
        Cli original = Cli.run("flows", capture.toString(), "--tee", tee.toString(), "--no-progress");
        assertEquals(0, original.status(), original.err());
        // capinfos reads every record with Wireshark's reader, as tshark does (tshark itself is run on fewer: slow)
        assertEquals(capinfos(capture), capinfos(tee), "capinfos of the capture and of its tee");
        Cli again = Cli.run("flows", tee.toString(), "--no-progress", "--quiet");
        assertEquals(0, again.status(), again.err());
        assertEquals(original.out(), again.out(), "the tee's events are the capture's");
        long packets = Long.parseLong(capinfos(capture).split("\t")[PACKETS]);
        assertTrue(original.err().contains("tee: frames=" + packets + ", written=" + packets + ", dropped=0, failed=0"),
                original.err());
    }

    /** Two interfaces, one with nanosecond and one with microsecond timestamps: pcapng keeps both, named. */
    @Test
    void pcapngKeepsEachInterface() throws Exception {
        Path capture = corpus("zeek/pcapng-multi-interface.pcapng");
        Path tee = dir.resolve("tee.pcapng");
        Cli original = Cli.run("flows", capture.toString(), "--tee", tee.toString(), "--no-progress", "--quiet");
        assertEquals(0, original.status(), original.err());
        assertEquals(capinfos(capture), capinfos(tee));
        assertEquals(interfaces(capture), interfaces(tee));
        assertTshark(tee);
        Cli again = Cli.run("flows", tee.toString(), "--no-progress", "--quiet");
        assertEquals(original.out(), again.out(), "the same events, interface names included");
    }

    /**
     * Rotated every 4 KiB: several files, none over the limit but by one packet, whose packets and bytes add up to
     * the capture's and whose events, read together, are the capture's; with {@code --tee-keep} only the newest stay.
     */
    @Test
    void aRotatingTeesFilesAddUpToTheWhole() throws Exception {
        Path capture = corpus("zeek/wikipedia.pcap");
        Path out = Files.createDirectory(dir.resolve("rotated"));
        Cli original = Cli.run("flows", capture.toString(), "--tee", out.resolve("w.pcap").toString(),
                "--tee-rotate-size", "4KiB", "--no-progress");
        assertEquals(0, original.status(), original.err());
        List<Path> files = list(out);
        assertTrue(files.size() >= 5, "files: " + files);
        long packets = 0;
        long bytes = 0;
        for (Path f : files) {
            assertTrue(f.getFileName().toString().matches("w-\\d{8}T\\d{6}Z-\\d{6}\\.pcap"), f.toString());
            String[] c = capinfos(f).split("\t");
            packets += Long.parseLong(c[PACKETS]);
            bytes += Long.parseLong(c[BYTES]);
        }
        String[] whole = capinfos(capture).split("\t");
        assertTshark(files.get(files.size() / 2));
        assertEquals(Long.parseLong(whole[PACKETS]), packets, "packets in the files");
        assertEquals(Long.parseLong(whole[BYTES]), bytes, "bytes in the files");
        List<String> args = new ArrayList<>(List.of("flows"));
        files.forEach(f -> args.add(f.toString()));
        args.addAll(List.of("--no-progress", "--quiet"));
        Cli again = Cli.run(args.toArray(new String[0]));
        assertEquals(original.out(), again.out(), "the files' events, read together, are the capture's");
        assertTrue(original.err().contains("files=" + files.size() + ", files_removed=0"), original.err());

        Path kept = Files.createDirectory(dir.resolve("kept"));
        Cli bounded = Cli.run("flows", capture.toString(), "--tee", kept.resolve("w.pcap").toString(),
                "--tee-rotate-size", "4KiB", "--tee-keep", "2", "--no-progress");
        assertEquals(0, bounded.status(), bounded.err());
        List<Path> left = list(kept);
        assertEquals(2, left.size(), "files kept: " + left);
        assertEquals(files.get(files.size() - 1).getFileName().toString().replaceAll("^w-\\d{8}T\\d{6}Z-", ""),
                left.get(1).getFileName().toString().replaceAll("^w-\\d{8}T\\d{6}Z-", ""), "the newest are kept");
        assertTrue(bounded.err().contains("files=" + files.size() + ", files_removed=" + (files.size() - 2)),
                bounded.err());
    }

    /** The engine's config.yaml as it ships, persistence enabled: pcap with the capture's link type; gob refused. */
    @Test
    void theEnginesPersistenceBlockIsReadAsItShips() throws Exception {
        Path capture = corpus("arkime/gtp-iphone.pcap");
        Path publish = dir.resolve("publish");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, engineConfig(publish, "pcap"));
        Cli run = Cli.run("flows", capture.toString(), "--config", config.toString(), "--no-progress");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("num_workers: not used"), run.err());
        assertEquals(capinfos(capture), capinfos(dir.resolve("publish.pcap")));

        Files.writeString(config, engineConfig(publish, "gob"));
        Cli gob = Cli.run("flows", capture.toString(), "--config", config.toString(), "--no-progress");
        assertEquals(2, gob.status(), gob.err());
        assertTrue(gob.err().contains("probe: persistence: encoding (line 8, column 5): 'gob' is Go's own "
                + "serialisation"), gob.err());

        Files.delete(dir.resolve("publish.pcap"));
        Files.writeString(config, engineConfig(publish, "gob").replace("enabled: true", "enabled: false"));
        Cli off = Cli.run("flows", capture.toString(), "--config", config.toString(), "--no-progress");
        assertEquals(0, off.status(), off.err());
        assertTrue(Files.notExists(dir.resolve("publish.pcap")) && Files.notExists(dir.resolve("publish.gob")),
                "persistence off: no file");
    }

    /** {@code probe}: the packets it publishes are kept too, from its persistence block or from {@code --tee}. */
    @Test
    void theProbeKeepsWhatItPublishes() throws Exception {
        Path capture = corpus("arkime/gtp-iphone.pcap");
        try (io.flowtrace.testkit.NatsServerProcess server = new io.flowtrace.testkit.NatsServerProcess(dir, false)) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, engineConfig(dir.resolve("kept"), "pcap").replace("nats://127.0.0.1:4222",
                    server.url()));
            Cli run = Cli.run("probe", capture.toString(), "--config", config.toString());
            assertEquals(0, run.status(), run.err());
            assertEquals(capinfos(capture), capinfos(dir.resolve("kept.pcap")));
            Cli flag = Cli.run("probe", capture.toString(), "--nats", server.url(), "--tee",
                    dir.resolve("flag.pcapng").toString());
            assertEquals(0, flag.status(), flag.err());
            assertTrue(flag.err().contains("packets to " + dir.resolve("flag.pcapng") + " (pcapng)"), flag.err());
            String[] theirs = capinfos(capture).split("\t");
            String[] ours = capinfos(dir.resolve("flag.pcapng")).split("\t");
            assertEquals("pcapng", ours[0]);
            for (int i : new int[] {1, PACKETS, BYTES, 7, 8}) { // link type, packets, bytes, first and last time
                assertEquals(theirs[i], ours[i], "capinfos column " + i);
            }
        }
    }

    /** The text encoding: a line per IP packet, its addresses, ports, protocol and length as tshark reads them. */
    @Test
    void theTextEncodingIsTheEnginesLine() throws Exception {
        Path capture = corpus("arkime/IKEv1.pcap");
        Path tee = dir.resolve("packets.txt");
        Cli run = Cli.run("flows", capture.toString(), "--tee", tee.toString(), "--no-progress", "--quiet");
        assertEquals(0, run.status(), run.err());
        List<String> lines = Files.readAllLines(tee);
        List<String> fields = tool("tshark", "-r", capture.toString(), "-Y", "ip or ipv6", "-T", "fields", "-E",
                "separator=;", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport", "-e",
                "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport", "-e", "tcp.dstport", "-e",
                "ip.proto", "-e", "ipv6.nxt", "-e", "frame.len").lines().collect(Collectors.toList());
        assertTrue(fields.size() > 100, "IP packets: " + fields.size());
        assertEquals(fields.size(), lines.size(), "one line per IP packet");
        java.time.format.DateTimeFormatter layout = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);
        for (int i = 0; i < lines.size(); i++) {
            String[] f = fields.get(i).split(";", -1);
            long nanos = new java.math.BigDecimal(f[0]).movePointRight(9).longValueExact();
            String time = layout.format(java.time.Instant.ofEpochSecond(0, nanos));
            String expected = time + " - " + either(f[1], f[2]) + ":" + either(either(f[3], f[4]), "0") + " -> "
                    + either(f[5], f[6]) + ":" + either(either(f[7], f[8]), "0") + ", Proto: " + either(f[9], f[10])
                    + ", Len: " + f[11];
            assertEquals(expected, lines.get(i), "line " + (i + 1));
        }
    }

    private static String either(String a, String b) {
        return a.isEmpty() ? b : a;
    }

    private static String engineConfig(Path path, String encoding) {
        return String.join("\n",
                "probe:",
                "  nats_url: \"nats://127.0.0.1:4222\"",
                "  subject: \"gons.packets.raw\"",
                "  persistence:",
                "    enabled: true",
                "    path: \"" + path + "\"",
                "    num_workers: 4",
                "    encoding: \"" + encoding + "\"",
                "    channel_buffer_size: 10000",
                "");
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().collect(Collectors.toList());
        }
    }

    /**
     * capinfos' table row without the file name: file type, encapsulation, snap length, packets, data bytes, first
     * and last packet time (seconds since the epoch, in the file's precision).
     */
    private static String capinfos(Path f) throws Exception {
        String row = tool("capinfos", "-M", "-T", "-r", "-t", "-E", "-l", "-c", "-d", "-a", "-e", "-S", f.toString())
                .strip();
        return row.substring(row.indexOf('\t') + 1);
    }

    /** The interface lines capinfos prints (name, link type, snap length, time precision, packets). */
    private static String interfaces(Path f) throws Exception {
        return tool("capinfos", f.toString()).lines().map(String::strip)
                .filter(l -> l.startsWith("Name =") || l.startsWith("Encapsulation =")
                        || l.startsWith("Capture length =") || l.startsWith("Time precision =")
                        || l.startsWith("Number of packets ="))
                .collect(Collectors.joining("\n"));
    }

    private static void assertTshark(Path f) throws Exception {
        Process p = new ProcessBuilder("tshark", "-r", f.toString(), "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark -r");
        assertEquals(0, p.exitValue(), "tshark -r " + f + ": " + out);
        assertTrue(!out.contains("appears to be damaged") && !out.contains("cut short"), out);
    }

    private static String tool(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
