package io.flowtrace.query.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.FlowFilter;
import io.flowtrace.query.SnapshotStores;
import io.flowtrace.query.TaskMetrics;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.query.memory.MemoryStore;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.testkit.ClickHouseServer;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code clickhouse} store against a real {@code clickhouse-server} (18.16 on Debian 12) whose time zone is not
 * UTC: the engine's tasks over a generated capture are written to it and to the {@code memory} store, and every
 * question gets the same answer from both, the ground truth's where it is exact; the engine's own queries read the
 * same totals from its tables.
 */
class ClickHouseStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;

    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("flowtrace", "s3cret-pw");

    @TempDir
    static Path dir;
    static GeneratedSnapshots run;
    static MemoryStore memory;
    static SnapshotStore clickhouse;

    @BeforeAll
    static void writeBoth() throws Exception {
        run = GeneratedSnapshots.run(dir);
        memory = new MemoryStore();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("host", "127.0.0.1");
        config.put("http-port", CLICKHOUSE.httpPort());
        config.put("database", "engine");
        config.put("username", CLICKHOUSE.user());
        config.put("password", CLICKHOUSE.password());
        clickhouse = SnapshotStores.discover().create("clickhouse", config);
        for (TaskSnapshot s : run.snapshots) {
            memory.write(s);
            clickhouse.write(s);
        }
        clickhouse.flush();
    }

    @AfterAll
    static void closeStores() {
        if (clickhouse != null) {
            clickhouse.close();
        }
    }

    @Test
    @DisplayName("the generated run has several snapshots per task, and every part was written")
    void everyPartWritten() {
        assertTrue(run.times(GeneratedSnapshots.EXACT).size() >= 6, run.times(GeneratedSnapshots.EXACT).toString());
        assertEquals(run.snapshots.size(), clickhouse.stats().written());
        assertEquals(0, clickhouse.stats().failed());
    }

    @Test
    @DisplayName("the final snapshot's totals are the capture's: packets, bytes and directional keys")
    void totalsAreTheTruth() {
        TaskSummary s = clickhouse.aggregate(GeneratedSnapshots.EXACT, FlowFilter.none(), Long.MAX_VALUE)
                .orElseThrow();
        assertEquals(new TaskSummary(GeneratedSnapshots.EXACT, run.bytes, run.packets, run.keys), s);
        // per source address: the exact task's rows filtered by SrcIP sum to the truth
        List<Map.Entry<String, Long>> sources = new ArrayList<>(run.packetsBySource.entrySet());
        sources.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, Long> e : sources.subList(0, 20)) {
            TaskSummary one = clickhouse.aggregate(GeneratedSnapshots.EXACT,
                    FlowFilter.of(Map.of("SrcIP", e.getKey())), Long.MAX_VALUE).orElseThrow();
            assertEquals(e.getValue(), one.totalPackets(), e.getKey());
            assertEquals(run.bytesBySource.get(e.getKey()), one.totalBytes(), e.getKey());
        }
    }

    @Test
    @DisplayName("a traced conversation has the truth's packets, bytes and first and last second")
    void traceIsTheTruth() {
        List<SyntheticCapture.Conversation> convs = new ArrayList<>(run.truth);
        convs.sort(Comparator.comparingLong(SyntheticCapture.Conversation::packetCount).reversed());
        for (SyntheticCapture.Conversation c : convs.subList(0, 10)) {
            Map<String, String> key = Map.of("SrcIP", c.key().srcIp(), "DstIP", c.key().dstIp(),
                    "SrcPort", String.valueOf(c.key().srcPort()), "DstPort", String.valueOf(c.key().dstPort()),
                    "Protocol", String.valueOf(c.key().protocol()));
            FlowLifecycle f = clickhouse.trace(GeneratedSnapshots.EXACT, FlowFilter.of(key), Long.MAX_VALUE)
                    .orElseThrow();
            assertEquals(c.packetsForward(), f.totalPackets(), c.key().toString());
            assertEquals(c.bytesForward(), f.totalBytes(), c.key().toString());
            assertEquals(Math.floorDiv(c.firstNanos(), SECOND) * SECOND, f.firstSeenNanos(), c.key().toString());
            assertTrue(f.lastSeenNanos() <= c.lastNanos() && f.lastSeenNanos() > c.lastNanos() - SECOND * 60,
                    c.key().toString());
        }
    }

    @Test
    @DisplayName("every question gets the same answer from the clickhouse store as from the memory store")
    void sameAnswersAsMemory() {
        assertEquals(sorted(memory.tasks()), sorted(clickhouse.tasks()));
        List<String> tasks = List.of(GeneratedSnapshots.EXACT, GeneratedSnapshots.COUNT_MIN,
                GeneratedSnapshots.SPREAD, "no_such_task");
        String topSource = run.packetsBySource.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow()
                .getKey();
        List<FlowFilter> filters = List.of(FlowFilter.none(), FlowFilter.of(Map.of("SrcIP", topSource)),
                FlowFilter.of(Map.of("DstIP", topSource)), FlowFilter.of(Map.of("Protocol", "17")),
                FlowFilter.of(Map.of("Protocol", "tcp", "DstPort", "443")),
                FlowFilter.of(Map.of("SrcIP", "192.0.2.99")));
        int questions = 0;
        for (String task : tasks) {
            List<Long> ends = new ArrayList<>(List.of(GeneratedSnapshots.START - 1, Long.MAX_VALUE));
            for (long t : run.times(GeneratedSnapshots.EXACT)) {
                ends.add(t);
                ends.add(t + SECOND / 2);
            }
            for (long end : ends) {
                assertEquals(normal(memory.latest(task, end)), normal(clickhouse.latest(task, end)), task + " " + end);
                for (FlowFilter f : filters) {
                    assertEquals(memory.aggregate(task, f, end), clickhouse.aggregate(task, f, end),
                            task + " " + f + " " + end);
                    Optional<FlowLifecycle> m = memory.trace(task, f, end).map(ClickHouseStoreTest::seconds);
                    assertEquals(m, clickhouse.trace(task, f, end), task + " " + f + " " + end);
                    questions += 3;
                }
                for (int type = 0; type <= 2; type++) {
                    for (int limit : new int[] {1, 5, 100_000}) {
                        assertEquals(memory.heavyHitters(task, type, end, limit),
                                clickhouse.heavyHitters(task, type, end, limit),
                                task + " type " + type + " limit " + limit + " " + end);
                        questions++;
                    }
                }
            }
            List<Long> times = run.times(task.equals("no_such_task") ? GeneratedSnapshots.EXACT : task);
            for (String metric : TaskMetrics.NAMES) {
                assertEquals(memory.series(task, metric, 0, Long.MAX_VALUE),
                        clickhouse.series(task, metric, 0, Long.MAX_VALUE), task + " " + metric);
                assertEquals(memory.series(task, metric, times.get(1), times.get(3)),
                        clickhouse.series(task, metric, times.get(1), times.get(3)), task + " " + metric);
                questions += 2;
            }
        }
        assertTrue(questions > 1000, "questions asked: " + questions);
        // the heavy hitters are not trivially empty
        assertFalse(clickhouse.heavyHitters(GeneratedSnapshots.COUNT_MIN, 1, Long.MAX_VALUE, 10).isEmpty());
        assertFalse(clickhouse.heavyHitters(GeneratedSnapshots.SPREAD, 2, Long.MAX_VALUE, 10).isEmpty());
    }

    @Test
    @DisplayName("the engine's own queries (argMax per key over its tables) read the capture's totals")
    void engineQueriesReadTheTables() throws Exception {
        // the shape of the engine's AggregateFlows and QueryHeavyHitters
        JsonNode agg = rows("SELECT TaskName, SUM(LatestByteCount) AS TotalBytes,"
                + " SUM(LatestPacketCount) AS TotalPackets, COUNT(*) AS FlowCount FROM (SELECT TaskName,"
                + " argMax(ByteCount, Timestamp) AS LatestByteCount,"
                + " argMax(PacketCount, Timestamp) AS LatestPacketCount"
                + " FROM engine.flow_metrics WHERE TaskName = 'per_five_tuple'"
                + " GROUP BY TaskName, SrcIP, DstIP, SrcPort, DstPort, Protocol) GROUP BY TaskName").get(0);
        assertEquals(run.bytes, agg.get("TotalBytes").asLong());
        assertEquals(run.packets, agg.get("TotalPackets").asLong());
        assertEquals(run.keys, agg.get("FlowCount").asLong());
        long last = run.times(GeneratedSnapshots.COUNT_MIN).get(run.times(GeneratedSnapshots.COUNT_MIN).size() - 1);
        JsonNode top = rows("SELECT Flow, LatestValue FROM (SELECT Flow, argMax(Value, Timestamp) AS LatestValue"
                + " FROM engine.heavy_hitters WHERE TaskName = 'cm_src' AND Type = 1 GROUP BY Flow)"
                + " ORDER BY LatestValue DESC LIMIT 1").get(0);
        assertEquals(clickhouse.heavyHitters(GeneratedSnapshots.COUNT_MIN, 1, last, 1).get(0).flow(),
                top.get("Flow").asText());
        // the columns are the engine's, type for type
        List<String> columns = new ArrayList<>();
        for (JsonNode c : rows("SELECT name, type FROM system.columns WHERE database = 'engine'"
                + " AND table = 'flow_metrics'")) {
            columns.add(c.get("name").asText() + " " + c.get("type").asText());
        }
        assertEquals(List.of("Timestamp DateTime", "TaskName String", "SrcIP Nullable(String)",
                "DstIP Nullable(String)", "SrcPort Nullable(UInt16)", "DstPort Nullable(UInt16)",
                "Protocol Nullable(UInt8)", "StartTime DateTime", "EndTime DateTime", "ByteCount UInt64",
                "PacketCount UInt64"), columns);
    }

    @Test
    @DisplayName("timestamps are UTC instants on a server whose time zone is Asia/Shanghai")
    void timestampsAreUtc() throws Exception {
        assertEquals("Asia/Shanghai", rows("SELECT timezone() AS tz").get(0).get("tz").asText());
        List<Long> times = run.times(GeneratedSnapshots.EXACT);
        long last = times.get(times.size() - 1);
        JsonNode r = rows("SELECT toUnixTimestamp(max(Timestamp)) AS ts, toString(max(Timestamp), 'UTC') AS utc"
                + " FROM engine.flow_metrics WHERE TaskName = 'per_five_tuple'").get(0);
        assertEquals(Math.floorDiv(last, SECOND), r.get("ts").asLong());
        assertEquals(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochSecond(Math.floorDiv(last, SECOND))), r.get("utc").asText());
    }

    @Test
    @DisplayName("a snapshot writes only the keys that changed since the last one")
    void onlyChangedKeysWritten() throws Exception {
        // count, from the memory store's whole snapshots, the keys each snapshot changed
        long expected = 0;
        Map<Map<String, String>, String> previous = new HashMap<>();
        long full = 0;
        for (long t : run.times(GeneratedSnapshots.EXACT)) {
            TaskSnapshot s = memory.latest(GeneratedSnapshots.EXACT, t).orElseThrow();
            Map<Map<String, String>, String> now = new HashMap<>();
            for (TaskSnapshot.FlowRow f : s.flows()) {
                String v = f.packets() + " " + f.bytes() + " " + Math.floorDiv(f.lastNanos(), SECOND);
                now.put(f.key(), v);
                if (!v.equals(previous.get(f.key()))) {
                    expected++;
                }
            }
            full += s.flows().size();
            previous = now;
        }
        long rowsWritten = rows("SELECT count() AS n FROM engine.flow_metrics WHERE TaskName = 'per_five_tuple'")
                .get(0).get("n").asLong();
        assertEquals(expected, rowsWritten);
        assertTrue(rowsWritten < full, rowsWritten + " rows against " + full + " for whole snapshots");
    }

    static List<JsonNode> rows(String sql) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : CLICKHOUSE.query(sql + " FORMAT JSONEachRow").split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static FlowLifecycle seconds(FlowLifecycle f) {
        return new FlowLifecycle(Math.floorDiv(f.firstSeenNanos(), SECOND) * SECOND,
                Math.floorDiv(f.lastSeenNanos(), SECOND) * SECOND, f.totalPackets(), f.totalBytes());
    }

    private static <T> List<String> sorted(List<T> items) {
        List<String> out = new ArrayList<>();
        for (T t : items) {
            out.add(t.toString());
        }
        out.sort(null);
        return out;
    }

    /** A snapshot as text: rows sorted, times of rows in whole seconds (ClickHouse's DateTime). */
    static Optional<String> normal(Optional<TaskSnapshot> s) {
        return s.map(x -> {
            List<String> flows = new ArrayList<>();
            for (TaskSnapshot.FlowRow f : x.flows()) {
                flows.add(f.key() + " " + Math.floorDiv(f.firstNanos(), SECOND) + " "
                        + Math.floorDiv(f.lastNanos(), SECOND) + " " + f.packets() + " " + f.bytes());
            }
            flows.sort(null);
            List<String> hitters = new ArrayList<>();
            for (TaskSnapshot.Hitter h : x.hitters()) {
                hitters.add(h.toString());
            }
            hitters.sort(null);
            return x.task() + " " + x.kind() + " " + x.keyFields() + " " + x.startNanos() + " " + x.timeNanos() + " "
                    + new java.util.TreeMap<>(x.totals()) + "\n" + String.join("\n", flows) + "\n"
                    + String.join("\n", hitters);
        });
    }
}
