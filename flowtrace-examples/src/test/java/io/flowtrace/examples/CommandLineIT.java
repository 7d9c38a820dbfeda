package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent jar's {@code flows} command, run as a user runs it. */
class CommandLineIT {
    private static final Path SAMPLE = Jar.root().resolve("flowtrace-examples/captures/sample.pcap");

    static List<FlowEvent> records(String ndjson) {
        List<FlowEvent> out = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                out.add(EventJson.readFlow(line));
            }
        }
        return out;
    }

    /** Frames tcpdump reads from {@code file} with a filter: the trusted count. */
    static int tcpdumpCount(Path file, String filter) throws Exception {
        Process p = new ProcessBuilder("tcpdump", "-r", file.toString(), "-nn", filter).redirectError(
                ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "tcpdump (installed by scripts/test.sh) ran with filter " + filter);
        return (int) out.lines().count();
    }

    @Test
    void sampleCapturePacketsPerConversationEqualTcpdumps() throws Exception {
        Jar.Result r = Jar.run("flows", SAMPLE.toString(), "--top-talkers", "3");
        assertEquals(0, r.exit(), r.err());
        List<FlowEvent> recs = records(r.out());
        assertTrue(recs.size() >= 15, "records: " + recs.size());
        long total = 0;
        for (FlowEvent f : recs) {
            // tcpdump's icmp6 primitive does not follow extension headers (MLD reports carry hop-by-hop
            // options), so ICMPv6 is matched as IPv6 that is neither TCP nor UDP
            String proto = f.key().protocol() == 6 ? "tcp" : f.key().protocol() == 17 ? "udp"
                    : f.key().ipVersion() == 6 ? "ip6 and not tcp and not udp" : "icmp";
            String filter = "(" + proto + ") and src host " + f.key().srcIp() + " and dst host " + f.key().dstIp();
            String reverse = "(" + proto + ") and src host " + f.key().dstIp() + " and dst host " + f.key().srcIp();
            if (f.key().protocol() == 6 || f.key().protocol() == 17) {
                filter += " and src port " + f.key().srcPort() + " and dst port " + f.key().dstPort();
                reverse += " and src port " + f.key().dstPort() + " and dst port " + f.key().srcPort();
            }
            assertEquals(tcpdumpCount(SAMPLE, filter), f.packetsForward(), f.key() + " forward");
            assertEquals(tcpdumpCount(SAMPLE, reverse), f.packetsReverse(), f.key() + " reverse");
            total += f.packetCount();
        }
        // every frame is in a record except ARP, which carries no IP
        assertEquals(tcpdumpCount(SAMPLE, "") - tcpdumpCount(SAMPLE, "arp"), total);
        assertTrue(r.err().contains("top talkers by bytes"), r.err());
    }

    @Test
    void sampleCaptureHoldsTheConversationsItWasRecordedWith() throws Exception {
        // make-sample.sh: 5 UDP queries from .3 to .2:5353 each answered; 3 pings .3 -> .2; a connection
        // from .2 to .3:9999 refused with RST
        List<FlowEvent> recs = records(Jar.run("flows", SAMPLE.toString()).out());
        FlowEvent udp = find(recs, "10.77.0.3", "10.77.0.2", 17, 5353);
        assertEquals(5, udp.packetsForward());
        assertEquals(5, udp.packetsReverse());
        FlowEvent ping = find(recs, "10.77.0.3", "10.77.0.2", 1, 0);
        assertEquals(3, ping.packetsForward());
        assertEquals(3, ping.packetsReverse());
        FlowEvent refused = find(recs, "10.77.0.2", "10.77.0.3", 6, 9999);
        assertEquals("tcp-rst", refused.endReason().jsonName());
        assertEquals(2, refused.packetCount());
    }

    private static FlowEvent find(List<FlowEvent> recs, String src, String dst, int proto, int dstPort) {
        return recs.stream().filter(f -> f.key().srcIp().equals(src) && f.key().dstIp().equals(dst)
                        && f.key().protocol() == proto && f.key().dstPort() == dstPort).findFirst()
                .orElseThrow(() -> new AssertionError("no record " + src + " -> " + dst + ":" + dstPort + " in " + recs));
    }

    @Test
    void outWritesTheSameRecordsToAFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("flows.ndjson");
        Jar.Result r = Jar.run("flows", SAMPLE.toString(), "--out", out.toString(), "--workers", "2");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(new HashSet<>(records(Jar.run("flows", SAMPLE.toString()).out())),
                new HashSet<>(records(Files.readString(out))));
    }

    @Test
    void badOptionsGiveOneLineAndExitTwo() throws Exception {
        Map<String[], String> cases = Map.of(
                new String[] {"flows", SAMPLE.toString(), "--idle-timeout", "5x"}, "--idle-timeout: duration: '5x'",
                new String[] {"flows", SAMPLE.toString(), "--idle-timeout", "tcp=1m,sctp=5s"}, "unknown protocol 'sctp'",
                new String[] {"flows", SAMPLE.toString(), "--bogus"}, "unknown option --bogus (known: ",
                new String[] {"flows", SAMPLE.toString(), "--workers", "0"}, "--workers: 0 (expected: 1..256)",
                new String[] {"flows", SAMPLE.toString(), "--tcp-close", "maybe"}, "--tcp-close: 'maybe' (expected: on or off)",
                new String[] {"flows"}, "missing CAPTURE",
                new String[] {"flows", SAMPLE.toString(), "--sink", "natz:url=x"}, "no sink named 'natz'; available: [",
                new String[] {"flows", SAMPLE.toString(), "--idle-timeout", "10m", "--active-timeout", "5m"},
                "must not exceed activeTimeout (5m)",
                new String[] {"flowz"}, "unknown command 'flowz'");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            Jar.Result r = Jar.run(c.getKey());
            String what = String.join(" ", c.getKey());
            assertEquals(2, r.exit(), what + ": " + r.err());
            assertEquals(1, r.errLines().size(), what + ": one line: " + r.err());
            assertTrue(r.err().contains(c.getValue()), what + ": " + r.err());
            assertEquals("", r.out(), what);
        }
    }

    @Test
    void stdoutIsOneRecordPerLineAndNothingWhenThereAreNoFlows(@TempDir Path dir) throws Exception {
        String out = Jar.run("flows", SAMPLE.toString()).out();
        assertTrue(out.endsWith("\n"), "ends with a newline");
        List<String> lines = out.lines().toList();
        assertEquals(records(out).size(), lines.size(), "no blank or partial lines");
        // one ARP request: a valid capture with no IP packet, so no flow and not a byte on stdout
        byte[] request = Frames.cat(Frames.u16(1), Frames.u16(Frames.ETHERTYPE_IPV4), "0604", Frames.u16(1),
                Frames.MAC_A, Frames.addr("10.0.0.1"), "000000000000", Frames.addr("10.0.0.2"));
        Path arp = CaptureFiles.Pcap.ethernet().packet(1_700_000_000, 0, Frames.eth(Frames.ETHERTYPE_ARP, request))
                .writeTo(dir.resolve("arp.pcap"));
        Jar.Result r = Jar.run("flows", arp.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("1 packets (0 decoded, 1 non-IP, 0 malformed) -> 0 flows"), r.err());
    }

    @Test
    void anAggregatorsSnapshotIsPrintedAmongTheRecords() throws Exception {
        Jar.Result r = Jar.run("flows", SAMPLE.toString(), "--aggregator", "exact:name=senders,key=src_ip");
        assertEquals(0, r.exit(), r.err());
        List<String> snapshots = r.out().lines().filter(l -> EventJson.read(l) instanceof Snapshot).toList();
        assertEquals(1, snapshots.size(), "one snapshot, at the end of the capture");
        assertTrue(snapshots.get(0).startsWith("{\"event\":\"snapshot\",\"task\":\"senders\",\"type\":\"exact\","),
                snapshots.get(0));
        List<String> others = r.out().lines().filter(l -> !(EventJson.read(l) instanceof Snapshot)).toList();
        assertEquals(new HashSet<>(records(Jar.run("flows", SAMPLE.toString()).out())),
                new HashSet<>(records(String.join("\n", others))), "and every record, as without the aggregator");
        JsonNode snap = new ObjectMapper().readTree(snapshots.get(0));
        assertEquals("senders", snap.get("task").asText());
        assertTrue(snap.get("rows").size() > 0);
        for (JsonNode row : snap.get("rows")) {
            String ip = row.get("src_ip").asText();
            assertEquals(tcpdumpCount(SAMPLE, "(ip or ip6) and src host " + ip), row.get("value").asLong(), ip);
        }
    }

    /**
     * An exact task with a key bound smaller than the sample's sources: the rows it keeps hold their tcpdump counts
     * within their bounds, the packets it left out are in the snapshot's untracked total and on stderr, and rows plus
     * untracked are every IP packet of the capture.
     */
    @Test
    void anAggregatorAtItsKeyBoundSaysWhatItLeftOut() throws Exception {
        Jar.Result r = Jar.run("flows", SAMPLE.toString(), "--aggregator", "exact:name=senders,key=src_ip,max-keys=2");
        assertEquals(0, r.exit(), r.err());
        List<String> snapshots = r.out().lines().filter(l -> EventJson.read(l) instanceof Snapshot).toList();
        JsonNode snap = new ObjectMapper().readTree(snapshots.get(snapshots.size() - 1));
        assertEquals(2, snap.get("rows").size());
        long rows = 0;
        for (JsonNode row : snap.get("rows")) {
            long truth = tcpdumpCount(SAMPLE, "(ip or ip6) and src host " + row.get("src_ip").asText());
            assertTrue(row.get("lower").asLong() <= truth && truth <= row.get("upper").asLong(), row + " vs " + truth);
            rows += row.get("value").asLong();
        }
        long untracked = snap.get("totals").get("untracked_packets").asLong();
        assertEquals(tcpdumpCount(SAMPLE, "ip or ip6"), rows + untracked);
        assertTrue(r.err().contains(String.format(java.util.Locale.ROOT, "flowtrace flows: aggregator task 'senders' "
                + "(exact) left keys out at its max-keys bound: %,d packets", untracked)), r.err());
    }

    /** A full disk (the kernel's /dev/full): every record is counted failed, never delivered, and the run fails. */
    @Test
    void recordsThatCannotBeWrittenAreCountedFailedAndTheRunExitsOne() throws Exception {
        int records = records(Jar.run("flows", SAMPLE.toString()).out()).size();
        Jar.Result file = Jar.run("flows", SAMPLE.toString(), "--out", "/dev/full");
        assertEquals(1, file.exit(), file.err());
        assertTrue(file.err().contains(String.format("sink file: 0 delivered, 0 retried, %d failed,", records)),
                file.err());
        assertTrue(file.errLines().contains(String.format(
                "flowtrace flows: sink file did not deliver %d item(s) (%d failed, 0 dropped, 0 undelivered)",
                records, records)), file.err());

        // standard output on a full device, by default and through the stdout sink
        for (List<String> extra : List.of(List.<String>of(), List.of("--sink", "stdout"))) {
            List<String> args = new ArrayList<>(List.of("flows", SAMPLE.toString()));
            args.addAll(extra);
            String err = stdoutOnFullDevice(args);
            assertTrue(err.contains(String.format("sink stdout: 0 delivered, 0 retried, %d failed,", records)), err);
        }
        // the results of top
        String err = stdoutOnFullDevice(List.of("top", SAMPLE.toString(), "--key", "src_ip", "--quiet"));
        assertTrue(err.contains("flowtrace: standard output: a write failed"), err);
    }

    /** Runs the jar with its standard output on /dev/full; checks it exits 1 and returns its standard error. */
    private static String stdoutOnFullDevice(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Jar.jar().toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(new File("/dev/full")).start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished");
        assertEquals(1, p.exitValue(), err);
        return err;
    }

    @Test
    void aDamagedCaptureGivesItsRecordsThenAnErrorNamingFileAndOffset() throws Exception {
        Path file = Jar.corpus().resolve("malformed/derived/truncated_mid_record.pcap");
        Jar.Result r = Jar.run("flows", file.toString());
        assertEquals(1, r.exit(), r.err());
        // the corpus README: capinfos reads 3 packets before the cut
        long packets = records(r.out()).stream().mapToLong(FlowEvent::packetCount).sum();
        assertEquals(3, packets);
        String last = r.errLines().get(r.errLines().size() - 1);
        assertTrue(last.startsWith("flowtrace flows: ") && last.contains("truncated_mid_record.pcap")
                && last.contains("offset"), last);
        assertTrue(!r.err().contains("\tat "), r.err());
    }

    @Test
    void helpListsTheCommandsAndOptions() throws Exception {
        Jar.Result r = Jar.run("help", "flows");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("--idle-timeout D") && r.out().contains("--sink NAME:k=v"), r.out());
    }
}
