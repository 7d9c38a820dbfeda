package io.flowtrace.examples;

import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of one-packet conversations from 2M distinct sources, metered by the agent jar in a small heap: with the
 * flow table bounded at 500k in 256 MiB, and with the default bound (1M) in a heap too small to hold it. The table
 * never grows past its bound nor past what the heap holds, and every packet still ends up in a record (the flows
 * pushed out are exported with end reason {@code evicted}). An exact task over the flood runs in a small heap, with
 * its default bound (sized from the heap) or a lower one, and says what it left out.
 */
class FloodIT {
    private static final int SOURCES = 2_000_000;
    private static final int MAX_FLOWS = 500_000;

    @TempDir
    static Path dir;
    private static Path pcap;

    @BeforeAll
    static void flood() throws Exception {
        pcap = dir.resolve("flood.pcap");
        SyntheticCapture.builder().flood(SOURCES).seed(2).truth(false).build().write(pcap);
    }

    @Test
    void everyPacketOfATwoMillionSourceFloodEndsUpInARecordWithABoundedTable() throws Exception {
        Path out = dir.resolve("bounded.ndjson");
        Jar.Result r = Jar.run(120, Map.of(), List.of("-Xmx256m"), "flows", pcap.toString(), "--max-flows",
                String.valueOf(MAX_FLOWS), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        long evicted = assertEveryPacketInARecord(out, r);
        // at most MAX_FLOWS flows are left for the end of the capture; every other one was pushed out
        assertTrue(evicted >= SOURCES - MAX_FLOWS, "evicted records: " + evicted);
    }

    /**
     * The default bound of 1M flows needs some 140 MiB of table, and more while it grows: in a 128 MiB heap
     * the table stops growing where the heap runs out, says so, and evicts from there, where it used to stop the
     * run with an OutOfMemoryError.
     */
    @Test
    void aTableTheHeapCannotHoldStopsGrowingAndEvictsInsteadOfFailing() throws Exception {
        Path out = dir.resolve("heap.ndjson");
        Jar.Result r = Jar.run(120, Map.of(), List.of("-Xmx128m"), "flows", pcap.toString(), "--workers", "1",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        Matcher m = Pattern.compile("a flow table stays at (\\d+) flows .*the heap has no room").matcher(r.err());
        assertTrue(m.find(), r.err());
        long held = Long.parseLong(m.group(1));
        assertTrue(held < 1_048_576, "held below the default bound: " + held);
        long evicted = assertEveryPacketInARecord(out, r);
        assertTrue(evicted >= SOURCES - held, "evicted records: " + evicted);
    }

    /**
     * Over 2M sources an exact aggregator's keys cannot all fit in 64 MiB: its default bound is sized from the heap,
     * so the run succeeds, tracks what fits, and counts the packets of the other sources as untracked.
     */
    @Test
    void anExactAggregatorWithTheDefaultBoundRunsInASmallHeapAndSaysWhatItLeftOut() throws Exception {
        Jar.Result r = Jar.run(120, Map.of(), List.of("-Xmx64m"), "top", pcap.toString(), "--key", "src_ip",
                "--exact", "--quiet");
        assertEquals(0, r.exit(), r.err());
        Matcher m = Pattern.compile("the default bound \\(sized from the heap\\) holds were tracked "
                + "\\(--max-keys\\): ([0-9,]+) packets").matcher(r.err());
        assertTrue(m.find(), r.err());
        long untracked = Long.parseLong(m.group(1).replace(",", ""));
        assertTrue(untracked > SOURCES / 2 && untracked < SOURCES, r.err());
        assertEquals(10, r.out().split("\n").length, r.out());
    }

    /**
     * The same task with --max-keys runs in the same heap, with two workers each growing a flow table and an
     * aggregator, under either collector (under G1 large arrays take whole regions, found contiguous): tables and
     * keys stop growing while the heap still has room for the rest, where the run used to fail with an
     * OutOfMemoryError. Each source sent one packet, so the packets counted as untracked are the flood less one per
     * tracked key (at most 100,000), and every row's upper bound is its one packet plus those.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-XX:+UseG1GC", "-XX:+UseSerialGC"})
    void anExactAggregatorWithAKeyBoundRunsInTheSameHeapAndSaysWhatItLeftOut(String collector) throws Exception {
        Jar.Result r = Jar.run(120, Map.of(), List.of("-Xmx64m", collector), "top", pcap.toString(), "--key",
                "src_ip", "--exact", "--max-keys", "100000", "--workers", "2", "--quiet");
        assertEquals(0, r.exit(), r.err());
        Matcher m = Pattern.compile("at most 100,000 keys were tracked \\(--max-keys\\): ([0-9,]+) packets")
                .matcher(r.err());
        assertTrue(m.find(), r.err());
        long untracked = Long.parseLong(m.group(1).replace(",", ""));
        assertTrue(untracked >= SOURCES - 100_000 && untracked < SOURCES, r.err());
        String[] rows = r.out().split("\n");
        assertEquals(10, rows.length, r.out());
        for (String row : rows) {
            assertTrue(row.contains("\"value\":1,\"lower\":1,\"upper\":" + (1 + untracked) + "}"), row);
        }
    }

    /** Every packet of the flood in exactly one record, and the summary's eviction count; returns the evictions. */
    private static long assertEveryPacketInARecord(Path out, Jar.Result r) throws Exception {
        long records = 0;
        long packets = 0;
        long evicted = 0;
        try (BufferedReader in = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                records++;
                packets += number(line, "\"packet_count\":");
                if (line.contains("\"end_reason\":\"evicted\"")) {
                    evicted++;
                }
            }
        }
        assertEquals(SOURCES, packets, "packets in records");
        assertEquals(SOURCES, records, "one record per one-packet conversation");
        assertTrue(r.err().contains("evicted=" + evicted), r.err());
        return evicted;
    }

    private static long number(String line, String field) {
        int at = line.indexOf(field);
        if (at < 0) {
            throw new AssertionError("no " + field + " in " + line);
        }
        int p = at + field.length();
        long v = 0;
        while (p < line.length() && Character.isDigit(line.charAt(p))) {
            v = v * 10 + (line.charAt(p++) - '0');
        }
        return v;
    }
}
