package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code top} on a generated capture whose answers are known from its ground truth file. */
class TopGeneratedCaptureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path capture;
    static Map<String, Long> bytesBySource = new HashMap<>();
    static Map<String, Long> packetsBySource = new HashMap<>();

    @BeforeAll
    static void generate() throws Exception {
        capture = dir.resolve("zipf.pcap");
        SyntheticCapture.builder().packets(1_000_000).conversations(100_000).zipf(1.0).ipv6Share(0.2).seed(7)
                .build().write(capture);
        // a packet's source is the client going forward and the server coming back
        for (SyntheticCapture.Conversation c : SyntheticCapture.readTruth(SyntheticCapture.truthPath(capture))) {
            bytesBySource.merge(c.key().srcIp(), c.bytesForward(), Long::sum);
            bytesBySource.merge(c.key().dstIp(), c.bytesReverse(), Long::sum);
            packetsBySource.merge(c.key().srcIp(), c.packetsForward(), Long::sum);
            packetsBySource.merge(c.key().dstIp(), c.packetsReverse(), Long::sum);
        }
    }

    static Map<String, JsonNode> top(String... options) throws Exception {
        List<String> argv = new ArrayList<>(List.of("top", capture.toString(), "--key", "src_ip", "--quiet"));
        argv.addAll(List.of(options));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode row = JSON.readTree(line);
            rows.put(row.get("key").get("src_ip").asText(), row);
        }
        return rows;
    }

    /** Sources whose value is at least the k-th largest (ties at the boundary all count). */
    static Set<String> truthTop(Map<String, Long> values, int k) {
        List<Long> sorted = new ArrayList<>(values.values());
        sorted.sort(null);
        long kth = sorted.get(sorted.size() - k);
        Set<String> out = new HashSet<>();
        values.forEach((ip, v) -> {
            if (v >= kth) {
                out.add(ip);
            }
        });
        return out;
    }

    static double f1(Set<String> reported, Set<String> truth, int k) {
        Set<String> hit = new HashSet<>(reported);
        hit.retainAll(truth);
        double precision = (double) hit.size() / reported.size();
        double recall = Math.min(1.0, (double) hit.size() / k);
        return 2 * precision * recall / (precision + recall);
    }

    @Test
    @DisplayName("exact top-100 sources by bytes equal the ground truth, largest first")
    void exactTopIsTheTruth() throws Exception {
        Map<String, JsonNode> rows = top("--metric", "bytes", "--limit", "100");
        assertEquals(100, rows.size());
        long previous = Long.MAX_VALUE;
        for (Map.Entry<String, JsonNode> e : rows.entrySet()) {
            long v = e.getValue().get("value").asLong();
            assertEquals(bytesBySource.get(e.getKey()), v, e.getKey());
            assertTrue(v <= previous);
            previous = v;
        }
        assertTrue(truthTop(bytesBySource, 100).containsAll(rows.keySet()));
    }

    @Test
    @DisplayName("count-min in 256 KiB: top-100 by bytes with F1 >= 0.99 and bounds around the truth")
    void countMinTop100ByBytes() throws Exception {
        Map<String, JsonNode> rows = top("--metric", "bytes", "--limit", "100", "--sketch", "count-min",
                "--memory", "256KiB");
        double f1 = f1(rows.keySet(), truthTop(bytesBySource, 100), 100);
        assertTrue(f1 >= 0.99, "F1 " + f1);
        for (Map.Entry<String, JsonNode> e : rows.entrySet()) {
            long actual = bytesBySource.get(e.getKey());
            JsonNode r = e.getValue();
            long lower = r.has("lower") ? r.get("lower").asLong() : r.get("value").asLong();
            long upper = r.has("upper") ? r.get("upper").asLong() : r.get("value").asLong();
            assertTrue(lower <= actual && actual <= upper, e.getKey() + " " + r + " vs " + actual);
        }
    }

    @Test
    @DisplayName("count-min in 1 MiB: top-1000 by packets with F1 >= 0.99")
    void countMinTop1000ByPackets() throws Exception {
        Map<String, JsonNode> rows = top("--metric", "packets", "--limit", "1000", "--sketch", "count-min",
                "--memory", "1MiB");
        double f1 = f1(rows.keySet(), truthTop(packetsBySource, 1000), 1000);
        assertTrue(f1 >= 0.99, "F1 " + f1);
    }

    @Test
    @DisplayName("exact with --max-keys: rows bound the truth and the untracked packets are what the rows lack")
    void exactWithAKeyBoundSaysWhatItLeftOut() throws Exception {
        List<String> argv = List.of("top", capture.toString(), "--key", "src_ip", "--quiet", "--max-keys", "1000",
                "--limit", "1000000");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String errText = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, errText);
        long rowsSum = 0;
        int rows = 0;
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode r = JSON.readTree(line);
            long actual = packetsBySource.get(r.get("key").get("src_ip").asText());
            long value = r.get("value").asLong();
            long lower = r.has("lower") ? r.get("lower").asLong() : value;
            long upper = r.has("upper") ? r.get("upper").asLong() : value;
            assertTrue(lower <= actual && actual <= upper, r + " vs " + actual);
            rowsSum += value;
            rows++;
        }
        assertTrue(rows <= 1000, rows + " rows");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("at most 1,000 keys were tracked \\(--max-keys\\): ([0-9,]+) packets").matcher(errText);
        assertTrue(m.find(), errText);
        long untracked = Long.parseLong(m.group(1).replace(",", ""));
        long total = packetsBySource.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(total - rowsSum, untracked, "untracked packets: all the traffic the rows do not hold");
    }
}
