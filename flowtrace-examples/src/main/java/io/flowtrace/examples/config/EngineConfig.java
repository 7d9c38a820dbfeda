package io.flowtrace.examples.config;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Durations;
import io.flowtrace.sketch.EngineTasks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The analysis engine's {@code config.yaml}, read whole for the {@code engine} command: every block is checked, and
 * what is wrong is refused at start with its key path, its line and column, and what is accepted (the engine itself
 * ignores unknown keys, task types, metrics and writer types silently).
 *
 * <ul>
 *   <li>{@code aggregator}: {@code types}, {@code period}, {@code num_workers}, {@code size_of_packet_channel}
 *   (ignored, with a warning: workers take packets in batches through bounded queues), and the {@code exact} and
 *   {@code sketch} blocks, each with {@code tasks} (as {@link EngineTasks} reads them) and {@code writers}.</li>
 *   <li>Misspelled keys as the engine ships them ({@code size_thereshold}, {@code count_thereshold}) and their right
 *   spelling are both accepted, the misspelled one with a warning naming the right one; {@code element_fields} on a
 *   Count-Min task ({@code skt_type: 0}) is accepted and ignored with a warning, as the engine ignores it.</li>
 *   <li>Writers: {@code {type, enabled, snapshot_interval, <type>: {...}}}, each snapshotting its block's tasks on
 *   its own interval. Types: {@code memory} (flowtrace's own: the store the query API answers from),
 *   {@code clickhouse} (its {@code clickhouse:} block), and the engine's file writers {@code text} and {@code gob},
 *   accepted only disabled.</li>
 *   <li>{@code api}: {@code http_listen_addr} (where the query API is served), {@code rpc_listen_addr} (not served:
 *   a warning when set).</li>
 *   <li>{@code alerter}, {@code smtp}, {@code ai}: alerting ({@link AlertConfig}): the rules checked against the
 *   tasks, an {@code email} notifier when {@code smtp.host} is set, the {@code ai} block's model asked when
 *   {@code alerter.ai_analysis.enabled}.</li>
 *   <li>{@code probe}: checked key by key and accepted with a warning that it is inactive.</li>
 *   <li>{@code store}: flowtrace's own, the query API's store ({@code type: memory}, {@code retention},
 *   {@code max_bytes}).</li>
 * </ul>
 * Immutable once read.
 */
public final class EngineConfig {
    /** Writer types: flowtrace's own, the engine's database, the engine's file writers. */
    public static final Set<String> WRITER_TYPES = Set.of("memory", "clickhouse", "text", "gob");
    private static final Set<String> TOP = Set.of("api", "ai", "probe", "alerter", "smtp", "aggregator", "store");
    private static final Set<String> AGGREGATOR = Set.of("types", "period", "num_workers", "size_of_packet_channel",
            "exact", "sketch");
    /** The snapshot interval of a block that names no enabled writer. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

    /** One aggregator of an engine task, and the block it is in ({@code exact} or {@code sketch}). */
    public record Task(EngineTasks.Task task, String block) {
    }

    /**
     * One enabled writer of a block.
     *
     * @param type     {@code memory} or {@code clickhouse}
     * @param block    {@code exact} or {@code sketch}
     * @param interval its snapshot interval
     * @param settings its own block ({@code clickhouse: {...}}) as text values
     * @param where    its key path, for messages
     */
    public record Writer(String type, String block, Duration interval, Map<String, String> settings, String where) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private final List<Writer> writers = new ArrayList<>();
    private final Map<String, RunConfig.Value> flow = new LinkedHashMap<>();
    private final Map<String, String> store = new LinkedHashMap<>();
    private String storeType = "memory";
    private RunConfig.Value listen;
    private AlertConfig alerts;
    private final ConfigNode root;

    private EngineConfig(ConfigNode root) {
        this.root = root;
    }

    /**
     * Reads and checks a whole engine configuration.
     *
     * @param file the file, placeholders filled
     * @param warn takes one line per warning
     * @return the configuration
     * @throws ConfigurationException naming the key path, its place, the problem and what is accepted
     */
    public static EngineConfig read(ConfigFile file, Consumer<String> warn) {
        ConfigNode root = file.root();
        EngineConfig c = new EngineConfig(root);
        for (String key : root.keys()) {
            if (!TOP.contains(key)) {
                throw root.unknown(key, TOP);
            }
        }
        if (!root.has("aggregator")) {
            throw new ConfigurationException(root.where() + ": aggregator: missing (expected: the engine's "
                    + "aggregator block with its exact and sketch tasks)");
        }
        c.readAggregator(root.node("aggregator"), warn);
        if (root.has("api")) {
            c.readApi(root.node("api"), warn);
        }
        if (root.has("probe")) {
            ConfigNode probe = inactive(root, "probe", Set.of("nats_url", "subject", "persistence"), warn);
            if (probe.has("persistence")) {
                RunConfig.readPersistence(probe.node("persistence"), warn); // checked as flows and agent read it
            }
        }
        c.alerts = AlertConfig.read(root, warn);
        if (root.has("store")) {
            c.readStore(root.node("store"));
        }
        return c;
    }

    private static ConfigNode inactive(ConfigNode root, String key, Set<String> known, Consumer<String> warn) {
        ConfigNode n = root.node(key);
        check(n, known);
        warn.accept(root.where(key) + ": accepted, inactive: " + key + " is not built in flowtrace yet");
        return n;
    }

    private static void check(ConfigNode n, Set<String> known) {
        for (String k : n.keys()) {
            if (!known.contains(k)) {
                throw n.unknown(k, known);
            }
        }
    }

    private void readApi(ConfigNode api, Consumer<String> warn) {
        check(api, Set.of("rpc_listen_addr", "http_listen_addr"));
        if (api.has("http_listen_addr") && !api.text("http_listen_addr").isBlank()) {
            listen = new RunConfig.Value(api.text("http_listen_addr").trim(), api.where("http_listen_addr"));
        }
        if (api.has("rpc_listen_addr") && !api.text("rpc_listen_addr").isBlank()) {
            warn.accept(api.where("rpc_listen_addr") + ": not served (flowtrace answers over HTTP/JSON on "
                    + "http_listen_addr)");
        }
    }

    private void readStore(ConfigNode s) {
        check(s, Set.of("type", "retention", "max_bytes"));
        for (String k : s.keys()) {
            if (k.equals("type")) {
                storeType = s.text(k);
            } else {
                String before = store.put(k.replace('_', '-'), s.text(k));
                if (before != null && !before.equals(s.text(k))) {
                    throw new ConfigurationException(s.located(k) + ": " + s.text(k) + " (a memory writer says "
                            + before + "; the memory store is one)");
                }
            }
        }
    }

    private void readAggregator(ConfigNode agg, Consumer<String> warn) {
        check(agg, AGGREGATOR);
        if (agg.has("period")) {
            duration(agg, "period");
            flow.put("period", new RunConfig.Value(agg.text("period"), agg.where("period")));
        }
        if (agg.has("num_workers")) {
            flow.put("workers", new RunConfig.Value(agg.text("num_workers"), agg.where("num_workers")));
        }
        if (agg.has("size_of_packet_channel")) {
            warn.accept(agg.where("size_of_packet_channel") + ": ignored (workers take packets in batches through "
                    + "bounded queues)");
        }
        Set<String> types = new LinkedHashSet<>(List.of("exact", "sketch"));
        if (agg.has("types")) {
            Object t = agg.plain().get("types");
            types.clear();
            for (Object o : t instanceof List ? (List<?>) t : List.of(t)) {
                if (!Set.of("exact", "sketch").contains(String.valueOf(o))) {
                    throw new ConfigurationException(agg.located("types") + ": '" + o + "' (expected: exact, sketch)");
                }
                types.add(String.valueOf(o));
            }
        }
        for (String block : agg.keys()) { // the file's order: tasks are listed as it lists them
            if (!block.equals("exact") && !block.equals("sketch") || agg.plain().get(block) == null) {
                continue;
            }
            ConfigNode b = agg.node(block);
            check(b, Set.of("tasks", "writers"));
            if (!types.contains(block)) {
                warn.accept(b.where() + ": not in " + agg.where("types") + " (ignored)");
                continue;
            }
            readTasks(b, block, warn);
            readWriters(b, block, warn);
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Task t : tasks) {
            if (!seen.add(t.task().name())) {
                throw new ConfigurationException(agg.where() + ": task '" + t.task().name() + "' named twice");
            }
        }
    }

    private void readTasks(ConfigNode block, String family, Consumer<String> warn) {
        if (!block.has("tasks") || block.plain().get("tasks") == null) {
            return;
        }
        List<ConfigNode> list = block.nodes("tasks", "{name: ..., ...}");
        for (int i = 0; i < list.size(); i++) {
            ConfigNode t = list.get(i);
            Map<String, Object> task = new LinkedHashMap<>(t.plain());
            if (family.equals("sketch")) {
                for (String[] spelling : new String[][] {{"size_thereshold", "size_threshold"},
                        {"count_thereshold", "count_threshold"}}) {
                    if (task.containsKey(spelling[0])) {
                        warn.accept(t.located(spelling[0]) + ": misspelled as the engine ships it: write "
                                + spelling[1] + " (accepted)");
                    }
                }
                if ("0".equals(String.valueOf(task.get("skt_type"))) && task.containsKey("element_fields")) {
                    task.remove("element_fields");
                    warn.accept(t.located("element_fields") + ": ignored on a Count-Min task (skt_type 0), as the "
                            + "engine ignores it: the task counts per flow_fields");
                }
            }
            try {
                List<EngineTasks.Task> made = family.equals("exact") ? List.of(EngineTasks.exactTask(task))
                        : EngineTasks.sketchTask(task);
                for (EngineTasks.Task m : made) {
                    tasks.add(new Task(m, family));
                }
            } catch (ConfigurationException e) {
                throw new ConfigurationException(root.locate(t.where()) + ": " + e.getMessage(), e);
            }
        }
    }

    private void readWriters(ConfigNode block, String family, Consumer<String> warn) {
        if (!block.has("writers") || block.plain().get("writers") == null) {
            return;
        }
        for (ConfigNode w : block.nodes("writers", "{type, enabled, snapshot_interval, <type>: {...}}")) {
            String type = w.has("type") ? w.text("type") : "";
            if (!WRITER_TYPES.contains(type)) {
                throw new ConfigurationException(w.located("type") + ": '" + type + "' (expected: "
                        + String.join(", ", new java.util.TreeSet<>(WRITER_TYPES)) + ")");
            }
            Set<String> known = new LinkedHashSet<>(List.of("type", "enabled", "snapshot_interval", type));
            check(w, known);
            boolean enabled = !w.has("enabled") || bool(w, "enabled");
            Duration interval = w.has("snapshot_interval") ? duration(w, "snapshot_interval") : DEFAULT_INTERVAL;
            if (interval.isZero() || interval.isNegative()) {
                throw new ConfigurationException(w.located("snapshot_interval") + ": " + w.text("snapshot_interval")
                        + " (expected: > 0)");
            }
            Map<String, String> settings = new LinkedHashMap<>();
            if (w.has(type)) {
                ConfigNode own = w.node(type);
                if (type.equals("clickhouse")) {
                    check(own, Set.of("host", "port", "http_port", "database", "username", "password", "cloud",
                            "secure", "retry_budget"));
                } else if (type.equals("memory")) {
                    check(own, Set.of("retention", "max_bytes"));
                } else {
                    check(own, Set.of("root_path"));
                }
                settings.putAll(own.texts());
            }
            if (!enabled) {
                continue;
            }
            if (type.equals("memory")) {
                // the memory writer's bounds are the query store's
                for (Map.Entry<String, String> e : settings.entrySet()) {
                    String k = e.getKey().replace('_', '-');
                    String before = store.put(k, e.getValue());
                    if (before != null && !before.equals(e.getValue())) {
                        throw new ConfigurationException(w.located("memory") + ": " + e.getKey() + ": "
                                + e.getValue() + " (another memory writer or the store block says " + before
                                + "; the memory store is one)");
                    }
                }
            }
            if (type.equals("text") || type.equals("gob")) {
                throw new ConfigurationException(w.located("enabled") + ": the engine's " + type + " writer is not "
                        + "built in flowtrace (enabled: false, or type memory or clickhouse)");
            }
            writers.add(new Writer(type, family, interval, settings, root.locate(w.where())));
        }
    }

    private static Duration duration(ConfigNode n, String key) {
        try {
            return Durations.parse(n.text(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(n.located(key) + ": " + e.getMessage());
        }
    }

    private static boolean bool(ConfigNode n, String key) {
        String v = n.text(key).trim().toLowerCase(java.util.Locale.ROOT);
        switch (v) {
            case "true": case "on": case "yes": return true;
            case "false": case "off": case "no": return false;
            default:
                throw new ConfigurationException(n.located(key) + ": '" + v + "' (expected: true or false)");
        }
    }

    /** {@return the engine task names (a Count-Min task with both thresholds is one), in the file's order} */
    public Set<String> taskNames() {
        Set<String> out = new LinkedHashSet<>();
        for (Task t : tasks) {
            out.add(t.task().engineTask());
        }
        return out;
    }

    /** {@return every aggregator to run, with its engine task and block} */
    public List<Task> tasks() {
        return tasks;
    }

    /** {@return the enabled writers} */
    public List<Writer> writers() {
        return writers;
    }

    /** {@return flow settings from the aggregator block ({@code period}, {@code workers}) by setting name} */
    public Map<String, RunConfig.Value> flow() {
        return flow;
    }

    /** {@return the query API's store type ({@code memory} unless {@code store: type:} says)} */
    public String storeType() {
        return storeType;
    }

    /** {@return the query API store's settings (kebab-case keys)} */
    public Map<String, String> store() {
        return store;
    }

    /** {@return {@code api.http_listen_addr}, or {@code null}} */
    public RunConfig.Value listen() {
        return listen;
    }

    /** {@return the alerting of the file, or {@code null} when it has no enabled {@code alerter} block} */
    public AlertConfig alerts() {
        return alerts;
    }

    /** {@return the aggregators alert rules may read, by engine task} */
    public List<AlertConfig.TaskSpec> alertTasks() {
        List<AlertConfig.TaskSpec> out = new ArrayList<>();
        for (Task t : tasks) {
            out.add(new AlertConfig.TaskSpec(t.task().engineTask(), t.task().type(), t.task().settings()));
        }
        return out;
    }

    /** {@return a key path of this file with its line and column when known} */
    public String located(String where) {
        return root.locate(where);
    }

    /** {@return the snapshot interval of {@code block}: its memory writer's, else its shortest writer's, else 60s} */
    public Duration interval(String block) {
        Duration best = null;
        for (Writer w : writers) {
            if (w.block().equals(block)) {
                if (w.type().equals("memory")) {
                    return w.interval();
                }
                best = best == null || w.interval().compareTo(best) < 0 ? w.interval() : best;
            }
        }
        return best == null ? DEFAULT_INTERVAL : best;
    }

    /** {@return a duration's text, for messages} */
    static String text(Duration d) {
        return Durations.format(d);
    }
}
