package io.flowtrace.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.sketch.exact.ExactAggregator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code top CAPTURE --key FIELDS --metric M --limit N [--exact [--max-keys N] | --sketch count-min|super-spread
 * --memory SIZE]}: meters a capture with one aggregator task and prints its rows, largest first, one JSON object per
 * line: {@code {"key":{"src_ip":"10.0.0.1"},"value":1234}}, with {@code "lower"} and {@code "upper"} where the
 * answer is an estimate (hard bounds for count-min, an approximate interval for super-spread) or an exact count that
 * may lack traffic the key bound left untracked; what the bound left out is said on stderr. {@code --format table}
 * prints the same rows as aligned columns instead.
 */
final class TopCommand implements Command {
    static final String TASK = "top";
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String summary() {
        return "the top keys of a capture by packets, bytes, flows or spread, exactly or with a sketch";
    }

    @Override
    public String synopsis() {
        return "top CAPTURE... --key FIELDS [options]";
    }

    @Override
    public String description() {
        return String.join("\n",
                "Prints the top keys, largest first, one JSON object per line: {\"key\":{...},\"value\":N}",
                "plus \"lower\" and \"upper\" where the value is an estimate: hard bounds for count-min, an",
                "approximate interval for super-spread, and for --exact rows that may lack traffic the",
                "--max-keys bound left untracked.");
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("top options", CommandSettings.TOP), Meter.FLOW,
                new Options("output", List.of(CommandSettings.OUT, CommandSettings.SINK, CommandSettings.AGGREGATOR)));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        List<String> captures = Meter.captures(a);
        Map<String, String> task = taskSettings(a);
        String type = task.remove("type");

