package io.flowtrace.query.clickhouse;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.FlowFilter;
import io.flowtrace.query.TaskMetrics;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.query.clickhouse.ClickHouseHttp.Failure;
import io.flowtrace.query.clickhouse.ClickHouseHttp.Kind;
import io.flowtrace.query.spi.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Snapshots in ClickHouse, in the analysis engine's own tables so that its query tools read flowtrace's data:
 * an exact task's keys in {@code flow_metrics}, a sketch task's heavy hitters in {@code heavy_hitters} ({@code Type}
 * 0 packets, 1 bytes, 2 spread; {@code Flow} the key's values joined by spaces), both {@code MergeTree} tables with
 * the engine's columns, created when missing. A third table of flowtrace's own, {@code flowtrace_snapshots}, holds
 * one row per snapshot: its exact time, kind, key fields, totals and metric values, so a series has one point per
 * snapshot and a question names the snapshot it is answered from.
 *
 * <p><b>Only what changed.</b> A task's rows are cumulative over its period, so a snapshot writes to
 * {@code flow_metrics} only the keys whose packets, bytes or last-seen second changed since the task's last written
 * snapshot; the first snapshot a process writes of a task, and one after its counts went back (a new period), are
 * written whole and start a new chain (the {@code Base} of {@code flowtrace_snapshots}). A key's state at a
 * snapshot is its row with the largest counts in its chain up to the snapshot's second, which is its latest row:
 * within a period counts only grow. The engine's tools take each key's latest row ({@code argMax(..., Timestamp)}),
 * which is the same row. Heavy hitters are a bounded top list and are written whole at every snapshot.
 *
 * <p><b>Time.</b> {@code DateTime} columns are written as epoch seconds, which the server stores as they are,
 * whatever its time zone (UTC instants, not local time); they hold whole seconds, so first and last seen read back
 * truncated to the second, and of two snapshots of one task within one second the rows of the later are what both
 * read back.
 *
 * <p><b>Failures.</b> A write that finds ClickHouse unreachable is retried with growing pauses within the retry
 * budget (one budget per outage: once it is spent, each later snapshot gets one attempt); what is still not
 * written is counted ({@link Stats#failed()}) and logged, and the task's next snapshot writes every key changed
 * since its last written one, so nothing is missing once ClickHouse is back. A refused user,
 * a native port or a refused statement is not retried. Questions retry within a few seconds and then fail with
 * {@link UncheckedIOException} saying why.
 *
 * <p>Thread-safe: writes hold one lock; questions run concurrently.
 */
final class ClickHouseStore implements SnapshotStore {
    static final String FLOW_METRICS = "flow_metrics";
    static final String HEAVY_HITTERS = "heavy_hitters";
    static final String SNAPSHOTS = "flowtrace_snapshots";
    /** Rows sent per INSERT: bounds the request body. */
    static final int BATCH_ROWS = 50_000;
    private static final long SECOND = 1_000_000_000L;
    private static final long READ_BUDGET_NANOS = 5 * SECOND;
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseStore.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String KEY_COLUMNS = "SrcIP, DstIP, SrcPort, DstPort, Protocol";

    private final ClickHouseHttp http;
    private final String database;
    private final long budgetNanos;
    private final LongSupplier clock;
    private final ClickHouseHttp.Sleeper sleeper;
    private final Map<String, TaskState> states = new HashMap<>();
    /** Per task, the time of its last snapshot whose first part could not be written. */
    private final Map<String, Long> failedSnapshot = new HashMap<>();
    private static final long NOT_DOWN = Long.MIN_VALUE;
    private boolean schemaReady;
    /** When the current outage began ({@link #clock}), {@link #NOT_DOWN} when the last request got through. */
    private long unreachableSince = NOT_DOWN;
    private long written;
    private long failed;
    private long rowsWritten;
    private long rowsFailed;

    /** What was last written of a task: the chain's base and each key's last written counts. */
    private static final class TaskState {
        long baseSecond;
        long lastSecond;
        final Map<String, long[]> keys = new HashMap<>();
        TaskSnapshot last;
        int parts;
    }

    ClickHouseStore(ClickHouseHttp http, String database, long budgetNanos, LongSupplier clock,
                    ClickHouseHttp.Sleeper sleeper) {
        this.http = http;
        this.database = database;
        this.budgetNanos = budgetNanos;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * Checks the server and creates the database and tables, retrying within the budget while it is unreachable.
     * A refused user, a native port or TLS that fails is a {@link ConfigurationException}; a server still
     * unreachable after the budget is logged, and the tables are made at the first write that reaches it.
     *
     * @param plugin what is configured, for messages
     */
    void open(String plugin) {
        try {
            String version = guarded(http::version);
            ensureSchema();
            LOG.info("{}: ClickHouse {} at {}, database '{}', user '{}'", plugin, version, http.base(), database,
                    http.user());
        } catch (Failure f) {
            if (f.kind() == Kind.UNREACHABLE) {
                LOG.warn("{}: {} (after {} attempts over the retry budget); snapshots are retried at every write and"
                        + " counted as failed until it answers", plugin, f.getMessage(), f.attempts());
                return;
            }
            throw new ConfigurationException(plugin + ": " + f.getMessage(), f);
        }
    }

    private void ensureSchema() throws Failure {
        if (schemaReady) {
            return;
        }
        if (database != null) {
            http.execute("CREATE DATABASE IF NOT EXISTS " + identifier(database), false);
        }
        // the engine's own tables, column for column
        http.execute("CREATE TABLE IF NOT EXISTS " + FLOW_METRICS + " (Timestamp DateTime, TaskName String,"
                + " SrcIP Nullable(String), DstIP Nullable(String), SrcPort Nullable(UInt16), DstPort Nullable(UInt16),"
                + " Protocol Nullable(UInt8), StartTime DateTime, EndTime DateTime, ByteCount UInt64,"
                + " PacketCount UInt64) ENGINE = MergeTree() PARTITION BY toYYYYMM(Timestamp)"
                + " ORDER BY (TaskName, Timestamp)", true);
        http.execute("CREATE TABLE IF NOT EXISTS " + HEAVY_HITTERS + " (Timestamp DateTime, TaskName String,"
                + " Flow String, Value UInt64, Type UInt8) ENGINE = MergeTree() PARTITION BY toYYYYMM(Timestamp)"
                + " ORDER BY (TaskName, Timestamp)", true);
        http.execute("CREATE TABLE IF NOT EXISTS " + SNAPSHOTS + " (Timestamp DateTime, TaskName String,"
                + " TimeNanos Int64, StartNanos Int64, Base DateTime, Parts UInt16, Kind String,"
                + " KeyFields Array(String), Types Array(UInt8), TotalNames Array(String), TotalValues Array(Int64),"
                + " MetricNames Array(String), MetricValues Array(Int64), Rows UInt64)"
                + " ENGINE = MergeTree() PARTITION BY toYYYYMM(Timestamp) ORDER BY (TaskName, TimeNanos)", true);
        schemaReady = true;
    }

    private static String identifier(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    @Override
    public String name() {
        return "clickhouse";
    }

    @Override
    public synchronized void write(TaskSnapshot s) {
        Long failedAt = failedSnapshot.get(s.task());
        if (failedAt != null && failedAt == s.timeNanos()) {
            // the rest of a snapshot whose first part was not written: alone it would read back as the whole
            failed++;
            rowsFailed += s.flows().size() + s.hitters().size();
            LOG.warn("store 'clickhouse': a part of the snapshot of task '{}' at {} not written: its other part was"
                    + " not", s.task(), java.time.Instant.ofEpochSecond(0, s.timeNanos()));
            return;
        }
        failedSnapshot.remove(s.task());
        TaskState st = states.get(s.task());
        boolean samePart = st != null && st.last != null && st.last.timeNanos() == s.timeNanos();
        List<TaskSnapshot.FlowRow> rows;
        boolean newChain;
        Map<String, long[]> changed = new HashMap<>();
        if (samePart) {
            // another part of the snapshot just written (a Count-Min task's bytes after its packets)
            rows = s.flows();
            newChain = false;
        } else {
            newChain = st == null || !coversEveryKey(s, st, changed);
            rows = newChain ? s.flows() : changedRows(s, changed);
        }
        long second = seconds(s.timeNanos());
        long base = newChain ? second : st.baseSecond;
        TaskSnapshot whole = samePart ? st.last.with(s) : s;
        int parts = samePart ? st.parts + 1 : 1;
        try {
            guarded(() -> {
                ensureSchema();
                return null;
            });
            for (int from = 0; from < rows.size(); from += BATCH_ROWS) {
                byte[] body = flowRows(s, rows.subList(from, Math.min(rows.size(), from + BATCH_ROWS)), second);
                insert(FLOW_METRICS, body);
            }
            for (int from = 0; from < s.hitters().size(); from += BATCH_ROWS) {
                byte[] body = hitterRows(s, s.hitters().subList(from, Math.min(s.hitters().size(),
                        from + BATCH_ROWS)), second);
                insert(HEAVY_HITTERS, body);
            }
            insert(SNAPSHOTS, snapshotRow(whole, second, base, parts));
        } catch (Failure f) {
            failed++;
            rowsFailed += rows.size() + s.hitters().size();
            if (!samePart) {
                failedSnapshot.put(s.task(), s.timeNanos());
            }
            LOG.warn("store 'clickhouse': snapshot of task '{}' at {} not written ({} rows; {} snapshot parts not"
                    + " written so far, the task's next snapshot carries its changes): {}", s.task(),
                    java.time.Instant.ofEpochSecond(0, s.timeNanos()), rows.size() + s.hitters().size(), failed,
                    f.getMessage());
            return;
        }
        written++;
        rowsWritten += rows.size() + s.hitters().size();
        if (st == null) {
            st = new TaskState();
            states.put(s.task(), st);
        }
        if (newChain) {
            st.keys.clear();
            st.baseSecond = second;
            for (TaskSnapshot.FlowRow r : rows) {
                st.keys.put(keyText(r.key()), counts(r));
            }
        } else if (!samePart) {
            st.keys.putAll(changed);
        }
        st.lastSecond = second;
        st.last = whole;
        st.parts = parts;
    }

    private void insert(String table, byte[] body) throws Failure {
        guarded(() -> {
            http.insert(table, body);
            return null;
        });
    }

    /**
     * Runs a write-side request, retrying while ClickHouse is unreachable within what is left of the outage's
     * budget: one budget per outage, not per request, so a long outage costs each later snapshot one attempt and
     * never stalls the writer for a budget each time.
     */
    private <T> T guarded(ClickHouseHttp.Op<T> op) throws Failure {
        long now = clock.getAsLong();
        long budget = unreachableSince == NOT_DOWN ? budgetNanos
                : Math.max(0, unreachableSince + budgetNanos - now);
        try {
            T t = ClickHouseHttp.retrying(op, budget, clock, sleeper);
            unreachableSince = NOT_DOWN;
            return t;
        } catch (Failure f) {
            if (f.kind() == Kind.UNREACHABLE && unreachableSince == NOT_DOWN) {
                unreachableSince = now;
            }
            throw f;
        }
    }

    /**
     * Whether the snapshot still holds every key last written with counts that did not go back (the same period);
     * fills {@code changed} with the keys that are new or changed.
     */
    private static boolean coversEveryKey(TaskSnapshot s, TaskState st, Map<String, long[]> changed) {
        int seen = 0;
        for (TaskSnapshot.FlowRow r : s.flows()) {
            String k = keyText(r.key());
            long[] c = counts(r);
            long[] was = st.keys.get(k);
            if (was != null) {
                seen++;
                if (c[0] < was[0] || c[1] < was[1] || c[2] != was[2]) {
                    return false;
                }
                if (c[0] == was[0] && c[1] == was[1] && c[3] == was[3]) {
                    continue;
                }
            }
            changed.put(k, c);
        }
        return seen == st.keys.size();
    }

    private static List<TaskSnapshot.FlowRow> changedRows(TaskSnapshot s, Map<String, long[]> changed) {
        List<TaskSnapshot.FlowRow> out = new ArrayList<>(changed.size());
        for (TaskSnapshot.FlowRow r : s.flows()) {
            if (changed.containsKey(keyText(r.key()))) {
                out.add(r);
            }
        }
        return out;
    }

    private static long[] counts(TaskSnapshot.FlowRow r) {
        return new long[] {r.packets(), r.bytes(), seconds(r.firstNanos()), seconds(r.lastNanos())};
    }

    private static String keyText(Map<String, String> key) {
        return String.join(" ", key.values());
    }

    /** {@return epoch nanoseconds as {@code DateTime} seconds, within the type's range} */
    static long seconds(long nanos) {
        long s = Math.floorDiv(nanos, SECOND);
        return Math.max(0, Math.min(s, 0xFFFF_FFFFL));
    }

    private static byte[] flowRows(TaskSnapshot s, List<TaskSnapshot.FlowRow> rows, long second) {
        return json(g -> {
            for (TaskSnapshot.FlowRow r : rows) {
                g.writeStartObject();
                g.writeNumberField("Timestamp", second);
                g.writeStringField("TaskName", s.task());
                for (String f : FlowFilter.FIELDS) {
                    String v = r.key().get(f);
                    if (v == null) {
                        g.writeNullField(f);
                    } else if (f.endsWith("IP")) {
                        g.writeStringField(f, v);
                    } else {
                        g.writeNumberField(f, Long.parseLong(v));
                    }
                }
                g.writeNumberField("StartTime", seconds(r.firstNanos()));
                g.writeNumberField("EndTime", seconds(r.lastNanos()));
                g.writeNumberField("ByteCount", Math.max(0, r.bytes()));
                g.writeNumberField("PacketCount", Math.max(0, r.packets()));
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }

    private static byte[] hitterRows(TaskSnapshot s, List<TaskSnapshot.Hitter> hitters, long second) {
        return json(g -> {
            for (TaskSnapshot.Hitter h : hitters) {
                g.writeStartObject();
                g.writeNumberField("Timestamp", second);
                g.writeStringField("TaskName", s.task());
                g.writeStringField("Flow", h.flow());
                g.writeNumberField("Value", Math.max(0, h.value()));
                g.writeNumberField("Type", h.type());
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }

    private static byte[] snapshotRow(TaskSnapshot s, long second, long base, int parts) {
        TreeSet<Integer> types = new TreeSet<>();
        for (TaskSnapshot.Hitter h : s.hitters()) {
            types.add(h.type());
        }
        return json(g -> {
            g.writeStartObject();
            g.writeNumberField("Timestamp", second);
            g.writeStringField("TaskName", s.task());
            g.writeNumberField("TimeNanos", s.timeNanos());
            g.writeNumberField("StartNanos", s.startNanos());
            g.writeNumberField("Base", base);
            g.writeNumberField("Parts", Math.min(parts, 65535));
            g.writeStringField("Kind", s.kind());
            g.writeArrayFieldStart("KeyFields");
            for (String f : s.keyFields()) {
                g.writeString(f);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("Types");
            for (int t : types) {
                g.writeNumber(t);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("TotalNames");
            for (String n : s.totals().keySet()) {
                g.writeString(n);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("TotalValues");
            for (Long v : s.totals().values()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("MetricNames");
            for (String n : TaskMetrics.NAMES) {
                g.writeString(n);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("MetricValues");
            for (String n : TaskMetrics.NAMES) {
                g.writeNumber(TaskMetrics.value(s, n));
            }
            g.writeEndArray();
            g.writeNumberField("Rows", s.flows().size() + s.hitters().size());
            g.writeEndObject();
            g.writeRaw('\n');
        });
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- questions ----

    /** One snapshot's row of {@code flowtrace_snapshots}. */
    private record Meta(String task, long timeNanos, long startNanos, long second, long base, String kind,
                        List<String> keyFields, List<Integer> types, Map<String, Long> totals,
                        Map<String, Long> metrics) {
    }

    private List<JsonNode> select(String sql) {
        try {
            return ClickHouseHttp.retrying(() -> http.select(sql), Math.min(budgetNanos, READ_BUDGET_NANOS), clock,
                    sleeper);
        } catch (Failure f) {
            // 60: no such table, 81: no such database: nothing has been written yet
            if (f.kind() == Kind.REFUSED && (f.code() == 60 || f.code() == 81)) {
                return List.of();
            }
            throw f.unchecked();
        }
    }

    private static final String META_COLUMNS = "TaskName, TimeNanos, StartNanos, toUnixTimestamp(Timestamp) AS Ts,"
            + " toUnixTimestamp(Base) AS B, Kind, KeyFields, Types, TotalNames, TotalValues, MetricNames, MetricValues";

    private static Meta meta(JsonNode r) {
        List<String> fields = new ArrayList<>();
        r.get("KeyFields").forEach(n -> fields.add(n.asText()));
        List<Integer> types = new ArrayList<>();
        r.get("Types").forEach(n -> types.add(n.asInt()));
        return new Meta(r.get("TaskName").asText(), ClickHouseHttp.longOf(r, "TimeNanos"),
                ClickHouseHttp.longOf(r, "StartNanos"), ClickHouseHttp.longOf(r, "Ts"), ClickHouseHttp.longOf(r, "B"),
                r.get("Kind").asText(), fields, types, pairs(r, "TotalNames", "TotalValues"),
                pairs(r, "MetricNames", "MetricValues"));
    }

    private static Map<String, Long> pairs(JsonNode r, String names, String values) {
        Map<String, Long> out = new LinkedHashMap<>();
        JsonNode n = r.get(names);
        JsonNode v = r.get(values);
        for (int i = 0; i < n.size() && i < v.size(); i++) {
            JsonNode x = v.get(i);
            out.put(n.get(i).asText(), x.isTextual() ? Long.parseLong(x.asText()) : x.asLong());
        }
        return out;
    }

    /** {@return the task's latest snapshot row at or before {@code endNanos}, its last part} */
    private Optional<Meta> latestMeta(String task, long endNanos) {
        List<JsonNode> rows = select("SELECT " + META_COLUMNS + " FROM " + SNAPSHOTS + " WHERE TaskName = "
                + ClickHouseHttp.quote(task) + " AND TimeNanos <= " + endNanos
                + " ORDER BY TimeNanos DESC, Parts DESC LIMIT 1 FORMAT JSONEachRow");
        return rows.isEmpty() ? Optional.empty() : Optional.of(meta(rows.get(0)));
    }

    /** {@return the condition that picks a snapshot's {@code flow_metrics} rows: its chain up to its second} */
    private static String chain(Meta m) {
        return "TaskName = " + ClickHouseHttp.quote(m.task) + " AND Timestamp >= toDateTime(" + m.base
                + ") AND Timestamp <= toDateTime(" + m.second + ")";
    }

    private static String filter(FlowFilter f) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : f.fields().entrySet()) {
            String field = FlowFilter.field(e.getKey());
            b.append(" AND ").append(field).append(" = ");
            if (field.endsWith("IP")) {
                b.append(ClickHouseHttp.quote(e.getValue()));
            } else {
                b.append(Long.parseLong(e.getValue()));
            }
        }
        return b.toString();
    }

    /** Each key of the chain with its latest state: the largest counts, its first and last second. */
    private static String keysSql(Meta m, FlowFilter f) {
        return "SELECT " + KEY_COLUMNS + ", max(PacketCount) AS P, max(ByteCount) AS B,"
                + " toUnixTimestamp(min(StartTime)) AS F, toUnixTimestamp(max(EndTime)) AS L FROM " + FLOW_METRICS
                + " WHERE " + chain(m) + filter(f) + " GROUP BY " + KEY_COLUMNS;
    }

    @Override
    public List<TaskInfo> tasks() {
        List<JsonNode> rows = select("SELECT TaskName, Kind, KeyFields, Types FROM " + SNAPSHOTS
                + " ORDER BY TaskName, TimeNanos DESC, Parts DESC LIMIT 1 BY TaskName FORMAT JSONEachRow");
        List<TaskInfo> out = new ArrayList<>();
        for (JsonNode r : rows) {
            List<String> fields = new ArrayList<>();
            r.get("KeyFields").forEach(n -> fields.add(n.asText()));
            List<Integer> types = new ArrayList<>();
            r.get("Types").forEach(n -> types.add(n.asInt()));
            out.add(new TaskInfo(r.get("TaskName").asText(), r.get("Kind").asText(), fields, types));
        }
        return out;
    }

    @Override
    public Optional<TaskSnapshot> latest(String task, long endNanos) {
        Optional<Meta> found = latestMeta(task, endNanos);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Meta m = found.get();
        List<TaskSnapshot.FlowRow> flows = new ArrayList<>();
        List<TaskSnapshot.Hitter> hitters = new ArrayList<>();
        if (TaskSnapshot.EXACT.equals(m.kind)) {
            for (JsonNode r : select(keysSql(m, FlowFilter.none()) + " FORMAT JSONEachRow")) {
                Map<String, String> key = new LinkedHashMap<>();
                for (String f : m.keyFields) {
                    JsonNode v = r.get(f);
                    if (v != null && !v.isNull()) {
                        key.put(f, v.asText());
                    }
                }
                flows.add(new TaskSnapshot.FlowRow(key, ClickHouseHttp.longOf(r, "F") * SECOND,
                        ClickHouseHttp.longOf(r, "L") * SECOND, ClickHouseHttp.longOf(r, "P"),
                        ClickHouseHttp.longOf(r, "B")));
            }
        }
        if (!m.types.isEmpty()) {
            for (JsonNode r : select("SELECT Flow, Type, max(Value) AS V FROM " + HEAVY_HITTERS + " WHERE TaskName = "
                    + ClickHouseHttp.quote(task) + " AND Timestamp = toDateTime(" + m.second + ")"
                    + " GROUP BY Flow, Type ORDER BY Type, V DESC, Flow FORMAT JSONEachRow")) {
                hitters.add(new TaskSnapshot.Hitter(r.get("Flow").asText(), ClickHouseHttp.longOf(r, "V"),
                        r.get("Type").asInt()));
            }
        }
        return Optional.of(new TaskSnapshot(task, m.kind, m.keyFields, m.startNanos, m.timeNanos, flows, hitters,
                m.totals));
    }

    @Override
    public List<Point> series(String task, String metric, long fromNanos, long toNanos) {
        if (!TaskMetrics.NAMES.contains(metric)) {
            throw new IllegalArgumentException("metric '" + metric + "' (expected: "
                    + String.join(", ", TaskMetrics.NAMES) + ")");
        }
        List<Point> out = new ArrayList<>();
        for (JsonNode r : select("SELECT TimeNanos, MetricValues[indexOf(MetricNames, " + ClickHouseHttp.quote(metric)
                + ")] AS V FROM " + SNAPSHOTS + " WHERE TaskName = " + ClickHouseHttp.quote(task)
                + " AND TimeNanos >= " + fromNanos + " AND TimeNanos <= " + toNanos
                + " ORDER BY TimeNanos, Parts DESC LIMIT 1 BY TimeNanos FORMAT JSONEachRow")) {
            out.add(new Point(ClickHouseHttp.longOf(r, "TimeNanos"), ClickHouseHttp.longOf(r, "V")));
        }
        return out;
    }

    @Override
    public Optional<TaskSummary> aggregate(String task, FlowFilter filter, long endNanos) {
        Optional<Meta> found = latestMeta(task, endNanos);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Meta m = found.get();
        if (!TaskSnapshot.EXACT.equals(m.kind)) {
            return Optional.of(new TaskSummary(task, 0, 0, 0));
        }
        List<JsonNode> rows = select("SELECT sum(P) AS P, sum(B) AS B, count() AS N FROM (" + keysSql(m, filter)
                + ") FORMAT JSONEachRow");
        JsonNode r = rows.get(0);
        return Optional.of(new TaskSummary(task, ClickHouseHttp.longOf(r, "B"), ClickHouseHttp.longOf(r, "P"),
                ClickHouseHttp.longOf(r, "N")));
    }

    @Override
    public Optional<FlowLifecycle> trace(String task, FlowFilter key, long endNanos) {
        Optional<Meta> found = latestMeta(task, endNanos);
        if (found.isEmpty() || !TaskSnapshot.EXACT.equals(found.get().kind)) {
            return Optional.empty();
        }
        List<JsonNode> rows = select("SELECT count() AS N, min(F) AS F, max(L) AS L, sum(P) AS P, sum(B) AS B FROM ("
                + keysSql(found.get(), key) + ") FORMAT JSONEachRow");
        JsonNode r = rows.get(0);
        if (ClickHouseHttp.longOf(r, "N") == 0) {
            return Optional.empty();
        }
        return Optional.of(new FlowLifecycle(ClickHouseHttp.longOf(r, "F") * SECOND,
                ClickHouseHttp.longOf(r, "L") * SECOND, ClickHouseHttp.longOf(r, "P"), ClickHouseHttp.longOf(r, "B")));
    }

    @Override
    public List<HeavyHitter> heavyHitters(String task, int type, long endNanos, int limit) {
        Optional<Meta> found = latestMeta(task, endNanos);
        List<HeavyHitter> out = new ArrayList<>();
        if (found.isEmpty() || !found.get().types.contains(type)) {
            return out;
        }
        for (JsonNode r : select("SELECT Flow, max(Value) AS V FROM " + HEAVY_HITTERS + " WHERE TaskName = "
                + ClickHouseHttp.quote(task) + " AND Type = " + type + " AND Timestamp = toDateTime("
                + found.get().second + ") GROUP BY Flow ORDER BY V DESC, Flow LIMIT " + Math.max(1, limit)
                + " FORMAT JSONEachRow")) {
            out.add(new HeavyHitter(r.get("Flow").asText(), ClickHouseHttp.longOf(r, "V")));
        }
        return out;
    }

    @Override
    public synchronized Stats stats() {
        return new Stats(written, 0, failed, written, 0);
    }

    /** {@return rows written and rows not written, for the log at close} */
    synchronized long[] rowCounts() {
        return new long[] {rowsWritten, rowsFailed};
    }

    @Override
    public synchronized void close() {
        if (failed > 0) {
            LOG.warn("store 'clickhouse': {} snapshot parts ({} rows) could not be written to {}; {} parts were",
                    failed, rowsFailed, http.base(), written);
        }
    }
}
