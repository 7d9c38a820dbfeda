package io.flowtrace.examples;

import io.flowtrace.capture.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of one-packet conversations from 2M distinct sources, metered by the agent jar in a 256 MiB heap with
 * the flow table bounded at 500k: the table never grows past its bound, and every packet still ends up in a
 * record (the flows pushed out are exported with end reason {@code evicted}).
 */
class FloodIT {
    private static final int SOURCES = 2_000_000;
    private static final int MAX_FLOWS = 500_000;

    @TempDir
    Path dir;

    @Test
    void everyPacketOfATwoMillionSourceFloodEndsUpInARecordWithABoundedTable() throws Exception {
        Path pcap = dir.resolve("flood.pcap");
        Path out = dir.resolve("flood.ndjson");
        SyntheticCapture.builder().flood(SOURCES).seed(2).truth(false).build().write(pcap);

        Jar.Result r = Jar.run(120, Map.of(), List.of("-Xmx256m"), "flows", pcap.toString(), "--max-flows",
                String.valueOf(MAX_FLOWS), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());

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
        // at most MAX_FLOWS flows are left for the end of the capture; every other one was pushed out
        assertTrue(evicted >= SOURCES - MAX_FLOWS, "evicted records: " + evicted);
        assertTrue(r.err().contains("evicted=" + evicted), r.err());
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
