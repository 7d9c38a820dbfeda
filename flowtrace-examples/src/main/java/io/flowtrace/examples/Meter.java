package io.flowtrace.examples;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.ConfigFile;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.examples.metrics.Monitor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What the metering commands share: the flow options ({@link FlowSettings}) and output options, the configuration
 * file, and how both reach a {@link FlowTrace.Builder}: a command-line option wins over the file.
 */
final class Meter {
    static final Command.Options FLOW = new Command.Options("flow options", FlowSettings.all());
    static final Command.Options OUTPUT = new Command.Options("output", CommandSettings.OUTPUT);

    private Meter() {
    }

    /**
     * A finished run: its counters and, when the capture file was damaged, where (every good packet before the damage
     * was metered).
     */
    record Outcome(FlowStats stats, CaptureFileException damage) {
        /** Runs {@code meter} to the end of its source. */
        static Outcome of(FlowTrace meter) {
            try {
                return new Outcome(meter.run(), null);
            } catch (CaptureFileException e) {
                return new Outcome(meter.stats(), e);
            }
        }

        /** Says on {@code err} what went wrong, a line each: the damage, then every loss; returns the exit status. */
        int report(String command, PrintStream err) {
            int exit = 0;
            if (damage != null) {
                err.println("flowtrace " + command + ": " + damage.getMessage());
                exit = 1;
            }
            for (String loss : RunReport.losses(stats)) {
                err.println("flowtrace " + command + ": " + loss);
                exit = 1;
            }
            return exit;
        }
    }

    /**
     * The command's CAPTURE arguments: files, FIFOs ({@code <(zcat x.pcap.gz)}), or {@code -} for standard input
     * (once).
     *
     * @throws UsageException when there is none, or {@code -} is given twice
     * @throws FlowTraceException when a file does not exist or is a directory
     */
    static List<String> captures(CommandLine a) {
        if (a.positional.isEmpty()) {
            throw new UsageException("missing CAPTURE (a pcap, pcapng or .gz file, a FIFO, or - for standard input)");
        }
        int stdin = 0;
        for (String c : a.positional) {
            if (c.equals("-")) {
                if (++stdin > 1) {
                    throw new UsageException("- (standard input) given twice");
                }
                continue;
            }
            Path p = Path.of(c);
            if (!Files.exists(p) || Files.isDirectory(p)) {
                throw new FlowTraceException(c + ": no such file");
            }
        }
        return List.copyOf(a.positional);
    }

    /**
     * Sets the source: {@code pcap-file} for one capture, else the captures merged in time order
     * ({@link PcapFileSource#open(List, String)}), through {@code filter} unless it is blank.
     */
    static void source(List<String> captures, String filter, FlowTrace.Builder b) throws java.io.IOException {
        if (captures.size() == 1) {
            b.source("pcap-file", filter.isBlank() ? Map.of("path", captures.get(0))
                    : Map.of("path", captures.get(0), "filter", filter));
        } else {
            b.source(PcapFileSource.open(captures, filter));
        }
    }

    /** The bytes to read, for a progress bar: -1 unless every capture is a regular, uncompressed file. */
    static long totalSize(List<String> captures) {
        long total = 0;
        for (String c : captures) {
            Path p = Path.of(c);
            if (c.equals("-") || !Files.isRegularFile(p) || isGzip(p)) {
                return -1;
            }
            try {
                total += Files.size(p);
            } catch (java.io.IOException e) {
                return -1;
            }
        }
        return total;
    }

