package io.flowtrace.examples;

import io.flowtrace.alert.Alerter;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.Durations;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.examples.metrics.Monitor;
import io.flowtrace.sinks.internal.Redact;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * {@code agent [options]}: the sensor. Captures a live interface, meters flows, and POSTs each record to an HTTP
 * endpoint, with {@code interface}, {@code hostname} and {@code direction} set. Configured by the sensor's
 * environment variables, by the same settings as flags, or by a YAML file ({@link RunConfig}); a flag wins over
 * a variable, which wins over the file, which wins over the default. With {@code --user} it gives up root once the
 * interface is open, before the first packet is read ({@link PrivilegeDrop}). SIGTERM or SIGINT stops the capture,
 * flushes every open flow to the sinks and exits 0 (1 if a sink could not deliver every record); a second signal
 * exits at once.
 */
final class AgentCommand implements Command {

    private final UnaryOperator<String> env;

    /** @param env the environment */
    AgentCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "capture a live interface and send flow events to an HTTP endpoint (the sensor)";
    }

    @Override
    public String synopsis() {
        return "agent [options]";
    }

    @Override
    public String description() {
        return String.join("\n",
                "Captures a live interface (needs root, or CAP_NET_RAW and CAP_NET_ADMIN, and libpcap) and POSTs one",
                "JSON flow event per finished conversation. SIGTERM or SIGINT flushes every open flow and exits 0",
                "(1, with a line per sink, if a sink could not deliver every event). A flag wins over its environment",
                "variable, a variable over the --config file (the same settings in snake_case: snap_len: 128), the",
                "file over the default. The HTTP sink to the endpoint is used unless other sinks are named (--sink,",
                "--out, sinks:) and no endpoint is set explicitly.");
    }

    @Override
    public List<Options> options() {
        List<Setting<?>> own = new ArrayList<>(CommandSettings.AGENT);
        own.removeAll(CommandSettings.WATCH);
        own.add(CommandSettings.QUIET);
        own.add(CommandSettings.LOG_LEVEL);
        return List.of(new Options("sensor settings", own), new Options("watching", CommandSettings.WATCH),
                Meter.FLOW, Meter.OUTPUT);
    }

    @Override
    public int run(CommandLine cli, PrintStream out, PrintStream err) throws Exception {
        quietenNativeLoopLogging();
        LiveCapture.loadNativeEarly();
        if (!cli.positional.isEmpty()) {
            throw new UsageException("unexpected argument " + cli.positional.get(0)
                    + " (the agent takes options only)");
        }
        RunConfig file = Meter.config(cli, env, "agent", CommandSettings.yamlKeys(CommandSettings.AGENT),
                Set.of(RunConfig.FLOW, RunConfig.SOURCE, RunConfig.SINKS, RunConfig.AGGREGATORS,
                        RunConfig.ENGINE_AGGREGATOR, RunConfig.ALERTER, RunConfig.PROBE), err);
        Resolved values = Resolved.of(CommandSettings.AGENT, cli, env, file);

        String iface = values.get(CommandSettings.INTERFACE);
        if (iface.isEmpty()) {
            throw new UsageException(values.origin(CommandSettings.INTERFACE) + ": empty (expected: an interface name)");
        }
        String filter = values.get(CommandSettings.BPF_FILTER);
        int batch = values.get(CommandSettings.BATCH_SIZE);
        String hostname = values.get(CommandSettings.HOSTNAME).isEmpty() ? hostname()
                : values.get(CommandSettings.HOSTNAME);
        // looked up before the interface is opened, so a wrong name costs nothing
        PrivilegeDrop.Account user = values.get(CommandSettings.USER).isEmpty() ? null
                : PrivilegeDrop.lookUp(values.origin(CommandSettings.USER), values.get(CommandSettings.USER));

        FlowTrace.Builder b = FlowTrace.builder();
        RunConfig.PluginSpec src = file.source();
        LiveCapture capture = null;
        if (src != null && !LiveCapture.isLive(src.type())) {
            b.source(src.type(), src.config());
        } else {
            capture = LiveCapture.choose(values, src, iface, filter, cli.has(CommandSettings.QUIET), "agent", err);
            capture.applyTo(b);
        }
        b.hostname(hostname);
        b.localAddresses(localAddresses());

        String eventFormat = values.get(CommandSettings.EVENT_FORMAT);
        boolean sinkNamed = Meter.apply(cli, file, b, eventFormat);
        for (io.flowtrace.core.settings.Setting<?> s : io.flowtrace.core.settings.FlowSettings.all()) {
            if (s.name().equals("expected-flows") && !cli.has(s) && file.flow(s) == null) {
                b.expectedFlows(LIVE_EXPECTED_FLOWS);
            }
        }
        io.flowtrace.sinks.file.PacketTee tee = Meter.tee(values, file, b);
        String endpoint = values.get(CommandSettings.ENDPOINT_URL);
        boolean endpointGiven = !values.isDefault(CommandSettings.ENDPOINT_URL);
        if (!sinkNamed || endpointGiven) {
            Map<String, String> http = new LinkedHashMap<>();
            http.put("url", endpoint);
            if (batch == 1) {
                http.put("format", "single");
            } else {
                http.put("format", "array");
                http.put("batch", String.valueOf(batch));
                http.put("interval", Durations.format(values.get(CommandSettings.SEND_INTERVAL)));
            }
            b.sink("http", Meter.withEventFormat("http", http, eventFormat));
        }
        boolean quiet = cli.has(CommandSettings.QUIET);

        FlowTrace meter;
        Alerter alerter = null;
        try {
            alerter = Alerts.attach(file.alerts(), file.alertTasks(), b, "agent", quiet, err);
            meter = Meter.build(b, cli, file, // opens the interface
                    !sinkNamed || endpointGiven ? new String[] {"http"} : new String[0]);
        } catch (RuntimeException | Error e) {
            if (alerter != null) {
                alerter.close();
            }
            if (capture != null) {
                capture.closeUnused();
            }
            throw e;
        }
        if (user != null) {
            try {
                PrivilegeDrop.switchTo(user);
            } catch (RuntimeException | Error e) {
                meter.close();
                if (alerter != null) {
                    alerter.close();
                }
                throw e;
            }
        }
        AtomicInteger signals = new AtomicInteger();
        SignalHandler onSignal = sig -> {
            if (signals.incrementAndGet() == 1) {
                if (!quiet) {
                    err.println("flowtrace agent: SIG" + sig.getName() + ": flushing open flows");
                }
                meter.stop();
            } else {
                Runtime.getRuntime().halt(128 + sig.getNumber());
            }
        };
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        // watching starts first (the JMX server takes a second or more to come up): the line below says that
        // capture is starting, and a signal that follows it finds the capture running and flushes what it read
        Monitor monitor = Meter.watch(meter, "agent", iface, values, () -> signals.get() == 0, quiet, err);
        if (!quiet) {
            err.println("flowtrace agent: capturing on " + iface
                    + (capture == null ? "" : " with " + capture.describe(meter))
                    + (filter.isEmpty() ? "" : " (filter '" + filter + "')")
                    + " as " + hostname + "; events to "
                    + (!sinkNamed || endpointGiven ? Redact.url(endpoint) : "the sinks named")
                    + (tee == null ? "" : "; packets to " + tee.path() + " (" + tee.format() + ")")
                    + (user == null ? "" : "; running as user " + user + " with no capabilities"));
        }
        FlowStats stats;
        try (monitor) {
            if (alerter != null) {
                monitor.alerts(alerter::stats);
            }
            stats = meter.run();
        } finally {
            Alerts.finish(alerter, "agent", quiet, err);
        }
        out.flush();
        if (!quiet) {
            RunReport.printSummary(stats, err);
            if (!stats.sourceCounters().isEmpty()) {
                err.println("flowtrace agent: capture " + stats.sourceCounters());
            }
        }
        int exit = new Meter.Outcome(stats, null).report("agent", err);
        for (String line : RunReport.untracked(meter.snapshots())) {
            err.println("flowtrace agent: " + line);
        }
        return exit;
    }

    /**
     * The agent's flow table starts this large and grows as traffic needs (the library's 65,536 would keep some 7 MiB
     * resident on an idle sensor).
     */
    static final int LIVE_EXPECTED_FLOWS = 8192;

    /** The host's name as the kernel has it (what Go's os.Hostname gives), else what Java resolves. */
    static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Every address of every interface of this host, loopback included: what makes a record's direction. */
    static List<InetAddress> localAddresses() throws SocketException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            out.addAll(Collections.list(nif.getInetAddresses()));
        }
        return out;
    }

    /** pcap4j logs each loop entry at INFO, which the idle heartbeat makes once a second; keep its warnings. */
    private static void quietenNativeLoopLogging() {
        String key = "org.slf4j.simpleLogger.log.org.pcap4j";
        if (System.getProperty(key) == null) {
            System.setProperty(key, "warn");
        }
    }
}
