package io.flowtrace.examples;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.examples.AgentConfigFile.PluginSpec;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * {@code agent [options]}: the sensor. Captures a live interface, meters flows, and POSTs each record to an HTTP
 * endpoint, with {@code interface}, {@code hostname} and {@code direction} set. Configured by the sensor's
 * environment variables, by the same settings as flags, or by a YAML file ({@link AgentConfigFile}); a flag wins over
 * a variable, which wins over the file, which wins over the default. With {@code --user} it gives up root once the
 * interface is open, before the first packet is read ({@link PrivilegeDrop}). SIGTERM or SIGINT stops the capture,
 * flushes every open flow to the sinks and exits 0 (1 if a sink could not deliver every record); a second signal
 * exits at once.
 */
final class AgentCommand implements Command {

    /** One sensor setting: its YAML key, variable, flag and default. */
    private record Setting(String key, String variable, String flag, String defaultValue) {
    }

    // The sensor read AGENT_INTERFACE and AGENT_ENDPOINT_URL and declared the others; the defaults follow it: one
    // JSON object per POST (batch size 1), as its backend expects.
    private static final List<Setting> SETTINGS = List.of(
            new Setting("interface", "AGENT_INTERFACE", "interface", "eth0"),
            new Setting("bpf_filter", "AGENT_BPF_FILTER", "bpf-filter", ""),
            new Setting("snap_len", "AGENT_SNAP_LEN", "snap-len", "1600"),
            new Setting("promiscuous", "AGENT_PROMISCUOUS", "promiscuous", "true"),
            new Setting("endpoint_url", "AGENT_ENDPOINT_URL", "endpoint-url", "http://127.0.0.1:8000/ingest"),
            new Setting("batch_size", "AGENT_BATCH_SIZE", "batch-size", "1"),
            new Setting("send_interval", "AGENT_SEND_INTERVAL", "send-interval", "1s"),
            new Setting("hostname", "AGENT_HOSTNAME", "hostname", ""),
            new Setting("user", "AGENT_USER", "user", ""));
    private static final Set<String> OWN_VALUES = Set.of("interface", "bpf-filter", "snap-len", "promiscuous",
            "endpoint-url", "batch-size", "send-interval", "hostname", "user", "config");
    private static final Set<String> FLAGS = Set.of("quiet");

    private final UnaryOperator<String> env;

    AgentCommand() {
        this(System::getenv);
    }