        FlowTrace.Builder b = FlowTrace.builder();
        Meter.source(captures, a.value(CommandSettings.BPF_FILTER), b);
        Meter.apply(a, RunConfig.none(), b);
        b.aggregator(type, task);
        FlowTrace meter = b.build();
        Meter.Outcome outcome = Meter.Outcome.of(meter);
        Snapshot last = null;
        for (Snapshot s : meter.snapshots()) {
            if (s.task().equals(TASK)) {
                if (a.value(CommandSettings.FORMAT).equals("table")) {
                    printTable(s, out);
                } else {
                    print(s, out);
                }
                last = s;
            }
        }
        out.flush();
        if (last != null) {
            untracked(last, task, err);
        }
        if (!a.has(CommandSettings.QUIET)) {
            RunReport.printSummary(outcome.stats(), err);
        }
        return outcome.report("top", err);
    }

    /** The aggregator type (under {@code "type"}) and settings for the command line's options. */
    static Map<String, String> taskSettings(CommandLine a) {
        String key = a.text(CommandSettings.KEY);
        if (key == null) {
            throw new UsageException("missing --key FIELDS (e.g. --key src_ip or --key src_ip,dst_port)");
        }
        String metric = a.value(CommandSettings.METRIC).trim().toLowerCase(Locale.ROOT);
        boolean spread = metric.startsWith("spread:");
        if (!spread && !Set.of("packets", "bytes", "flows").contains(metric)) {
            throw new UsageException("--metric: '" + a.text(CommandSettings.METRIC)
                    + "' (expected: packets, bytes, flows or spread:FIELD)");
        }
        String limit = String.valueOf(a.value(CommandSettings.LIMIT));
        if (a.has(CommandSettings.EXACT) && a.has(CommandSettings.SKETCH)) {
            throw new UsageException("--exact and --sketch exclude each other");
        }
        Map<String, String> s = new LinkedHashMap<>();
        s.put("name", TASK);
        s.put("key", key);
        s.put("limit", limit);
        String sketch = a.value(CommandSettings.SKETCH);
        if (sketch == null) {
            if (a.has(CommandSettings.MEMORY)) {
                throw new UsageException("--memory applies to --sketch only");
            }
            s.put("type", "exact");
            s.put("metric", metric);
            if (a.has(CommandSettings.MAX_KEYS)) {
                s.put("max-keys", String.valueOf(a.value(CommandSettings.MAX_KEYS)));
            }
            return s;
        }
        if (a.has(CommandSettings.MAX_KEYS)) {
            throw new UsageException("--max-keys applies to --exact only (a sketch's memory is set with --memory)");
        }
        if (sketch.equals("count-min")) {
            if (spread) {
                throw new UsageException("--metric " + metric + " needs --sketch super-spread or --exact");
            }
            s.put("metric", metric);
        } else {
            if (!spread) {
                throw new UsageException("--sketch super-spread counts spreads: use --metric spread:FIELD");
            }
            s.put("element", metric.substring("spread:".length()));
        }
        s.put("type", sketch);
        if (a.has(CommandSettings.MEMORY)) {
            s.put("memory", a.text(CommandSettings.MEMORY));
        }
        return s;
    }

    /** Says on {@code err} what an exact task's bounds left out of its rows, if anything. */
    static void untracked(Snapshot s, Map<String, String> task, PrintStream err) {
        Map<String, Long> t = s.totals();
        Long packets = t.get("untracked_packets");
        if (packets != null) {
            // without --max-keys the bound is sized from the heap
            String max = task.containsKey("max-keys")
                    ? String.format(Locale.ROOT, "at most %,d keys", Long.parseLong(task.get("max-keys")))
                    : "only the keys the default bound (sized from the heap) holds";
            err.printf(Locale.ROOT, "flowtrace top: %s were tracked (--max-keys): %,d packets, "
                    + "%,d bytes and %,d flows of other keys are in the totals, not in the rows; --sketch count-min "
                    + "ranks any number of keys in bounded memory%n", max, packets,
                    t.getOrDefault("untracked_bytes", 0L), t.getOrDefault("untracked_flows", 0L));
        }
        Long pairs = t.get("untracked_pairs");
        if (pairs != null) {
            err.printf(Locale.ROOT, "flowtrace top: %,d distinct pairs could not be remembered (the pair bound was "
                    + "reached): a spread may be short by that many%n", pairs);
        }
    }

    /**
     * The rows as a table for people: a header line, then one line per row, columns two spaces apart, text left and
     * numbers right aligned; {@code lower} and {@code upper} columns when some value is an estimate with known bounds
     * (empty where a row's value is exact).
     */
    static void printTable(Snapshot s, PrintStream out) {
        List<String> keys = new java.util.ArrayList<>();
        boolean bounds = false;
        for (Snapshot.Row r : s.rows()) {
            for (String k : r.key().keySet()) {
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            }
            bounds |= hasBounds(r);
        }
        List<String[]> lines = new java.util.ArrayList<>();
        List<String> head = new java.util.ArrayList<>(keys);
        head.add("value");
        if (bounds) {
            head.add("lower");
            head.add("upper");
        }
        lines.add(head.toArray(new String[0]));
        for (Snapshot.Row r : s.rows()) {
            List<String> cells = new java.util.ArrayList<>();
            for (String k : keys) {
                Object v = r.key().get(k);
                cells.add(v == null ? "" : String.valueOf(v));
            }
            cells.add(String.valueOf(r.value()));
            if (bounds) {
                cells.add(hasBounds(r) ? String.valueOf(r.lower()) : "");
                cells.add(hasBounds(r) ? String.valueOf(r.upper()) : "");
            }
            lines.add(cells.toArray(new String[0]));
        }
        int[] width = new int[head.size()];
        boolean[] numeric = new boolean[head.size()];
        java.util.Arrays.fill(numeric, true);
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        for (int l = 1; l < lines.size(); l++) {
            String[] line = lines.get(l);
            for (int i = 0; i < line.length; i++) {
                numeric[i] &= line[i].isEmpty() || line[i].chars().allMatch(Character::isDigit);
            }
        }
        for (String[] line : lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                String pad = " ".repeat(width[i] - line[i].length());
                sb.append(i == 0 ? "" : "  ").append(numeric[i] ? pad + line[i] : line[i] + pad);
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static boolean hasBounds(Snapshot.Row r) {
        boolean exact = r.lower() == r.value() && r.upper() == r.value();
        boolean unknown = r.lower() == 0 && r.upper() == Long.MAX_VALUE;
        return !exact && !unknown;
    }

    /** One JSON object per row; bounds only where the value is an estimate with known bounds. */
    static void print(Snapshot s, PrintStream out) throws java.io.IOException {
        JsonGenerator g = JSON.createGenerator(out);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
        for (Snapshot.Row r : s.rows()) {
            g.writeStartObject();
            g.writeObjectFieldStart("key");
            for (Map.Entry<String, Object> e : r.key().entrySet()) {
                if (e.getValue() instanceof Number) {
                    g.writeNumberField(e.getKey(), ((Number) e.getValue()).longValue());
                } else {
                    g.writeStringField(e.getKey(), String.valueOf(e.getValue()));
                }
            }
            g.writeEndObject();
            g.writeNumberField("value", r.value());
            boolean exact = r.lower() == r.value() && r.upper() == r.value();
            boolean unknown = r.lower() == 0 && r.upper() == Long.MAX_VALUE;
            if (!exact && !unknown) {
                g.writeNumberField("lower", r.lower());
                g.writeNumberField("upper", r.upper());
            }
            g.writeEndObject();
        }
        if (!s.rows().isEmpty()) {
            g.writeRaw('\n');
        }
        g.close();
    }
}
