package io.flowtrace.examples;

import io.flowtrace.alert.Alerter;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.examples.config.ConfigFile;
import io.flowtrace.examples.config.EngineConfig;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.examples.metrics.Monitor;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.EngineSnapshots;
import io.flowtrace.query.QueryServer;
import io.flowtrace.query.QueryService;
import io.flowtrace.query.SnapshotStores;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.sketch.EngineTasks;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * {@code engine --config FILE (--capture FILE | --interface IF) [--listen HOST:PORT]}: the analysis engine. Runs the
 * tasks of the engine's {@code config.yaml} over the source (a capture file, or a live interface read as the agent
 * reads it), writes their snapshots to the configured writers on each writer's
 * interval (always to the query store, from which the query API answers), and serves the query API. With
 * {@code --capture} and a listen address it keeps serving after the capture is metered, until SIGTERM or SIGINT;
 * without a listen address it exits after the final snapshot. A signal while metering stops the source, takes the
 * final snapshot, flushes the writers and exits 0 (1 when something could not be delivered).
 * {@code --check-config FILE} checks a file and exits 0 or 2, starting nothing.
 */
final class EngineCommand implements Command {
    private final UnaryOperator<String> env;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile FlowTrace meter;
    private volatile InetSocketAddress served;

    EngineCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "run the analysis engine's tasks (its config.yaml), keep their snapshots, serve the query API";
    }

    @Override
    public String synopsis() {
        return "engine --config FILE (--capture FILE | --interface IF) [--listen HOST:PORT] | engine --check-config FILE";
    }

    @Override
    public String description() {
        return "Runs the exact and sketch tasks of the engine's config.yaml over --capture (the engine's\n"
                + "pcap-analyzer) or a live --interface (until stopped), snapshots them on each writer's\n"
                + "snapshot_interval into the store and the writers, and serves the query API (GET /,\n"
                + "POST /search, POST /query for Grafana, /api/v1/aggregate, /api/v1/flows/trace,\n"
                + "/api/v1/heavyhitters) on --listen or api.http_listen_addr. SIGTERM or SIGINT takes a final snapshot, flushes and exits.\n"
                + "--metrics-listen serves /metrics and /healthz as the agent's does.";
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("options", CommandSettings.ENGINE));
    }

    /** Stops the run as SIGTERM does: the source stops, the final snapshot is taken, serving ends. */
    void stop() {
        FlowTrace m = meter;
        if (m != null) {
            m.stop();
        }
        stop.countDown();
    }

    /** {@return where the query API is served once it is, else {@code null}} (for tests) */
    InetSocketAddress served() {
        return served;
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        if (!a.positional.isEmpty()) {
            throw new UsageException("unexpected argument " + a.positional.get(0) + " (captures: --capture FILE)");
        }
        boolean quiet = a.has(CommandSettings.QUIET);
        Consumer<String> warn = line -> err.println("flowtrace engine: " + line);
        if (a.has(CommandSettings.CHECK_CONFIG)) {
            String file = a.text(CommandSettings.CHECK_CONFIG);
            EngineConfig c = EngineConfig.read(ConfigFile.read(Path.of(file), env), warn);
            for (EngineConfig.Task t : c.tasks()) {
                t.task().create(); // checks each task's settings as a run would
            }
            checkWriters(c, warn);
            if (c.alerts() != null && c.alerts().active()) {
                c.alerts().alerter(c.alertTasks(), warn, true);
            }
            out.println("config " + file + ": OK: tasks " + String.join(", ", c.taskNames()));
            return 0;
        }
        String file = a.text(CommandSettings.ENGINE_CONFIG);
        if (file == null) {
            throw new UsageException("missing --config FILE (the engine's config.yaml), or --check-config FILE");
        }
        EngineConfig c = EngineConfig.read(ConfigFile.read(Path.of(file), env), warn);
        if (c.tasks().isEmpty()) {
            throw new ConfigurationException("config " + file + ": no tasks (aggregator: exact/sketch: tasks)");
        }
        List<String> captures = a.all(CommandSettings.CAPTURE);
        boolean live = a.has(CommandSettings.INTERFACE);
        boolean fromNats = captures.isEmpty() && !live && c.probe() != null;
        if (captures.isEmpty() == !live && !fromNats) {
            throw new UsageException(live ? "--capture and --interface: one source, a capture or an interface"
                    : "missing source: --capture FILE (the engine's pcap-analyzer), --interface IF (live), or a "
                    + "probe block in " + file + " (the NATS subject the probe publishes packets on)");
        }
        for (io.flowtrace.core.settings.Setting<?> s : CommandSettings.LIVE) {
            if (!live && a.has(s)) {
                throw new UsageException("--" + s.name() + " is a live capture's setting: it needs --interface IF");
            }
        }
        String listenText = a.has(CommandSettings.LISTEN) ? a.value(CommandSettings.LISTEN)
                : c.listen() != null ? c.listen().text() : "";
        InetSocketAddress listen = listenText.isBlank() ? null : resolve(listenText, a.has(CommandSettings.LISTEN)
                ? "--listen" : c.located(c.listen().where()));

        FlowTrace.Builder b = FlowTrace.builder();
        LiveCapture capture = null;
        String sourceText;
        if (live) {
            LiveCapture.loadNativeEarly();
            // the AGENT_* variables are the agent's: the engine's live settings come from its flags only
            Resolved values = Resolved.of(CommandSettings.LIVE, a, name -> null, RunConfig.none());
            String iface = values.get(CommandSettings.INTERFACE);
            if (iface.isBlank()) {
                throw new UsageException("--interface: empty (expected: an interface name)");
            }
            capture = LiveCapture.choose(values, null, iface, values.get(CommandSettings.BPF_FILTER), quiet, "engine",
                    err);
            capture.applyTo(b);
            sourceText = "interface " + iface;
        } else if (!fromNats) {
            Meter.source(captures, "", b);
            sourceText = String.join(", ", captures);
        } else {
            sourceText = "";
        }
        for (Map.Entry<String, RunConfig.Value> e : c.flow().entrySet()) {
            for (Setting<?> s : FlowSettings.all()) {
                if (s.name().equals(e.getKey())) {
                    apply(s, c.located(e.getValue().where()), e.getValue().text(), b);
                }
            }
        }
        Map<String, EngineConfig.Task> byAggregator = new LinkedHashMap<>();
        List<TaskInfo> infos = new ArrayList<>();
        Map<String, TaskInfo> infoByName = new LinkedHashMap<>();
        for (EngineConfig.Task t : c.tasks()) {
            b.aggregator(t.task().type(), EngineCluster.seeded(c, t.task().settings()));
            byAggregator.put(t.task().name(), t);
            List<String> fields = List.of(t.task().settings().get("key").split(","));
            TaskInfo before = infoByName.get(t.task().engineTask());
            List<Integer> types = new ArrayList<>(before == null ? List.of() : before.types());
            if (t.task().code() != EngineTasks.EXACT) {
                types.add(t.task().code());
            }
            List<String> engineFields = new ArrayList<>();
            for (String f : fields) {
                engineFields.add(io.flowtrace.query.FlowFilter.field(f.trim()));
            }
            infoByName.put(t.task().engineTask(), new TaskInfo(t.task().engineTask(),
                    t.task().code() == EngineTasks.EXACT ? TaskSnapshot.EXACT : TaskSnapshot.SKETCH, engineFields,
                    types));
        }
        infos.addAll(infoByName.values());

        SnapshotStores stores = SnapshotStores.discover();
        List<SnapshotStore> opened = new ArrayList<>();
        Alerter alerter = null;
        SnapshotStore queryStore = stores.create(c.storeType(), c.store());
        opened.add(queryStore);
        EngineCluster cluster = null;
        try {
            try {
                alerter = Alerts.attach(c.alerts(), c.alertTasks(), b, "engine", quiet, err);
            } catch (RuntimeException | Error e) {
                if (capture != null) {
                    capture.closeUnused();
                }
                throw e;
            }
            boolean merging = fromNats && EngineCluster.merges(c);
            List<Consumer<Snapshot>> toQueryStore = new ArrayList<>();
            for (String block : List.of("exact", "sketch")) {
                if (c.tasks().stream().anyMatch(t -> t.block().equals(block))) {
                    if (merging) {
                        toQueryStore.add(writer(queryStore, block, byAggregator)); // the cluster's merged answer
                    } else {
                        b.onSnapshot(c.interval(block), writer(queryStore, block, byAggregator));
                    }
                }
            }
            if (fromNats) {
                Map<String, Long> written = new java.util.HashMap<>();
                cluster = EngineCluster.open(c, b, byAggregator.keySet(), state -> {
                    synchronized (written) {
                        for (String task : state.tasks()) {
                            state.snapshot(task).ifPresent(s -> {
                                // the store joins snapshots of one time as parts of one: each answer gets its own
                                long end = Math.max(s.endNanos(), written.getOrDefault(task, Long.MIN_VALUE) + 1);
                                written.put(task, end);
                                Snapshot at = new Snapshot(s.task(), s.type(), s.metric(), s.startNanos(), end,
                                        s.rows(), s.totals());
                                toQueryStore.forEach(w -> w.accept(at));
                            });
                        }
                    }
                });
            }
            for (EngineConfig.Writer w : c.writers()) {
                if (w.type().equals("memory")) {
                    continue; // the query store takes the block's snapshots on the memory writer's interval
                }
                if (!stores.providers().containsKey(w.type())) {
                    warn.accept(w.where() + ": writer '" + w.type() + "' is not available in this build (no "
                            + w.type() + " store installed): its snapshots are kept only in the " + c.storeType()
                            + " store");
                    continue;
                }
                Map<String, String> settings = new LinkedHashMap<>();
                w.settings().forEach((k, v) -> settings.put(k.replace('_', '-'), v));
                SnapshotStore s = stores.create(w.type(), settings);
                opened.add(s);
                b.onSnapshot(w.interval(), writer(s, w.block(), byAggregator));
            }
            FlowTrace m;
            try {
                m = b.build();
            } catch (RuntimeException | Error e) {
                if (capture != null) {
                    capture.closeUnused();
                }
                throw e;
            }
            meter = m;
            QueryService queries = new QueryService(queryStore, infos);
            QueryServer server = null;
            if (listen != null) {
                try {
                    server = QueryServer.start(queries, listen);
                } catch (IOException e) {
                    m.close();
                    throw new UsageException("cannot listen on " + listenText + ": " + e.getMessage());
                }
                served = server.address();
            }
            AtomicInteger signals = new AtomicInteger();
            SignalHandler onSignal = sig -> {
                if (signals.incrementAndGet() == 1) {
                    if (!quiet) {
                        err.println("flowtrace engine: SIG" + sig.getName() + ": final snapshot, flushing");
                    }
                    stop();
                } else {
                    Runtime.getRuntime().halt(128 + sig.getNumber());
                }
            };
            SignalHandler[] before = handleSignals(onSignal);
            if (!quiet) {
                err.println("flowtrace engine: tasks " + String.join(", ", c.taskNames()) + " over "
                        + (cluster != null ? cluster.describe() : capture == null ? sourceText
                        : sourceText + " with " + capture.describe(m)) + (server == null ? "" : "; query API on http://"
                        + host(server.address()) + ":" + server.address().getPort() + "/"));
            }
            Meter.Outcome outcome;
            Monitor monitor = null;
            try {
                // flags only, as the live settings: the AGENT_ variables are the agent's
                Resolved watch = Resolved.of(CommandSettings.WATCH, a, name -> null, RunConfig.none());
                if (Meter.watchAsked(watch)) {
                    monitor = Meter.watch(m, "engine", sourceText, watch, () -> live && stop.getCount() > 0, quiet,
                            err);
                    if (alerter != null) {
                        monitor.alerts(alerter::stats);
                    }
                }
                outcome = Meter.Outcome.of(m);
                if (cluster != null) {
                    cluster.finish(); // the last state published, and merged into the query store
                }
                Alerter done = alerter;
                alerter = null;
                Alerts.finish(done, "engine", quiet, err);
                for (SnapshotStore s : opened) {
                    s.flush();
                }
                if (server != null && stop.getCount() > 0 && !live) {
                    if (!quiet) {
                        err.println("flowtrace engine: capture metered; serving the answers until stopped");
                    }
                    stop.await();
                }
            } finally {
                if (server != null) {
                    server.close();
                }
                if (monitor != null) {
                    monitor.close();
                }
                if (before != null) {
                    Signal.handle(new Signal("TERM"), before[0]);
                    Signal.handle(new Signal("INT"), before[1]);
                }
            }
            if (!quiet) {
                RunReport.printSummary(outcome.stats(), err);
            }
            int exit = outcome.report("engine", err);
            if (cluster != null && cluster.failed() > 0) {
                err.println("flowtrace engine: " + cluster.failed() + " state records not stored by NATS");
                exit = 1;
            }
            for (SnapshotStore s : opened) {
                s.flush();
                SnapshotStore.Stats st = s.stats();
                if (st.failed() > 0) {
                    err.println("flowtrace engine: store " + s.name() + ": " + st.failed()
                            + " snapshot parts could not be written");
                    exit = 1;
                }
                if (st.dropped() > 0 && !quiet) {
                    err.println("flowtrace engine: store " + s.name() + ": " + st.dropped()
                            + " snapshots let go by its bounds (retention, max-bytes)");
                }
            }
            return exit;
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (alerter != null) {
                alerter.close();
            }
            for (SnapshotStore s : opened) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    err.println("flowtrace engine: store " + s.name() + ": " + e.getMessage());
                }
            }
        }
    }

    /** The writers of a checked file that are not available here, each said once. */
    private static void checkWriters(EngineConfig c, Consumer<String> warn) {
        SnapshotStores stores = SnapshotStores.discover();
        if (!stores.providers().containsKey(c.storeType())) {
            throw new ConfigurationException("store: type: '" + c.storeType() + "' (available: "
                    + String.join(", ", stores.providers().keySet()) + ")");
        }
        Set<String> said = new TreeSet<>();
        for (EngineConfig.Writer w : c.writers()) {
            if (!w.type().equals("memory") && !stores.providers().containsKey(w.type()) && said.add(w.where())) {
                warn.accept(w.where() + ": writer '" + w.type() + "' is not available in this build (no " + w.type()
                        + " store installed): its snapshots would be kept only in the " + c.storeType() + " store");
            }
        }
    }

    /** A snapshot listener writing the tasks of {@code block} to {@code store} in the engine's terms. */
    private static Consumer<Snapshot> writer(SnapshotStore store, String block,
                                             Map<String, EngineConfig.Task> byAggregator) {
        return s -> {
            EngineConfig.Task t = byAggregator.get(s.task());
            if (t == null || !t.block().equals(block)) {
                return;
            }
            List<String> fields = List.of(t.task().settings().get("key").split(","));
            store.write(t.task().code() == EngineTasks.EXACT
                    ? EngineSnapshots.exact(t.task().engineTask(), fields, s)
                    : EngineSnapshots.sketch(t.task().engineTask(), fields, t.task().code(), s));
        };
    }

    /** Installs {@code h} for SIGTERM and SIGINT; returns the handlers it replaced, {@code null} when it could not. */
    private static SignalHandler[] handleSignals(SignalHandler h) {
        try {
            SignalHandler term = Signal.handle(new Signal("TERM"), h);
            SignalHandler intr = Signal.handle(new Signal("INT"), h);
            return new SignalHandler[] {term, intr};
        } catch (IllegalArgumentException e) {
            return null; // a JVM started with -Xrs, or a platform without these signals
        }
    }

    private static InetSocketAddress resolve(String text, String origin) {
        InetSocketAddress at;
        try {
            at = Monitor.parseListen(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(origin + ": " + e.getMessage());
        }
        if (at.isUnresolved()) {
            at = new InetSocketAddress(at.getHostString(), at.getPort());
            if (at.isUnresolved()) {
                throw new UsageException(origin + ": " + text + ": unknown host");
            }
        }
        return at;
    }

    private static String host(InetSocketAddress at) {
        if (at.getAddress() != null && at.getAddress().isAnyLocalAddress()) {
            return "0.0.0.0";
        }
        String h = at.getAddress() != null ? at.getAddress().getHostAddress() : at.getHostString();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    private static <T> void apply(Setting<T> s, String origin, String text, FlowTrace.Builder b) {
        s.applyTo(b, CommandLine.parse(s, origin, text));
    }
}
