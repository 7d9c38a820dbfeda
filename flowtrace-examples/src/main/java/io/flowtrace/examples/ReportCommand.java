package io.flowtrace.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.query.Page;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code report CAPTURE... --html FILE}: meters captures and writes the page the query server shows at {@code /ui/}
 * as one static HTML file: traffic over time (packets and bytes per {@code --step} of packet time, widened when the
 * captures span more than {@value Timeline#MAX} steps), top talkers
 * (source and destination addresses by bytes) and the protocol mix (by packets and by bytes). The chart library,
 * style and data are inside the file: it opens from disk with no network.
 */
final class ReportCommand implements Command {
    private static final String SOURCES = "report_sources";
    private static final String DESTINATIONS = "report_destinations";
    private static final String PROTO_PACKETS = "report_protocols_packets";
    private static final String PROTO_BYTES = "report_protocols_bytes";
    private static final String TIMELINE = "report_timeline";
    /** Made on first use, so that other commands start without loading Jackson's databind. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Override
    public String summary() {
        return "write a capture's traffic over time, top talkers and protocol mix as one offline HTML page";
    }

    @Override
    public String synopsis() {
        return "report CAPTURE... --html FILE [options]";
    }

    @Override
    public String description() {
        return String.join("\n",
                "Meters the captures and writes one HTML file: packets and bytes per --step of packet",
                "time, the top source and destination addresses by bytes, and the protocol mix by packets",
                "and by bytes. The chart library and the data are inside the file: it opens offline.");
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("report options", CommandSettings.REPORT));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        String html = a.text(CommandSettings.HTML);
        if (html == null || html.isBlank()) {
            throw new UsageException("missing --html FILE (where the report is written)");
        }
        List<String> captures = Meter.captures(a);
        Duration step = a.value(CommandSettings.TIME_STEP);
        if (step.isZero() || step.isNegative()) {
            throw new UsageException("--step: " + step + " (expected: more than 0, e.g. 1s or 1m)");
        }
        String limit = String.valueOf(a.value(CommandSettings.TALKERS));

        FlowTrace.Builder b = FlowTrace.builder();
        Meter.source(captures, a.value(CommandSettings.BPF_FILTER), b);
        b.aggregator("exact", Map.of("name", SOURCES, "key", "src_ip", "metric", "bytes", "limit", limit));
        b.aggregator("exact", Map.of("name", DESTINATIONS, "key", "dst_ip", "metric", "bytes", "limit", limit));
        b.aggregator("protocol-mix", Map.of("name", PROTO_PACKETS, "metric", "packets"));
        b.aggregator("protocol-mix", Map.of("name", PROTO_BYTES, "metric", "bytes"));
        b.aggregator(new Timeline(TIMELINE, step.toNanos()));
        FlowTrace meter = b.build();
        Meter.Outcome outcome = Meter.Outcome.of(meter);
        Map<String, Snapshot> last = new LinkedHashMap<>();
        for (Snapshot s : meter.snapshots()) {
            last.put(s.task(), s);
        }

        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("title", "flowtrace report: " + String.join(", ", captures));
        Snapshot mix = last.get(PROTO_PACKETS);
        long packets = mix == null ? 0 : mix.totals().getOrDefault("total_packets", 0L);
        long bytes = mix == null ? 0 : mix.totals().getOrDefault("total_bytes", 0L);
        Snapshot timeline = last.get(TIMELINE);
        long width = timeline == null ? step.toNanos() : timeline.totals().getOrDefault("step_ns", step.toNanos());
        ObjectNode series = model.putArray("series").addObject().put("name",
                "traffic per " + text(Duration.ofNanos(width)));
        ArrayNode times = series.putArray("times");
        ArrayNode ps = series.putArray("packets");
        ArrayNode bs = series.putArray("bytes");
        for (Snapshot.Row r : timeline == null ? List.<Snapshot.Row>of() : timeline.rows()) {
            times.add(((Number) r.key().get("start_ns")).longValue() / 1e9);
            ps.add(r.value());
            bs.add(r.counts().getOrDefault("bytes", 0L));
        }
        model.put("subtitle", packets + " packets, " + bytes + " bytes; traffic per " + text(Duration.ofNanos(width))
                + " of packet time" + (width == step.toNanos() ? "" : " (--step " + text(step) + " widened to fit "
                + Timeline.MAX + " steps)"));
        ArrayNode bars = model.putArray("bars");
        bars(bars, "top talkers: sources by bytes", "bytes", last.get(SOURCES));
        bars(bars, "top talkers: destinations by bytes", "bytes", last.get(DESTINATIONS));
        bars(bars, "protocol mix by packets", "packets", mix);
        bars(bars, "protocol mix by bytes", "bytes", last.get(PROTO_BYTES));

        write(Path.of(html), Page.standalone(model));
        if (!a.has(CommandSettings.QUIET)) {
            RunReport.printSummary(outcome.stats(), err);
            err.println("flowtrace report: wrote " + html);
        }
        return outcome.report("report", err);
    }

    private static void bars(ArrayNode out, String title, String unit, Snapshot s) {
        ArrayNode rows = out.addObject().put("title", title).put("unit", unit).putArray("rows");
        if (s == null) {
            return;
        }
        for (Snapshot.Row r : s.rows()) {
            List<String> key = new ArrayList<>();
            r.key().values().forEach(v -> key.add(String.valueOf(v)));
            rows.addObject().put("key", String.join(" ", key)).put("value", r.value());
        }
    }

    private static String text(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** Writes beside the target, then moves it in: a failed run leaves no half page behind. */
    private static void write(Path target, String html) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