    private static boolean isGzip(Path p) {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The {@code --config} file's part for this command, or nothing when none was given; what the command does not
     * use is said on {@code err}, a line each. Every command that reads a file takes {@code log_level} from it (the
     * flag wins), and sets it before the first logger is made.
     */
    static RunConfig config(CommandLine cli, UnaryOperator<String> env, String command, Set<String> own,
                            Set<String> blocks, PrintStream err) {
        String path = cli.text(CommandSettings.CONFIG);
        if (path == null) {
            return RunConfig.none();
        }
        Set<String> elsewhere = CommandSettings.yamlKeys(CommandSettings.AGENT);
        elsewhere.add(CommandSettings.LOG_LEVEL.yamlKey());
        elsewhere.addAll(Set.of(RunConfig.FLOW, RunConfig.SOURCE, RunConfig.SINKS, RunConfig.AGGREGATORS,
                RunConfig.ENGINE_AGGREGATOR));
        Set<String> keys = new java.util.LinkedHashSet<>(own);
        keys.add(CommandSettings.LOG_LEVEL.yamlKey());
        RunConfig file = RunConfig.read(ConfigFile.read(Path.of(path), env), command, keys, blocks, elsewhere,
                line -> err.println("flowtrace " + command + ": " + line));
        Resolved log = Resolved.of(List.of(CommandSettings.LOG_LEVEL), cli, name -> null, file);
        if (!log.isDefault(CommandSettings.LOG_LEVEL)) {
            // read by slf4j-simple when the first logger is made, which reading the file has not done
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", log.get(CommandSettings.LOG_LEVEL));
        }
        return file;
    }

    /**
     * Applies the flow settings, sinks and aggregators of the command line and the file to {@code b}.
     *
     * @return whether a sink was named
     * @throws UsageException naming the option or key path of a bad value, or a rule the builder refused
     */
    static boolean apply(CommandLine cli, RunConfig file, FlowTrace.Builder b) {
        return apply(cli, file, b, "flowtrace");
    }

    /** The built-in sinks, which take {@code event-format}. */
    private static final Set<String> FORMATTED = Set.of("file", "stdout", "http", "nats");

    /**
     * {@code config} of a sink of {@code type}, with {@code event-format} set to {@code eventFormat} when the type is
     * a built-in one and the sink does not set its own.
     */
    static Map<String, String> withEventFormat(String type, Map<String, String> config, String eventFormat) {
        if (eventFormat.equals("flowtrace") || !FORMATTED.contains(type) || config.containsKey("event-format")) {
            return config;
        }
        Map<String, String> m = new LinkedHashMap<>(config);
        m.put("event-format", eventFormat);
        return m;
    }

    /**
     * As {@link #apply(CommandLine, RunConfig, FlowTrace.Builder)}, the sinks in {@code eventFormat}
     * ({@link #withEventFormat}).
     */
    static boolean apply(CommandLine cli, RunConfig file, FlowTrace.Builder b, String eventFormat) {
        try {
            for (Setting<?> s : FlowSettings.all()) {
                RunConfig.Value v = file.flow(s);
                if (cli.has(s)) {
                    apply(s, "--" + s.name(), cli.text(s), b);
                } else if (v != null) {
                    apply(s, file.located(v.where()), v.text(), b);
                }
            }
            boolean sink = !file.sinks().isEmpty();
            for (RunConfig.PluginSpec p : file.sinks()) {
                b.sink(p.type(), withEventFormat(p.type(), p.config(), eventFormat));
            }
            for (RunConfig.PluginSpec p : file.aggregators()) {
                b.aggregator(p.type(), p.config());
            }
            if (cli.has(CommandSettings.OUT)) {
                b.sink("file", withEventFormat("file", Map.of("path", cli.text(CommandSettings.OUT)), eventFormat));
                sink = true;
            }
            for (String s : cli.all(CommandSettings.SINK)) {
                int colon = s.indexOf(':');
                String name = colon < 0 ? s : s.substring(0, colon);
                b.sink(name, withEventFormat(name, colon < 0 ? Map.of() : pairs("--sink " + name,
                        s.substring(colon + 1)), eventFormat));
                sink = true;
            }
            for (String s : cli.all(CommandSettings.AGGREGATOR)) {
                int colon = s.indexOf(':');
                String name = colon < 0 ? s : s.substring(0, colon);
                b.aggregator(name, colon < 0 ? Map.of() : pairs("--aggregator " + name, s.substring(colon + 1)));
            }
            return sink;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Builds the meter; when a plugin's configuration is refused, the message says where in the file each setting
     * it names is ({@link RunConfig#locatePlugins}).
     *
     * @param extraSinks the types of the sinks the command added itself (the agent's {@code http})
     * @throws ConfigurationException what the builder refused, located in the file where it could be
     */
    static FlowTrace build(FlowTrace.Builder b, CommandLine cli, RunConfig file, String... extraSinks) {
        try {
            return b.build();
        } catch (io.flowtrace.core.ConfigurationException e) {
            Map<String, Integer> labels = new LinkedHashMap<>();
            java.util.function.BiConsumer<String, String> count = (kind, type) ->
                    labels.merge(kind + " '" + type + "'", 1, Integer::sum);
            if (file.source() != null) {
                count.accept("source", file.source().type());
            }
            file.sinks().forEach(p -> count.accept("sink", p.type()));
            file.aggregators().forEach(p -> count.accept("aggregator", p.type()));
            if (cli.has(CommandSettings.OUT)) {
                count.accept("sink", "file");
            }
            for (String s : cli.all(CommandSettings.SINK)) {
                count.accept("sink", s.indexOf(':') < 0 ? s : s.substring(0, s.indexOf(':')));
            }
            for (String s : cli.all(CommandSettings.AGGREGATOR)) {
                count.accept("aggregator", s.indexOf(':') < 0 ? s : s.substring(0, s.indexOf(':')));
            }
            for (String s : extraSinks) {
                count.accept("sink", s);
            }
            String located = file.locatePlugins(e.getMessage(), labels);
            if (located.equals(e.getMessage())) {
                throw e;
            }
            throw new io.flowtrace.core.ConfigurationException(located, e);
        }
    }

    /**
     * The packet tee the settings ask for ({@code --tee PATH} and its options, or the engine's
     * {@code probe.persistence} block when {@code --tee} is not set), given to {@code b}; {@code null} when none.
     *
     * @throws io.flowtrace.core.ConfigurationException naming what is wrong
     */
    static io.flowtrace.sinks.file.PacketTee tee(Resolved values, RunConfig file, FlowTrace.Builder b) {
        return tee(values, file.persistence(), file.persistence() == null ? null
                : file.located(file.persistenceWhere()), b);
    }

    /**
     * As {@link #tee(Resolved, RunConfig, FlowTrace.Builder)}, with the engine's persistence block read already
     * ({@link RunConfig#readPersistence}): {@code persistence} its tee settings, or {@code null}; {@code where} its
     * place, for messages.
     */
    static io.flowtrace.sinks.file.PacketTee tee(Resolved values, Map<String, String> persistence, String where,
                                                 FlowTrace.Builder b) {
        Map<String, String> config = new LinkedHashMap<>();
        String what;
        if (!values.get(CommandSettings.TEE).isEmpty()) {
            config.put("path", values.get(CommandSettings.TEE));
            config.put("format", values.get(CommandSettings.TEE_FORMAT));
            config.put("rotate-size", values.get(CommandSettings.TEE_ROTATE_SIZE));
            config.put("rotate-interval", io.flowtrace.core.Durations.format(
                    values.get(CommandSettings.TEE_ROTATE_INTERVAL)));
            config.put("keep", String.valueOf(values.get(CommandSettings.TEE_KEEP)));
            what = values.origin(CommandSettings.TEE);
        } else if (persistence != null) {
            config.putAll(persistence);
            what = where;
        } else {
            return null;
        }
        io.flowtrace.sinks.file.PacketTee tee;
        try {
            tee = io.flowtrace.sinks.file.PacketTee.create(config);
        } catch (io.flowtrace.core.ConfigurationException e) {
            throw new io.flowtrace.core.ConfigurationException(what + ": " + e.getMessage(), e);
        }
        b.rawFrameTap(tee);
        return tee;
    }

    private static <T> void apply(Setting<T> s, String origin, String text, FlowTrace.Builder b) {
        s.applyTo(b, CommandLine.parse(s, origin, text));
    }

    /**
     * Whether {@code values} ask for watching a run that is not watched by default ({@code flows}, {@code engine}): a
     * metrics address or a stats interval.
     */
    static boolean watchAsked(Resolved values) {
        return !values.isDefault(CommandSettings.METRICS_LISTEN) || !values.isDefault(CommandSettings.STATS_INTERVAL);
    }

    /**
     * Starts watching {@code meter} as {@code values} of {@link CommandSettings#WATCH} say; when it serves
     * {@code /metrics}, says where on {@code err} (unless quiet).
     *
     * @throws UsageException when the metrics address cannot be listened on
     */
    static Monitor watch(FlowTrace meter, String command, String capture, Resolved values,
                         java.util.function.BooleanSupplier shouldCapture, boolean quiet, PrintStream err) {
        String listen = values.get(CommandSettings.METRICS_LISTEN);
        java.net.InetSocketAddress at = listen.isEmpty() ? null : Monitor.parseListen(listen);
        Monitor m;
        try {
            m = Monitor.start(meter, command, capture, at, values.get(CommandSettings.STATS_INTERVAL),
                    values.get(CommandSettings.MAX_DROP_RATE), shouldCapture, err);
        } catch (java.io.IOException e) {
            meter.close();
            throw new UsageException(values.origin(CommandSettings.METRICS_LISTEN) + ": cannot listen on " + listen
                    + ": " + e.getMessage());
        }
        if (m.port() >= 0 && !quiet) {
            err.println("flowtrace " + command + ": metrics on http://" + hostForUrl(at) + ":" + m.port()
                    + "/metrics, health on /healthz");
        }
        return m;
    }

    private static String hostForUrl(java.net.InetSocketAddress at) {
        String h = at.getHostString();
        if (at.getAddress() != null && at.getAddress().isAnyLocalAddress()) {
            return "0.0.0.0";
        }
        return h.contains(":") ? "[" + h + "]" : h;
    }

    static Map<String, String> pairs(String what, String text) {
        try {
            return new LinkedHashMap<>(PluginConfig.parsePairs(text));
        } catch (RuntimeException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }
}
