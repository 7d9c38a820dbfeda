package io.flowtrace.examples;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.sinks.file.StdoutSinkProvider;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code flows CAPTURE [options]}: meters a capture file and writes one JSON flow event per line to stdout (or to the
 * sinks given), with a summary on stderr.
 */
final class FlowsCommand implements Command {
    private static final Set<String> OWN_VALUES = Set.of("top-talkers");
    private static final Set<String> FLAGS = Set.of("no-progress", "quiet");

    @Override
    public String summary() {
        return "meter a capture file (pcap, pcapng, .gz) into flow events";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "usage: java -jar flowtrace.jar flows CAPTURE [options]",
                "",
                "Writes one JSON flow event per line to stdout (or to --out / --sink), with each aggregator",
                "snapshot as a JSON line among them, and a summary to stderr.",
                "",
                MeterOptions.USAGE,
                "report:",
                "  --top-talkers N           after the summary, the N addresses with the most bytes (ranked",
                "                            among the first 1,000,000 addresses; later ones counted)",
                "  --no-progress             no progress bar (shown only when stderr is a terminal)",
                "  --quiet                   no summary");
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args a = MeterOptions.parse(argv, OWN_VALUES, FLAGS);
        Path capture = MeterOptions.capture(a);
        int topN = a.has("top-talkers") ? MeterOptions.positiveInt("--top-talkers", a.get("top-talkers"), 10_000) : 0;

        FlowTrace.Builder b = FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString()));
        boolean sink;
        try {
            sink = MeterOptions.apply(a, b);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw MeterOptions.usage(e);
        }
        if (!sink) {
            // the process's standard output itself, not System.out: a PrintStream hides write errors
            b.sink(StdoutSinkProvider.to(out == System.out ? new FileOutputStream(FileDescriptor.out) : out));
        }
        RunReport.TopTalkers talkers = topN > 0 ? new RunReport.TopTalkers() : null;
        if (talkers != null) {
            b.onEvent(talkers::add);
        }
        FlowTrace meter = b.build();
        Progress progress = !a.has("no-progress") && Progress.stderrIsTerminal()
                ? Progress.start(meter, isGzip(capture) ? -1 : Files.size(capture), err) : null;
        FlowStats stats;
        CaptureFileException damage = null;
        try {
            stats = meter.run();
        } catch (CaptureFileException e) {
            damage = e;
            stats = meter.stats();
        } finally {
            if (progress != null) {
                progress.close();
            }
        }
        out.flush();
        if (!a.has("quiet")) {
            RunReport.printSummary(stats, err);
        }
        if (talkers != null) {
            talkers.print(topN, err);
        }
        int exit = 0;
        if (damage != null) {
            err.println("flowtrace flows: " + damage.getMessage());
            exit = 1;
        }
        for (String loss : RunReport.losses(stats)) {
            err.println("flowtrace flows: " + loss);
            exit = 1;
        }
        for (String line : RunReport.untracked(meter.snapshots())) {
            err.println("flowtrace flows: " + line);
        }
        return exit;
    }

    private static boolean isGzip(Path p) {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
