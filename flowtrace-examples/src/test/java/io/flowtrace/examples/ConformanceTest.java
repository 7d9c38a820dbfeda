package io.flowtrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.IpFragments;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowTrace;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Correctness against other tools: meters every capture of the shared corpus with the options that reproduce the
 * flow definition of the tool whose baseline sits beside it (Zeek's conn.log, Arkime's session dump), and compares,
 * per conversation (both directions, summed over records so that session splitting does not matter), the packets,
 * the bytes where both count the same bytes, and the number of records. Every remaining difference is listed in
 * {@link #KNOWN} with its reason; a listed difference that no longer occurs fails too, so the list stays true.
 */
class ConformanceTest {

    /**
     * Zeek: TCP inactivity 5 min, UDP/ICMP/other 1 min, no active timeout, connections end 5 s after FIN/RST, tunnels
     * decapsulated (the inner connections are compared; the outer ones Zeek also logs are skipped), no VLAN in key,
     * ICMP keyed by type and reply type or code (Zeek's orig_p and resp_p), IP fragments reassembled (one packet per
     * datagram, with its whole IP length).
     */
    static final FlowOptions ZEEK = FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1),
                    Duration.ofMinutes(1))
            .withActiveTimeout(Duration.ZERO)
            .withTcpClose(true, Duration.ofSeconds(5))
            .withVlanInKey(false)
            .withDecodeTunnels(true)
            .withIcmpTypeInKey(true)
            .withIpFragments(IpFragments.REASSEMBLE);

    /**
     * Arkime (its test configuration): TCP 480 s, UDP/ICMP/SCTP 60 s, sessions saved every 480 s, 5 s closing
     * timeout after FIN/RST, VLAN in the session id, tunnels decapsulated (the outer tunnel is not a session).
     */
    static final FlowOptions ARKIME = FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofSeconds(480), Duration.ofSeconds(60), Duration.ofSeconds(60),
                    Duration.ofSeconds(60))
            .withActiveTimeout(Duration.ofSeconds(480))
            .withTcpClose(true, Duration.ofSeconds(5))
            .withVlanInKey(true)
            .withDecodeTunnels(true);

    /** "file conversation metric" -> why flowtrace differs from the tool there. */
    static final Map<String, String> KNOWN = new LinkedHashMap<>();

    private static void known(String file, String conversation, String metrics, String reason) {
        for (String m : metrics.split(",")) {
            KNOWN.put(file + " " + conversation + " " + m, reason);
        }
    }

    static {
        // ---- Zeek
        known("zeek/ssh_ssh.client-side-half-duplex.pcap", "*", "records",
                "a one-sided capture: Zeek gives up on a connection attempt that gets no answer within 5 s "
                        + "(tcp_attempt_delay) and logs the later packets as a second connection; flowtrace keeps "
                        + "one flow until its idle timeout");
        known("zeek/tunnels_Teredo.pcap", "17 192.168.2.1 53 <-> 192.168.2.16 1920", "records",
                "Zeek gives DNS connections a 10 s inactivity timeout (dns_session_timeout); the two bursts of "
                        + "queries are 15.7 s apart, within the 1 min UDP timeout");
        String partial = "a connection seen from its middle: Zeek ends it 3 s after one side's FIN "
                + "(tcp_partial_close_delay) and makes each later RST a connection of its own; flowtrace ends a flow "
                + "on FIN from both sides or on RST, 5 s later";
        known("zeek/tunnels_Teredo.pcap", "6 192.168.2.16 1576 <-> 75.126.130.163 80", "records", partial);
        known("zeek/tunnels_Teredo.pcap", "6 192.168.2.16 1577 <-> 75.126.203.78 80", "records", partial);
        String bubble = "Teredo bubbles (IPv6 packets with no next header) inside the tunnel: Zeek logs no "
                + "connection for them, flowtrace meters them as protocol 59";
        known("zeek/tunnels_Teredo.pcap", "59 2001:0:4137:9e50:8000:f12a:b9c8:2815 0 <-> 2001:4860:0:2001:0:0:0:68 0",
                "packets,bytes,records", bubble);
        known("zeek/tunnels_Teredo.pcap", "59 2001:0:4137:9e50:8000:f12a:b9c8:2815 0 <-> fe80:0:0:0:708d:fe83:4114:a512 0",
                "packets,bytes,records", bubble);
        String arpInVxlan = "the VXLAN packet carries ARP: non-IP once decapsulated, so flowtrace counts it as "
                + "non-IP; Zeek logs the outer UDP connection because the inner packet makes none";
        known("zeek/tunnels_vxlan.pcap", "17 192.168.56.11 39924 <-> 192.168.56.12 4789", "packets,bytes,records",
                arpInVxlan);
        known("zeek/tunnels_vxlan.pcap", "17 192.168.56.11 4789 <-> 192.168.56.12 40908", "packets,bytes,records",
                arpInVxlan);

        // ---- Arkime
        String pim = "Arkime puts the PIM hellos of every sender to a group into one session (here the other "
                + "router's): 101 + 102 = 203 and 213 + 215 = 428 packets";
        known("arkime/ospf.pcap", "103 10.0.0.1 0 <-> 224.0.0.13 0", "packets,bytes,records", pim);
        known("arkime/ospf.pcap", "103 10.0.0.2 0 <-> 224.0.0.13 0", "packets,bytes", pim);
        known("arkime/pim.pcap", "103 10.0.0.5 0 <-> 224.0.0.13 0", "packets,bytes,records", pim);
        known("arkime/pim.pcap", "103 10.0.0.6 0 <-> 224.0.0.13 0", "packets,bytes", pim);
        String igmp = "Arkime puts the IGMP reports of every sender into one session (10.0.0.1's): 1 + 1 + 1 = 3";
        known("arkime/ospf.pcap", "2 10.0.0.1 0 <-> 224.0.0.1 0", "packets,bytes", igmp);
        known("arkime/ospf.pcap", "2 10.0.0.2 0 <-> 224.0.0.22 0", "packets,bytes,records", igmp);
        known("arkime/ospf.pcap", "2 192.168.58.1 0 <-> 224.0.0.22 0", "packets,bytes,records", igmp);
        known("arkime/gtp-iphone.pcap", "17 fd00:183:1:1:1886:9040:8605:32b8 5060 <-> fd01:0:0:0:0:0:0:183 5060",
                "records", "66 s between two SIP exchanges, over the 60 s UDP timeout: Arkime expires idle "
                        + "sessions in a periodic sweep and a packet that comes before the sweep still joins the old "
                        + "session; flowtrace expires by packet time exactly");
    }

    /** Per conversation: packets, bytes and records. */
    record Totals(long packets, long bytes, long records) {
        Totals plus(Totals o) {
            return new Totals(packets + o.packets, bytes + o.bytes, records + o.records);
        }
    }

    @TestFactory
    Stream<DynamicTest> zeekConnLogs() throws IOException {
        return compare("zeek", ".zeek.conn.log", ConformanceTest::zeekConversations, ZEEK, true);
    }

    @TestFactory
    Stream<DynamicTest> arkimeSessions() throws IOException {
        return compare("arkime", ".arkime.test.json", ConformanceTest::arkimeConversations, ARKIME, false);
    }

    /** How a tool's output file for a capture is read. */
    private interface ToolOutput {
        Map<String, Totals> read(Path file) throws IOException;
    }

    /** A test per capture of the corpus folder {@code tool}: our conversations against the tool's output. */
    private static Stream<DynamicTest> compare(String tool, String suffix, ToolOutput theirs, FlowOptions options,
                                               boolean ipBytes) throws IOException {
        return captures(tool).map(f -> DynamicTest.dynamicTest(tool + "/" + f.getFileName(), () ->
                assertSameExceptKnown(tool + "/" + f.getFileName(), meter(f, options, ipBytes),
                        theirs.read(Path.of(f + suffix)))));
    }

    private static Stream<Path> captures(String dir) throws IOException {
        Path root = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus").resolve(dir)
                .normalize();
        assertTrue(Files.isDirectory(root), "corpus folder missing: " + root);
        List<Path> l = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .forEach(l::add);
        }
        return l.stream();
    }

    private static void assertSameExceptKnown(String file, Map<String, Totals> ours, Map<String, Totals> theirs) {
        assertTrue(!theirs.isEmpty() && !ours.isEmpty(), file + ": nothing to compare");
        Set<String> keys = new TreeSet<>(ours.keySet());
        keys.addAll(theirs.keySet());
        List<String> unexplained = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Totals zero = new Totals(0, 0, 0);
        for (String k : keys) {
            Totals a = ours.getOrDefault(k, zero);
            Totals t = theirs.getOrDefault(k, zero);
            check(file, k, "packets", a.packets, t.packets, unexplained, seen);
            if (t.bytes >= 0) {
                check(file, k, "bytes", a.bytes, t.bytes, unexplained, seen);
            }
            check(file, k, "records", a.records, t.records, unexplained, seen);
        }
        List<String> stale = new ArrayList<>();
        for (String known : KNOWN.keySet()) {
            if (known.startsWith(file + " ") && !seen.contains(known)) {
                stale.add(known);
            }
        }
        assertEquals(List.of(), unexplained, "differences from the tool without a listed reason");
        assertEquals(List.of(), stale, "listed differences that no longer occur");
    }

    private static void check(String file, String conv, String metric, long ours, long theirs, List<String> unexplained,
                              Set<String> seen) {
        if (ours == theirs) {
            return;
        }
        String id = file + " " + conv + " " + metric;
        String wildcard = file + " * " + metric;
        if (KNOWN.containsKey(id)) {
            seen.add(id);
        } else if (KNOWN.containsKey(wildcard)) {
            seen.add(wildcard);
        } else {
            unexplained.add(id + ": flowtrace " + ours + ", tool " + theirs);
        }
    }

    // ------------------------------------------------------------------ flowtrace

    private static Map<String, Totals> meter(Path capture, FlowOptions options, boolean ipBytes) {
        List<FlowEvent> records = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString())).options(options).workers(1)
                .onEvent(records::add).build().run();
        Map<String, Totals> m = new TreeMap<>();
        for (FlowEvent r : records) {
            FlowKey k = r.key();
            boolean noPorts = ipBytes && k.protocol() == 132; // Zeek: SCTP is an unknown transport, ports 0
            String conv = conversation(k.protocol(), k.srcIp(), noPorts ? 0 : k.srcPort(), k.dstIp(),
                    noPorts ? 0 : k.dstPort(), options.icmpTypeInKey());
            m.merge(conv, new Totals(r.packetCount(), ipBytes ? r.ipByteCount() : r.byteCount(), 1), Totals::plus);
        }
        return m;
    }

    /**
     * A direction-free text form of a conversation: the endpoints in sorted order; ICMP with its type and reply type
     * or code as ports when {@code icmpPorts}, else without.
     */
    static String conversation(int proto, String a, int pa, String b, int pb, boolean icmpPorts) {
        if (!icmpPorts && (proto == 1 || proto == 58)) {
            pa = 0;
            pb = 0;
        }
        String x = canonical(a) + " " + pa;
        String y = canonical(b) + " " + pb;
        return proto + " " + (x.compareTo(y) <= 0 ? x + " <-> " + y : y + " <-> " + x);
    }

    private static String canonical(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress(); // a literal: no name lookup
        } catch (IOException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    // ------------------------------------------------------------------ baselines

    /** Zeek conn.log: packets and IP bytes per conversation; outer connections of tunnels are skipped. */
    static Map<String, Totals> zeekConversations(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> fields = null;
        Set<String> parents = new HashSet<>();
        List<String[]> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#fields")) {
                fields = List.of(line.substring("#fields\t".length()).split("\t"));
            } else if (!line.startsWith("#") && fields != null && !line.isBlank()) {
                String[] v = line.split("\t");
                rows.add(v);
                parents.addAll(List.of(v[fields.indexOf("tunnel_parents")].split(",")));
            }
        }
        Map<String, Totals> m = new TreeMap<>();
        for (String[] v : rows) {
            if (parents.contains(v[fields.indexOf("uid")])) {
                continue; // an outer tunnel connection: decapsulated here
            }
            String origH = v[fields.indexOf("id.orig_h")];
            int proto = switch (v[fields.indexOf("proto")]) {
                case "tcp" -> 6;
                case "udp" -> 17;
                case "icmp" -> origH.contains(":") ? 58 : 1;
                default -> Integer.parseInt(v[fields.indexOf("ip_proto")]);
            };
            String conv = conversation(proto, origH, Integer.parseInt(v[fields.indexOf("id.orig_p")]),
                    v[fields.indexOf("id.resp_h")], Integer.parseInt(v[fields.indexOf("id.resp_p")]), true);
            long pkts = Long.parseLong(v[fields.indexOf("orig_pkts")]) + Long.parseLong(v[fields.indexOf("resp_pkts")]);
            long bytes = Long.parseLong(v[fields.indexOf("orig_ip_bytes")])
                    + Long.parseLong(v[fields.indexOf("resp_ip_bytes")]);
            m.merge(conv, new Totals(pkts, bytes, 1), Totals::plus);
        }
        return m;
    }

    /** Arkime sessions: packets and frame bytes per conversation; non-IP sessions are skipped. */
    static Map<String, Totals> arkimeConversations(Path json) throws IOException {
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        Map<String, Totals> m = new TreeMap<>();
        for (JsonNode s : doc.path("sessions3")) {
            JsonNode b = s.path("body");
            if (!b.path("source").has("ip")) {
                continue; // a non-IP session (IS-IS, LLDP): non-IP frames are counted and skipped here
            }
            String conv = conversation(b.path("ipProtocol").asInt(), b.path("source").path("ip").asText(),
                    b.path("source").path("port").asInt(0), b.path("destination").path("ip").asText(),
                    b.path("destination").path("port").asInt(0), false);
            m.merge(conv, new Totals(b.path("network").path("packets").asLong(),
                    b.path("network").path("bytes").asLong(), 1), Totals::plus);
        }
        return m;
    }
}
