package io.flowtrace.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.flowtrace.core.IpText;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Decodes every packet of the public captures in the shared corpus ({@code zeek/} and {@code arkime/}) with tunnels
 * on and off. Checks that no packet of a supported link type is counted as malformed, and that the packets per
 * conversation (summed over the tool's sessions, so timeouts do not matter) equal Arkime's and Zeek's where their
 * definitions agree with the decoder's. Reads classic pcap itself (both byte orders); pcapng files are skipped
 * here (the capture module's reader covers them).
 */
class PacketDecoderCorpusTest {

    /** Corpus packets that are malformed on purpose or that the decoder cannot make sense of, with the reason. */
    private static final Map<String, String> KNOWN_MALFORMED = Map.of();

    /**
     * Conversations whose packet count differs from the tool's, by file, with the reason. The key is the
     * conversation as {@link #conversation} prints it.
     */
    private static final Map<String, String> KNOWN_DIFFERENCES = new LinkedHashMap<>();

    static {
        KNOWN_DIFFERENCES.put("arkime/ospf.pcap 103 10.0.0.1 0 <-> 224.0.0.13 0",
                "Arkime puts the PIM hellos of every sender to a group into one session (here 10.0.0.2's)");
        KNOWN_DIFFERENCES.put("arkime/ospf.pcap 103 10.0.0.2 0 <-> 224.0.0.13 0", "as above: 101 + 102 = 203");
        KNOWN_DIFFERENCES.put("arkime/pim.pcap 103 10.0.0.5 0 <-> 224.0.0.13 0",
                "Arkime puts the PIM hellos of every sender to a group into one session (here 10.0.0.6's)");
        KNOWN_DIFFERENCES.put("arkime/pim.pcap 103 10.0.0.6 0 <-> 224.0.0.13 0", "as above: 213 + 215 = 428");
        KNOWN_DIFFERENCES.put("arkime/ospf.pcap 2 10.0.0.1 0 <-> 224.0.0.1 0",
                "Arkime puts the IGMP packets of every sender into one session (here 10.0.0.1's): 1 + 1 + 1 = 3");
        KNOWN_DIFFERENCES.put("arkime/ospf.pcap 2 10.0.0.2 0 <-> 224.0.0.22 0", "as above");
        KNOWN_DIFFERENCES.put("arkime/ospf.pcap 2 192.168.58.1 0 <-> 224.0.0.22 0", "as above");
        KNOWN_DIFFERENCES.put("zeek/tunnels_Teredo.pcap 59 2001:0:4137:9e50:8000:f12a:b9c8:2815 0 <-> "
                + "fe80::708d:fe83:4114:a512 0", "a Teredo bubble (IPv6, no next header): Zeek logs no connection");
        KNOWN_DIFFERENCES.put("zeek/tunnels_Teredo.pcap 59 2001:0:4137:9e50:8000:f12a:b9c8:2815 0 <-> "
                + "2001:4860:0:2001::68 0", "a Teredo bubble (IPv6, no next header): Zeek logs no connection");
        KNOWN_DIFFERENCES.put("zeek/tunnels_vxlan.pcap 17 192.168.56.11 39924 <-> 192.168.56.12 4789",
                "the VXLAN packet carries ARP: non-IP once decapsulated; Zeek logs the outer UDP connection instead");
        KNOWN_DIFFERENCES.put("zeek/tunnels_vxlan.pcap 17 192.168.56.11 4789 <-> 192.168.56.12 40908",
                "the VXLAN packet carries ARP: non-IP once decapsulated; Zeek logs the outer UDP connection instead");
        KNOWN_DIFFERENCES.put("zeek/tunnels_gtp_gtp1_gn_normal_incl_fragmentation.pcap 6 10.131.47.185 1923 <-> "
                + "79.101.110.141 80", "Zeek reassembles the fragmented outer packets and counts each datagram once "
                + "(68); every fragment (108) is a packet here, all in the inner conversation");
    }

    private static Path corpus(String dir) {
        Path root = Path.of(System.getProperty("flowtrace.root", "."));
        Path p = root.resolve("../shared/corpus").resolve(dir).normalize();
        assertTrue(Files.isDirectory(p), "corpus folder missing: " + p);
        return p;
    }

    private static List<Path> pcaps(String dir) throws IOException {
        try (Stream<Path> s = Files.list(corpus(dir))) {
            return s.filter(f -> f.getFileName().toString().endsWith(".pcap")).sorted().toList();
        }
    }

    @Test
    @DisplayName("no packet of the zeek and arkime captures is counted as malformed, tunnels on or off")
    void corpusHasNoMalformedPackets() throws IOException {
        List<String> problems = new ArrayList<>();
        int files = 0;
        long packets = 0;
        for (String dir : List.of("zeek", "arkime")) {
            for (Path f : pcaps(dir)) {
                files++;
                for (boolean tunnels : new boolean[] {false, true}) {
                    PacketDecoder decoder = new PacketDecoder(tunnels, true);
                    DecodedPacket out = new DecodedPacket();
                    int[] index = {0};
                    long n = PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) -> {
                        index[0]++;
                        DecodeStatus s = decoder.decode(b, off, capLen, linkType, out);
                        String where = dir + "/" + f.getFileName() + "#" + index[0];
                        if (isMalformed(s) && !KNOWN_MALFORMED.containsKey(where)) {
                            problems.add(where + (tunnels ? " (tunnels)" : "") + ": " + s);
                        }
                    });
                    packets += tunnels ? n : 0;
                }
            }
        }
        assertTrue(files >= 30, "expected the corpus captures, found " + files);
        assertTrue(packets > 3000, "packets read: " + packets);
        assertEquals(List.of(), problems);
    }

    private static boolean isMalformed(DecodeStatus s) {
        return s != DecodeStatus.OK && s != DecodeStatus.NON_IP && s != DecodeStatus.UNSUPPORTED_LINK_TYPE;
    }

    @Test
    @DisplayName("packets per conversation match Arkime's sessions, tunnels decapsulated")
    void packetsPerConversationMatchArkime() throws IOException {
        List<String> diffs = new ArrayList<>();
        for (Path f : pcaps("arkime")) {
            Map<String, Long> ours = decodeConversations(f, true, false);
            Map<String, Long> theirs = new TreeMap<>();
            Object doc = Json.read(Files.readString(Path.of(f + ".arkime.test.json")));
            for (Object o : Json.list(Json.get(doc, "sessions3"))) {
                Object body = Json.get(o, "body");
                int proto = Json.integer(Json.get(body, "ipProtocol"));
                Object src = Json.get(body, "source");
                Object dst = Json.get(body, "destination");
                if (Json.get(src, "ip") == null) {
                    continue; // Arkime's non-IP sessions (IS-IS, LLDP): non-IP frames are counted and skipped here
                }
                String key = conversation(proto, addr(Json.get(src, "ip")), port(proto, Json.get(src, "port")),
                        addr(Json.get(dst, "ip")), port(proto, Json.get(dst, "port")));
                theirs.merge(key, (long) Json.integer(Json.get(Json.get(body, "network"), "packets")), Long::sum);
            }
            compare("arkime/" + f.getFileName(), ours, theirs, diffs);
        }
        assertEquals(List.of(), diffs);
    }

    @Test
    @DisplayName("packets per conversation match Zeek's conn.log (inner connections of tunnels)")
    void packetsPerConversationMatchZeek() throws IOException {
        List<String> diffs = new ArrayList<>();
        for (Path f : pcaps("zeek")) {
            // Zeek has no SCTP analyzer: its SCTP connections have ports 0
            Map<String, Long> ours = decodeConversations(f, true, true);
            Map<String, Long> theirs = new TreeMap<>();
            List<String> fields = null;
            List<String> lines = Files.readAllLines(Path.of(f + ".zeek.conn.log"));
            // outer connections of tunnels (named as parents by the inner ones) are decapsulated here
            java.util.Set<String> parents = new java.util.HashSet<>();
            for (String line : lines) {
                if (line.startsWith("#fields")) {
                    fields = List.of(line.substring(8).split("\t"));
                } else if (!line.startsWith("#") && fields != null) {
                    String tp = line.split("\t")[fields.indexOf("tunnel_parents")];
                    parents.addAll(List.of(tp.split(",")));
                }
            }
            for (String line : lines) {
                if (line.startsWith("#fields")) {
                    fields = List.of(line.substring(8).split("\t"));
                    continue;
                }
                if (line.startsWith("#") || fields == null) {
                    continue;
                }
                String[] v = line.split("\t");
                if (parents.contains(v[fields.indexOf("uid")])) {
                    continue;
                }
                int proto = switch (v[fields.indexOf("proto")]) {
                    case "tcp" -> 6;
                    case "udp" -> 17;
                    case "icmp" -> v[fields.indexOf("id.orig_h")].contains(":") ? 58 : 1;
                    default -> Integer.parseInt(v[fields.indexOf("ip_proto")]);
                };
                boolean icmp = proto == 1 || proto == 58;
                String key = conversation(proto, v[fields.indexOf("id.orig_h")],
                        icmp ? 0 : Integer.parseInt(v[fields.indexOf("id.orig_p")]), v[fields.indexOf("id.resp_h")],
                        icmp ? 0 : Integer.parseInt(v[fields.indexOf("id.resp_p")]));
                long pkts = Long.parseLong(v[fields.indexOf("orig_pkts")]) + Long.parseLong(
                        v[fields.indexOf("resp_pkts")]);
                theirs.merge(key, pkts, Long::sum);
            }
            compare("zeek/" + f.getFileName(), ours, theirs, diffs);
        }
        assertEquals(List.of(), diffs);
    }

    private static void compare(String file, Map<String, Long> ours, Map<String, Long> theirs, List<String> diffs) {
        Map<String, Long> all = new TreeMap<>(ours);
        theirs.forEach((k, v) -> all.putIfAbsent(k, 0L));
        for (String k : all.keySet()) {
            long a = ours.getOrDefault(k, 0L);
            long t = theirs.getOrDefault(k, 0L);
            String id = file + " " + k;
            if (a != t && !KNOWN_DIFFERENCES.containsKey(id)) {
                diffs.add(id + ": ours " + a + ", theirs " + t);
            }
        }
    }

    /** Packets per conversation (both directions; ICMP has ports 0) of every decoded packet. */
    private static Map<String, Long> decodeConversations(Path f, boolean tunnels, boolean sctpWithoutPorts)
            throws IOException {
        Map<String, Long> m = new TreeMap<>();
        PacketDecoder decoder = new PacketDecoder(tunnels, true);
        DecodedPacket out = new DecodedPacket();
        PcapRecords.forEach(f, (linkType, b, off, capLen, wireLen) -> {
            if (decoder.decode(b, off, capLen, linkType, out) == DecodeStatus.OK) {
                boolean noPorts = sctpWithoutPorts && out.protocol == 132;
                String key = conversation(out.protocol, IpText.format(out.ipVersion, out.srcHi, out.srcLo),
                        noPorts ? 0 : out.srcPort, IpText.format(out.ipVersion, out.dstHi, out.dstLo),
                        noPorts ? 0 : out.dstPort);
                m.merge(key, 1L, Long::sum);
            }
        });
        return m;
    }

    /** A direction-free text form of a conversation: the two endpoints in sorted order. */
    static String conversation(int proto, String a, int pa, String b, int pb) {
        String x = a + " " + pa;
        String y = b + " " + pb;
        return proto + " " + (x.compareTo(y) <= 0 ? x + " <-> " + y : y + " <-> " + x);
    }

    private static String addr(Object ip) {
        try {
            byte[] a = InetAddress.getByName((String) ip).getAddress(); // a literal: no name lookup
            long hi = 0;
            long lo = 0;
            if (a.length == 4) {
                lo = ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
                return IpText.format(4, 0, lo);
            }
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | (a[i] & 0xff);
                lo = lo << 8 | (a[8 + i] & 0xff);
            }
            return IpText.format(6, hi, lo);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int port(int proto, Object port) {
        return proto == 1 || proto == 58 || port == null ? 0 : Json.integer(port);
    }

    /** Receives one pcap record; {@code b[off .. off+capLen)} is the frame. */
    interface RecordHandler {
        void record(int linkType, byte[] b, int off, int capLen, int wireLen);
    }

    /** Minimal classic pcap reader for tests: both byte orders, micro- and nanosecond magic. */
    static final class PcapRecords {
        private PcapRecords() {
        }

        /** Calls {@code h} for every record of {@code f}; returns the number of records. Fails on a bad file. */
        static long forEach(Path f, RecordHandler h) throws IOException {
            byte[] d = Files.readAllBytes(f);
            if (d.length < 24) {
                throw new IOException(f + ": too short for a pcap header");
            }
            int magic = be32(d, 0);
            boolean swapped;
            if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
                swapped = false;
            } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
                swapped = true;
            } else {
                throw new IOException(f + ": not a classic pcap (magic " + Integer.toHexString(magic) + ")");
            }
            int linkType = i32(d, 20, swapped) & 0x0fffffff;
            long n = 0;
            int p = 24;
            while (d.length - p >= 16) {
                int capLen = i32(d, p + 8, swapped);
                int wireLen = i32(d, p + 12, swapped);
                if (capLen < 0 || capLen > d.length - p - 16) {
                    break; // cut last record
                }
                h.record(linkType, d, p + 16, capLen, wireLen);
                n++;
                p += 16 + capLen;
            }
            return n;
        }

        private static int be32(byte[] d, int p) {
            return (d[p] & 0xff) << 24 | (d[p + 1] & 0xff) << 16 | (d[p + 2] & 0xff) << 8 | (d[p + 3] & 0xff);
        }

        private static int i32(byte[] d, int p, boolean swapped) {
            int v = be32(d, p);
            return swapped ? Integer.reverseBytes(v) : v;
        }
    }

    /** The Arkime baselines read as {@link JsonTree} values, and the lookups over them. */
    static final class Json {
        private Json() {
        }

        static Object read(String text) throws IOException {
            try (JsonParser p = new JsonFactory().createParser(text)) {
                p.nextToken();
                return JsonTree.value(p);
            }
        }

        static Object get(Object o, String name) {
            return o instanceof Map<?, ?> m ? m.get(name) : null;
        }

        static List<?> list(Object o) {
            return o instanceof List<?> l ? l : List.of();
        }

        static int integer(Object o) {
            return o instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(o));
        }
    }
}
