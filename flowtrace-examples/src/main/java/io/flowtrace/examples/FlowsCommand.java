package io.flowtrace.examples;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.examples.metrics.Monitor;
import io.flowtrace.sinks.file.StdoutSinkProvider;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * {@code flows CAPTURE [options]}: meters a capture file and writes one JSON flow event per line to stdout (or to the
 * sinks given), with a summary on stderr.
 */
final class FlowsCommand implements Command {
    private final UnaryOperator<String> env;

    FlowsCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "meter a capture file (pcap, pcapng, .gz) into flow events";
    }

    @Override
    public String synopsis() {
        return "flows CAPTURE [options]";
    }

    @Override
    public String description() {
        return "Writes one JSON flow event per line to stdout (or to --out / --sink), with each aggregator\n"
                + "snapshot as a JSON line among them, and a summary to stderr.";
    }

    @Override
    public List<Options> options() {
        return List.of(Meter.FLOW, Meter.OUTPUT, new Options("report", List.of(CommandSettings.TOP_TALKERS,
                CommandSettings.NO_PROGRESS, CommandSettings.QUIET)), new Options("watching", CommandSettings.WATCH));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        Path capture = Meter.capture(a);
        Integer topN = a.value(CommandSettings.TOP_TALKERS);
        RunConfig file = Meter.config(a, env, "flows", CommandSettings.yamlKeys(CommandSettings.WATCH),
                Set.of(RunConfig.FLOW, RunConfig.SINKS, RunConfig.AGGREGATORS, RunConfig.ENGINE_AGGREGATOR), err);
        // as the agent: flag, then AGENT_ variable, then file (the usage text names the variables for both)
        Resolved watch = Resolved.of(CommandSettings.WATCH, a, env, file);

        FlowTrace.Builder b = FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString()));
        boolean sink = Meter.apply(a, file, b);
        if (!sink) {
            // the process's standard output itself, not System.out: a PrintStream hides write errors
            b.sink(StdoutSinkProvider.to(out == System.out ? new FileOutputStream(FileDescriptor.out) : out));
        }
        RunReport.TopTalkers talkers = topN != null ? new RunReport.TopTalkers() : null;
        if (talkers != null) {
            b.onEvent(talkers::add);
        }
        FlowTrace meter = b.build();
        Progress progress = !a.has(CommandSettings.NO_PROGRESS) && Progress.stderrIsTerminal()
                ? Progress.start(meter, isGzip(capture) ? -1 : Files.size(capture), err) : null;
        Meter.Outcome outcome;
        // the end of the file is the end of a run, not a stopped capture; an unwatched run spends no start-up on JMX
        boolean watched = !watch.isDefault(CommandSettings.METRICS_LISTEN)
                || !watch.isDefault(CommandSettings.STATS_INTERVAL);
        try (Monitor monitor = watched ? Meter.watch(meter, "flows", watch, () -> false,
                a.has(CommandSettings.QUIET), err) : null) {
            outcome = Meter.Outcome.of(meter);
        } finally {
            if (progress != null) {
                progress.close();
            }
        }
        out.flush();
        if (!a.has(CommandSettings.QUIET)) {
            RunReport.printSummary(outcome.stats(), err);
        }
        if (talkers != null) {
            talkers.print(topN, err);
        }
        int exit = outcome.report("flows", err);
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
