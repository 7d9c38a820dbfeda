package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        Cli r = Cli.run(argv.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        for (String line : r.lines()) {
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
        Map<String, JsonNode> rows = countMinTop("bytes", bytesBySource, 100, "256KiB");
        for (Map.Entry<String, JsonNode> e : rows.entrySet()) {
            assertBounds(e.getValue(), bytesBySource.get(e.getKey()));
        }
    }

    @Test
    @DisplayName("count-min in 1 MiB: top-1000 by packets with F1 >= 0.99")
    void countMinTop1000ByPackets() throws Exception {
        countMinTop("packets", packetsBySource, 1000, "1MiB");
    }

    /** The top {@code k} sources by {@code metric} from count-min in {@code memory}, checked for F1 >= 0.99. */
    private static Map<String, JsonNode> countMinTop(String metric, Map<String, Long> truth, int k, String memory)
            throws Exception {
        Map<String, JsonNode> rows = top("--metric", metric, "--limit", String.valueOf(k), "--sketch", "count-min",
                "--memory", memory);
        double f1 = f1(rows.keySet(), truthTop(truth, k), k);
        assertTrue(f1 >= 0.99, "F1 " + f1);
        return rows;
    }

    /** A row's bounds (its value where it has none) hold the true value. */
    private static void assertBounds(JsonNode row, long actual) {
        long value = row.get("value").asLong();
        long lower = row.has("lower") ? row.get("lower").asLong() : value;
        long upper = row.has("upper") ? row.get("upper").asLong() : value;
        assertTrue(lower <= actual && actual <= upper, row + " vs " + actual);
    }

    @Test
    @DisplayName("exact with --max-keys: rows bound the truth and the untracked packets are what the rows lack")
    void exactWithAKeyBoundSaysWhatItLeftOut() throws Exception {
        Cli run = Cli.run("top", capture.toString(), "--key", "src_ip", "--quiet", "--max-keys", "1000",
                "--limit", "1000000");
        String errText = run.err();
        assertEquals(0, run.status(), errText);
        long rowsSum = 0;
        int rows = 0;
        for (String line : run.lines()) {
            JsonNode r = JSON.readTree(line);
            assertBounds(r, packetsBySource.get(r.get("key").get("src_ip").asText()));
            rowsSum += r.get("value").asLong();
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