    /** @param env the environment, for tests */
    AgentCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "capture a live interface and send flow events to an HTTP endpoint (the sensor)";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "usage: java -jar flowtrace.jar agent [options]",
                "",
                "Captures a live interface (needs root, or CAP_NET_RAW and CAP_NET_ADMIN, and libpcap) and POSTs one",
                "JSON flow event per finished conversation. SIGTERM or SIGINT flushes every open flow and exits 0",
                "(1, with a line per sink, if a sink could not deliver every event).",
                "",
                "sensor settings (flag, environment variable, default); a flag wins over a variable, a variable",
                "over the --config file:",
                "  --interface IF            AGENT_INTERFACE      eth0",
                "  --bpf-filter EXPR         AGENT_BPF_FILTER     (none)",
                "  --snap-len N              AGENT_SNAP_LEN       1600",
                "  --promiscuous on|off      AGENT_PROMISCUOUS    on",
                "  --endpoint-url URL        AGENT_ENDPOINT_URL   http://127.0.0.1:8000/ingest",
                "  --batch-size N            AGENT_BATCH_SIZE     1 (one JSON object per POST; more: a JSON array)",
                "  --send-interval D         AGENT_SEND_INTERVAL  1s (longest an event waits for its batch)",
                "  --hostname NAME           AGENT_HOSTNAME       this host's name",
                "  --user NAME               AGENT_USER           (none) once the interface is open, run as this",
                "                            user, its groups and no capabilities (started as root; as tcpdump -Z)",
                "  --config FILE             a YAML file with the settings above (interface:, bpf_filter:, ...),",
                "                            flow: options, source:, sinks: and aggregators:; ${VAR} and",
                "                            ${VAR:-default} are replaced from the environment",
                "  --quiet                   no start line or summary on stderr",
                "",
                "The HTTP sink to the endpoint is used unless other sinks are named (--sink, --out, sinks:) and no",
                "endpoint is set explicitly.",
                "",
                MeterOptions.USAGE);
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        quietenNativeLoopLogging();
        Set<String> withValue = new HashSet<>(MeterOptions.WITH_VALUE);
        withValue.addAll(OWN_VALUES);
        Args cli = Args.parse(argv, withValue, FLAGS, MeterOptions.REPEATABLE);
        if (!cli.positional.isEmpty()) {
            throw new UsageException("unexpected argument " + cli.positional.get(0)
                    + " (the agent takes options only)");
        }
        AgentConfigFile file = cli.has("config") ? AgentConfigFile.read(Path.of(cli.get("config")), env)
                : AgentConfigFile.empty();

        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            String v = s.defaultValue();
            String origin = "default";
            if (file.agent.containsKey(s.key())) {
                v = file.agent.get(s.key());
                origin = "config " + cli.get("config") + ": " + s.key();
            }
            String e = env.apply(s.variable());
            if (e != null && !e.isEmpty()) {
                v = e;
                origin = s.variable();
            }
            if (cli.has(s.flag())) {
                v = cli.get(s.flag());
                origin = "--" + s.flag();
            }
            values.put(s.key(), v.trim());
            origins.put(s.key(), origin);
        }

        String iface = values.get("interface");
        if (iface.isEmpty()) {
            throw new UsageException(origins.get("interface") + ": empty (expected: an interface name)");
        }
        int snaplen = number(origins.get("snap_len"), values.get("snap_len"), 64, 262_144);
        boolean promiscuous = MeterOptions.onOff(origins.get("promiscuous"), values.get("promiscuous"));
        int batch = number(origins.get("batch_size"), values.get("batch_size"), 1, 1_000_000);
        String interval = values.get("send_interval");
        MeterOptions.duration(origins.get("send_interval"), interval);
        String hostname = values.get("hostname").isEmpty() ? hostname() : values.get("hostname");
        // looked up before the interface is opened, so a wrong name costs nothing
        PrivilegeDrop.Account user = values.get("user").isEmpty() ? null
                : PrivilegeDrop.lookUp(origins.get("user"), values.get("user"));

        FlowTrace.Builder b = FlowTrace.builder();
        PluginSpec src = file.source;
        if (src != null && !src.type().equals("pcap-live")) {
            b.source(src.type(), src.config());
        } else {
            Map<String, String> live = new LinkedHashMap<>();
            if (src != null) {
                live.putAll(src.config());
            }
            live.put("interface", iface);
            if (!values.get("bpf_filter").isEmpty()) {
                live.put("filter", values.get("bpf_filter"));
            }
            live.put("snaplen", String.valueOf(snaplen));
            live.put("promiscuous", String.valueOf(promiscuous));
            b.source("pcap-live", live);
        }
        b.hostname(hostname);
        b.localAddresses(localAddresses());

        boolean sinkNamed;
        try {
            sinkNamed = MeterOptions.apply(withFileFlowOptions(file, argv, withValue), b);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw MeterOptions.usage(e);
        }
        for (PluginSpec s : file.sinks) {
            b.sink(s.type(), s.config());
            sinkNamed = true;
        }
        for (PluginSpec a : file.aggregators) {
            b.aggregator(a.type(), a.config());
        }
        String endpoint = values.get("endpoint_url");
        boolean endpointGiven = !origins.get("endpoint_url").equals("default");
        if (!sinkNamed || endpointGiven) {
            Map<String, String> http = new LinkedHashMap<>();
            http.put("url", endpoint);
            if (batch == 1) {
                http.put("format", "single");
            } else {
                http.put("format", "array");
                http.put("batch", String.valueOf(batch));
                http.put("interval", interval);
            }
            b.sink("http", http);
        }

        FlowTrace meter = b.build(); // opens the interface
        if (user != null) {
            try {
                PrivilegeDrop.switchTo(user);
            } catch (RuntimeException | Error e) {
                meter.close();
                throw e;
            }
        }
        AtomicInteger signals = new AtomicInteger();
        SignalHandler onSignal = sig -> {
            if (signals.incrementAndGet() == 1) {
                if (!cli.has("quiet")) {
                    err.println("flowtrace agent: SIG" + sig.getName() + ": flushing open flows");
                }
                meter.stop();
            } else {
                Runtime.getRuntime().halt(128 + sig.getNumber());
            }
        };
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        if (!cli.has("quiet")) {
            err.println("flowtrace agent: capturing on " + iface
                    + (values.get("bpf_filter").isEmpty() ? "" : " (filter '" + values.get("bpf_filter") + "')")
                    + " as " + hostname + "; events to "
                    + (!sinkNamed || endpointGiven ? Redact.url(endpoint) : "the sinks named")
                    + (user == null ? "" : "; running as user " + user + " with no capabilities"));
        }
        FlowStats stats = meter.run();
        out.flush();
        if (!cli.has("quiet")) {
            RunReport.printSummary(stats, err);
            if (!stats.sourceCounters().isEmpty()) {
                err.println("flowtrace agent: capture " + stats.sourceCounters());
            }
        }
        int exit = 0;
        for (String loss : RunReport.losses(stats)) {
            err.println("flowtrace agent: " + loss);
            exit = 1;
        }
        for (String line : RunReport.untracked(meter.snapshots())) {
            err.println("flowtrace agent: " + line);
        }
        return exit;
    }

    /** The file's flow options first, then the command line's, which win. */
    private static Args withFileFlowOptions(AgentConfigFile file, List<String> argv, Set<String> withValue) {
        Args cli = Args.parse(argv, withValue, FLAGS, MeterOptions.REPEATABLE);
        List<String> merged = new ArrayList<>();
        for (Map.Entry<String, String> e : file.flow.entrySet()) {
            String name = e.getKey().replace('_', '-');
            if (!MeterOptions.WITH_VALUE.contains(name) || MeterOptions.REPEATABLE.contains(name)
                    || name.equals("out")) {
                throw new UsageException("config: flow: unknown option '" + e.getKey() + "' (known: "
                        + String.join(", ", knownFlowOptions()) + ")");
            }
            if (!cli.has(name)) {
                merged.add("--" + name + "=" + e.getValue());
            }
        }
        merged.addAll(argv);
        return Args.parse(merged, withValue, FLAGS, MeterOptions.REPEATABLE);
    }

    private static List<String> knownFlowOptions() {
        List<String> known = new ArrayList<>();
        for (String s : MeterOptions.WITH_VALUE) {
            if (!MeterOptions.REPEATABLE.contains(s) && !s.equals("out")) {
                known.add(s);
            }
        }
        Collections.sort(known);
        return known;
    }

    private static int number(String what, String text, int min, int max) {
        try {
            long n = Long.parseLong(text.trim().replace("_", ""));
            if (n < min || n > max) {
                throw new UsageException(what + ": " + text + " (expected: " + min + ".." + max + ")");
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(what + ": '" + text + "' (expected: a whole number " + min + ".." + max + ")");
        }
    }

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
