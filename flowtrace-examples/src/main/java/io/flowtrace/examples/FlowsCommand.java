package io.flowtrace.examples;

import io.flowtrace.alert.Alerter;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.examples.metrics.Monitor;
import io.flowtrace.sinks.file.StdoutSinkProvider;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import io.flowtrace.core.settings.Setting;

import java.util.ArrayList;
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
        return "meter capture files (pcap, pcapng, .gz; - for standard input) into flow events";
    }

    @Override
    public String synopsis() {
        return "flows CAPTURE... [options]";
    }

    @Override
    public String description() {
        return "Writes one JSON flow event per line to stdout (or to --out / --sink), with each aggregator\n"
                + "snapshot as a JSON line among them, and a summary to stderr. CAPTURE is a file, a FIFO\n"
                + "(<(zcat x.pcap.gz)) or - (standard input); several are read as one capture, their packets\n"
                + "merged in time order.";
    }

    @Override
    public List<Options> options() {
        List<Setting<?>> output = new ArrayList<>(List.of(CommandSettings.BPF_FILTER));
        output.addAll(CommandSettings.OUTPUT);
        output.add(CommandSettings.EVENT_FORMAT);
        output.addAll(CommandSettings.TEE_SETTINGS);
        return List.of(Meter.FLOW, new Options("output", output), new Options("report", List.of(CommandSettings.TOP_TALKERS,
                CommandSettings.NO_PROGRESS, CommandSettings.QUIET, CommandSettings.LOG_LEVEL)),
                new Options("watching", CommandSettings.WATCH));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        List<String> captures = Meter.captures(a);
        Integer topN = a.value(CommandSettings.TOP_TALKERS);
        List<Setting<?>> fileKeys = new ArrayList<>(CommandSettings.WATCH);
        fileKeys.add(CommandSettings.EVENT_FORMAT);
        fileKeys.add(CommandSettings.BPF_FILTER);
        fileKeys.addAll(CommandSettings.TEE_SETTINGS);
        RunConfig file = Meter.config(a, env, "flows", CommandSettings.yamlKeys(fileKeys),
                Set.of(RunConfig.FLOW, RunConfig.SINKS, RunConfig.AGGREGATORS, RunConfig.ENGINE_AGGREGATOR,
                        RunConfig.ALERTER, RunConfig.PROBE), err);
        // the agent's variable is not read here: a capture file's run does not change with the agent's environment
        Resolved own = Resolved.of(List.of(CommandSettings.EVENT_FORMAT, CommandSettings.BPF_FILTER), a,
                name -> null, file);
        String eventFormat = own.get(CommandSettings.EVENT_FORMAT);
        // as the agent: flag, then AGENT_ variable, then file (the usage text names the variables for both)
        Resolved watch = Resolved.of(CommandSettings.WATCH, a, env, file);

        FlowTrace.Builder b = FlowTrace.builder();
        Meter.source(captures, own.get(CommandSettings.BPF_FILTER), b);
        boolean sink = Meter.apply(a, file, b, eventFormat);
        Meter.tee(Resolved.of(CommandSettings.TEE_SETTINGS, a, name -> null, file), file, b);
        if (!sink) {
            // the process's standard output itself, not System.out: a PrintStream hides write errors
            b.sink(StdoutSinkProvider.to(out == System.out ? new FileOutputStream(FileDescriptor.out) : out,
                    eventFormat));
        }
        RunReport.TopTalkers talkers = topN != null ? new RunReport.TopTalkers() : null;
        if (talkers != null) {
            b.onEvent(talkers::add);
        }
        boolean quiet = a.has(CommandSettings.QUIET);
        Alerter alerter = Alerts.attach(file.alerts(), file.alertTasks(), b, "flows", quiet, err);
        FlowTrace meter;
        try {
            meter = Meter.build(b, a, file);
        } catch (RuntimeException | Error e) {
            if (alerter != null) {
                alerter.close();
            }
            throw e;
        }
        Progress progress = !a.has(CommandSettings.NO_PROGRESS) && Progress.stderrIsTerminal()
                ? Progress.start(meter, Meter.totalSize(captures), err) : null;
        Meter.Outcome outcome;
        // the end of the file is the end of a run, not a stopped capture; an unwatched run spends no start-up on JMX
        boolean watched = Meter.watchAsked(watch);
        try (Monitor monitor = watched ? Meter.watch(meter, "flows", String.join(", ", captures), watch, () -> false,
                a.has(CommandSettings.QUIET), err) : null) {
            outcome = Meter.Outcome.of(meter);
        } finally {
            Alerts.finish(alerter, "flows", quiet, err);
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
}
