package io.flowtrace.examples.config;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Names;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.sketch.EngineTasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a metering command takes from a {@link ConfigFile}: its own settings, flow settings, a source, sinks and
 * aggregator tasks. Two forms, in one file or apart:
 *
 * <pre>
 * interface: ${AGENT_INTERFACE:-eth0}      # flowtrace's form: the command's own settings (the agent's, here),
 * endpoint_url: http://127.0.0.1:8000/ingest
 * flow:                                    # the flow settings, by their snake_case names
 *   idle_timeout: 30s
 *   active_timeout: 5m
 * source:                                  # another source, or more of the agent's pcap-live keys
 *   type: pcap-live
 *   buffer_size: 16MiB
 * sinks:
 *   - type: file                           # the plugin; its own (kebab-case) keys follow
 *     path: /var/log/flows.ndjson
 * aggregators:
 *   - type: count-min
 *     name: per_src_ip
 *     key: src_ip
 *
 * aggregator:                              # the analysis engine's form (its config.yaml)
 *   types: [sketch, exact]                 # which of the blocks below run (default: both)
 *   period: 720h                           # the flow setting period
 *   num_workers: 16                        # the flow setting workers
 *   exact:  { tasks: [ ... ] }             # tasks as io.flowtrace.sketch.EngineTasks reads them
 *   sketch: { tasks: [ ... ] }
 * </pre>
 *
 * A command that reads {@link #ALERTER} takes the {@code alerter}, {@code smtp} and {@code ai} blocks together
 * ({@link #alerts()}). A block the command does not use (the engine's {@code api}, {@code probe}, and {@code ai},
 * {@code alerter}, {@code smtp} where alerts are not read; writers; another command's settings) is named in one
 * warning line and skipped; an unknown key in a
 * block the command uses is refused with its key path and the accepted keys. Kebab-case keys under {@code flow:}
 * (an earlier documented form) are read, with a warning naming the snake_case key. Immutable once read.
 */
public final class RunConfig {
    /** flowtrace's blocks. */
    public static final String FLOW = "flow";
    public static final String SOURCE = "source";
    public static final String SINKS = "sinks";
    public static final String AGGREGATORS = "aggregators";
    /** Alerting: the {@code alerter} block, with the engine's {@code smtp} and {@code ai} ({@link AlertConfig}). */
    public static final String ALERTER = "alerter";
    /** The engine's aggregator block. */
    public static final String ENGINE_AGGREGATOR = "aggregator";
    /** The engine's probe block: its {@code persistence} is read as a packet tee ({@link #persistence()}). */
    public static final String PROBE = "probe";
    /** The engine's blocks flowtrace's commands do not use (yet). */
    public static final Set<String> ENGINE_ONLY = Set.of("api", "ai", "probe", "alerter", "smtp");
    private static final Set<String> ENGINE_AGGREGATOR_KEYS = Set.of("types", "period", "num_workers",
            "size_of_packet_channel", "exact", "sketch");

    /** A value and where it came from ({@code config FILE: flow: idle_timeout}). */
    public record Value(String text, String where) {
    }

    /** A plugin ({@code type:}) and its settings (every other key; an aggregator's task has its own name). */
    public record PluginSpec(String type, Map<String, String> config) {
    }

    private final Map<String, Value> settings = new LinkedHashMap<>();
    private final Map<String, Value> flow = new LinkedHashMap<>();
    private PluginSpec source;
    /** Where in the file each plugin of it is (engine tasks are not: they are made from several keys). */
    private final Map<PluginSpec, ConfigNode> places = new java.util.IdentityHashMap<>();
    private final List<PluginSpec> sinks = new ArrayList<>();
    private final List<PluginSpec> aggregators = new ArrayList<>();
    /** The engine task of each aggregator made from the engine's aggregator block. */
    private final Map<PluginSpec, String> engineTasks = new java.util.IdentityHashMap<>();
    private AlertConfig alerts;
    /** The engine's {@code probe.persistence} as the tee's settings, when enabled; else {@code null}. */
    private Map<String, String> persistence;
    private String persistenceWhere;
    /** The file's root, for the places of keys; {@code null} when no file was given. */
    private ConfigNode root;

    private RunConfig() {
    }

    /** No file given. */
    public static RunConfig none() {
        return new RunConfig();
    }

    /**
     * @param command   the command's name, for warnings
     * @param own       the command's own top-level keys (the agent's {@code interface}, ...)
     * @param blocks    the blocks it uses, of {@code flow}, {@code source}, {@code sinks}, {@code aggregators} and
     *                  the engine's {@code aggregator}
     * @param elsewhere top-level keys other commands use: warned about, not refused
     * @param warn      takes one line per block or key not used
     * @throws ConfigurationException naming the key path, the problem and what is accepted
     */
    public static RunConfig read(ConfigFile file, String command, Set<String> own, Set<String> blocks,
                                 Set<String> elsewhere, Consumer<String> warn) {
        RunConfig c = new RunConfig();
        ConfigNode root = file.root();
        c.root = root;
        Set<String> known = new LinkedHashSet<>(own);
        known.addAll(blocks);
        known.addAll(elsewhere);
        known.addAll(ENGINE_ONLY);
        boolean alerting = blocks.contains(ALERTER);
        for (String key : root.keys()) {
            if (alerting && AlertConfig.BLOCKS.contains(key)) {
                continue; // read together below
            }
            if (own.contains(key)) {
                c.settings.put(key, new Value(root.text(key), root.where(key)));
            } else if (blocks.contains(key)) {
                c.readBlock(root, key, command, warn);
            } else if (known.contains(key)) {
                warn.accept(root.where() + ": '" + key + "' is not used by " + command + " (ignored)");
            } else {
                throw root.unknown(key, known);
            }
        }
        if (alerting) {
            c.alerts = AlertConfig.read(root, warn);
        }
        return c;
    }

    private void readBlock(ConfigNode root, String key, String command, Consumer<String> warn) {
        switch (key) {
            case FLOW:
                readFlow(root.node(key), warn);
                break;
            case SOURCE:
                source = plugin(root.node(key));
                places.put(source, root.node(key));
                break;
            case SINKS:
            case AGGREGATORS:
                for (ConfigNode n : root.nodes(key, "{type: <plugin>, key: value}")) {
                    PluginSpec p = plugin(n);
                    places.put(p, n);
                    (key.equals(SINKS) ? sinks : aggregators).add(p);
                }
                break;
            case PROBE:
                readProbe(root.node(key), command, warn);
                break;
            default:
                readEngineAggregator(root.node(key), command, warn);
        }
    }

    private void readProbe(ConfigNode probe, String command, Consumer<String> warn) {
        Set<String> known = Set.of("nats_url", "subject", "format", "persistence", "queue_group", "jetstream",
                "partitions");
        for (String k : probe.keys()) {
            if (!known.contains(k)) {
                throw probe.unknown(k, known);
            }
            if (!k.equals("persistence")) {
                warn.accept(probe.where(k) + ": not used by " + command + " (ignored)");
            }
        }
        if (probe.has("persistence")) {
            persistence = readPersistence(probe.node("persistence"), warn);
            persistenceWhere = probe.where("persistence");
        }
    }

    /**
     * The engine's {@code probe.persistence} block as it ships ({@code enabled}, {@code path}, {@code num_workers},
     * {@code channel_buffer_size}, {@code encoding: text|gob|pcap}), as the settings of a packet tee
     * ({@code io.flowtrace.sinks.file.PacketTee}): {@code path} (with the encoding's extension added when it has
     * none), {@code format} ({@code pcap} or {@code text}; {@code gob} is refused when enabled), {@code queue}
     * (the engine's channel of {@code channel_buffer_size} packets as that many 2 KiB, at least 1 MiB).
     * {@code num_workers} is accepted and not used: one thread writes each file, as a file written by several is
     * corrupt.
     *
     * @param node the {@code persistence} block
     * @param warn takes one line per warning
     * @return the tee's settings, or {@code null} when {@code enabled} is false or missing
     * @throws ConfigurationException naming the key, its place and what is accepted
     */
    public static Map<String, String> readPersistence(ConfigNode node, Consumer<String> warn) {
        Set<String> known = Set.of("enabled", "path", "num_workers", "channel_buffer_size", "encoding");
        for (String k : node.keys()) {
            if (!known.contains(k)) {
                throw node.unknown(k, known);
            }
        }
        String encoding = node.has("encoding") ? node.text("encoding").trim().toLowerCase(java.util.Locale.ROOT)
                : "pcap";
        String enabled = node.has("enabled") ? node.text("enabled").trim().toLowerCase(java.util.Locale.ROOT)
                : "false";
        if (!Set.of("true", "false", "on", "off").contains(enabled)) {
            throw new ConfigurationException(node.located("enabled") + ": '" + enabled + "' (expected: true or false)");
        }
        boolean on = enabled.equals("true") || enabled.equals("on");
        if (encoding.equals("gob") && on) {
            throw new ConfigurationException(node.located("encoding") + ": 'gob' is Go's own serialisation, which "
                    + "only the engine's Go code reads: flowtrace does not write it (expected: pcap or text; "
                    + "pcapng too)");
        }
        if (!Set.of("pcap", "text", "pcapng", "gob").contains(encoding)) {
            throw new ConfigurationException(node.located("encoding") + ": '" + encoding
                    + "' (expected: pcap or text; pcapng too)");
        }
        long buffer = 10_000;
        if (node.has("channel_buffer_size")) {
            try {
                buffer = Long.parseLong(node.text("channel_buffer_size").trim());
            } catch (NumberFormatException e) {
                buffer = -1;
            }
            if (buffer < 1) {
                throw new ConfigurationException(node.located("channel_buffer_size") + ": '"
                        + node.text("channel_buffer_size") + "' (expected: packets, a whole number >= 1)");
            }
        }
        if (node.has("num_workers") && !node.text("num_workers").trim().equals("1")) {
            warn.accept(node.where("num_workers") + ": not used: one thread writes each file (the engine's several "
                    + "writers of one file corrupt it)");
        }
        if (!on) {
            return null;
        }
        if (!node.has("path") || node.text("path").isBlank()) {
            throw new ConfigurationException(node.where() + ": path: missing (expected: the file the packets are "
                    + "written to)");
        }
        String path = node.text("path").trim();
        String ext = encoding.equals("text") ? ".txt" : "." + encoding;
        String name = java.nio.file.Path.of(path).getFileName().toString();
        if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of(path)) && name.indexOf('.') < 0) {
            path = path + ext;
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("format", encoding);
        m.put("queue", String.valueOf(Math.min(1L << 34, Math.max(1L << 20, buffer * 2048))));
        return m;
    }

    /** {@return the engine's {@code probe.persistence} as a packet tee's settings, or {@code null} when off} */
    public Map<String, String> persistence() {
        return persistence;
    }

    /** {@return the key path of {@code probe.persistence}, for messages ({@link #located(String)}), or null} */
    public String persistenceWhere() {
        return persistenceWhere;
    }

    private void readFlow(ConfigNode node, Consumer<String> warn) {
        Set<String> accepted = new LinkedHashSet<>();
        FlowSettings.all().forEach(s -> accepted.add(s.yamlKey()));
        for (String key : node.keys()) {
            String snake = Names.snake(key);
            if (!accepted.contains(snake)) {
                throw node.unknown(key, accepted);
            }
            if (!snake.equals(key)) {
                warn.accept(node.where(key) + ": YAML keys are snake_case: write " + snake);
            }
            putFlow(Names.kebab(key), new Value(node.textOrList(key), node.where(key)));
        }
    }

    private void putFlow(String setting, Value v) {
        Value before = flow.put(setting, v);
        if (before != null) {
            throw new ConfigurationException(v.where() + ": given twice (also at " + before.where() + ")");
        }
    }

    private void readEngineAggregator(ConfigNode agg, String command, Consumer<String> warn) {
        Set<String> types = new LinkedHashSet<>(List.of("exact", "sketch"));
        for (String key : agg.keys()) {
            if (!ENGINE_AGGREGATOR_KEYS.contains(key)) {
                throw agg.unknown(key, ENGINE_AGGREGATOR_KEYS);
            }
        }
        if (agg.has("period")) {
            putFlow("period", new Value(agg.text("period"), agg.where("period")));
        }
        if (agg.has("num_workers")) {
            putFlow("workers", new Value(agg.text("num_workers"), agg.where("num_workers")));
        }
        if (agg.has("size_of_packet_channel")) {
            warn.accept(agg.where("size_of_packet_channel") + ": not used by " + command
                    + " (ignored: workers take packets in batches through bounded queues)");
        }
        if (agg.has("types")) {
            Object t = agg.plain().get("types");
            types.clear();
            for (Object o : t instanceof List ? (List<?>) t : List.of(t)) {
                if (!Set.of("exact", "sketch").contains(String.valueOf(o))) {
                    throw new ConfigurationException(agg.where("types") + ": '" + o + "' (expected: exact, sketch)");
                }
                types.add(String.valueOf(o));
            }
        }
        Map<String, Object> selected = new LinkedHashMap<>();
        for (String family : List.of("exact", "sketch")) {
            if (!agg.has(family)) {
                continue;
            }
            ConfigNode block = agg.node(family);
            if (!types.contains(family)) {
                warn.accept(block.where() + ": not in " + agg.where("types") + " (ignored)");
                continue;
            }
            for (String key : block.keys()) {
                if (key.equals("writers")) {
                    warn.accept(block.where(key) + ": not used by " + command + " (ignored)");
                } else if (!key.equals("tasks")) {
                    throw block.unknown(key, Set.of("tasks", "writers"));
                }
            }
            selected.put(family, family.equals("sketch") ? withoutCountMinElements(block, command, warn)
                    : block.plain());
        }
        try {
            for (EngineTasks.Task t : EngineTasks.fromConfig(selected)) {
                PluginSpec p = new PluginSpec(t.type(), t.settings());
                aggregators.add(p);
                engineTasks.put(p, t.engineTask());
            }
        } catch (ConfigurationException e) {
            throw new ConfigurationException(agg.where() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The sketch block with {@code element_fields} left out of count-min tasks ({@code skt_type: 0}), which the
     * engine's shipped file gives them and a count-min keyed on {@code flow_fields} does not use.
     */
    private static Map<String, Object> withoutCountMinElements(ConfigNode block, String command,
                                                               Consumer<String> warn) {
        if (!(block.plain().get("tasks") instanceof List<?> tasks)) {
            return block.plain();
        }
        List<Object> kept = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Object t = tasks.get(i);
            if (t instanceof Map<?, ?> spelled) {
                for (String[] spelling : new String[][] {{"size_thereshold", "size_threshold"},
                        {"count_thereshold", "count_threshold"}}) {
                    if (spelled.containsKey(spelling[0])) {
                        warn.accept(block.where("tasks[" + i + "]") + ": " + spelling[0] + ": misspelled as the "
                                + "engine ships it: write " + spelling[1] + " (accepted)");
                    }
                }
            }
            if (t instanceof Map<?, ?> task && "0".equals(String.valueOf(task.get("skt_type")))
                    && task.containsKey("element_fields")) {
                Map<Object, Object> copy = new LinkedHashMap<>(task);
                copy.remove("element_fields");
                warn.accept(block.where("tasks[" + i + "]") + ": element_fields: not used by a count-min task "
                        + "(skt_type 0) in " + command + " (ignored)");
                t = copy;
            }
            kept.add(t);
        }
        Map<String, Object> out = new LinkedHashMap<>(block.plain());
        out.put("tasks", kept);
        return out;
    }

    private static PluginSpec plugin(ConfigNode node) {
        Map<String, String> config = node.texts();
        String type = config.remove("type");
        if (type == null || type.isEmpty()) {
            throw new ConfigurationException(node.where()
                    + ": type missing (expected: type: <plugin name>, then its keys)");
        }
        return new PluginSpec(type, config);
    }

    private static final java.util.regex.Pattern PROBLEMS = java.util.regex.Pattern.compile("^\\d+ problems: ");
    private static final java.util.regex.Pattern LABEL =
            java.util.regex.Pattern.compile("^((?:source|sink|aggregator) '[^']*'): ");

    /**
     * A failed build's message with the places in this file of what it names: a problem of a plugin of this file
     * whose label ({@code sink 'http'}) no other plugin of the run has gets the plugin's key path and the line and
     * column of the key it names ({@code sink 'http': config a.yaml: sinks[0]: retry_budget (line 5, column 5):
     * 'x' (expected: ...)}), or of the plugin's {@code type} when it names no key of it.
     *
     * @param message the builder's message: problems joined with {@code "; "}, each after its plugin's label
     * @param labels  how many plugins of the run have each label, the file's included
     * @return the message, located where it could be
     */
    public String locatePlugins(String message, Map<String, Integer> labels) {
        Map<String, ConfigNode> unique = new LinkedHashMap<>();
        places.forEach((p, node) -> {
            String label = label(p);
            if (labels.getOrDefault(label, 0) == 1) {
                unique.put(label, node);
            }
        });
        if (unique.isEmpty()) {
            return message;
        }
        java.util.regex.Matcher m = PROBLEMS.matcher(message);
        String head = m.find() ? m.group() : "";
        String[] parts = message.substring(head.length()).split("; ", -1);
        ConfigNode node = null;
        for (int i = 0; i < parts.length; i++) {
            java.util.regex.Matcher l = LABEL.matcher(parts[i]);
            String label = null;
            String rest = parts[i];
            if (l.find()) {
                label = l.group(1);
                rest = parts[i].substring(l.end());
                node = unique.get(label);
            }
            if (node == null) {
                continue;
            }
            String key = locateKey(node, rest);
            if (label != null) {
                parts[i] = label + ": " + node.where() + (key != null ? key : node.place("type") + ": " + rest);
            } else if (key != null) {
                // a further problem of the same plugin; text that names no key is part of the one before
                parts[i] = node.where() + key;
            }
        }
        return head + String.join("; ", parts);
    }

    /** {@code sink 'http'}, as the builder names a plugin in its messages. */
    private String label(PluginSpec p) {
        String kind = p == source ? "source" : "aggregator";
        for (PluginSpec s : sinks) {
            if (s == p) {
                kind = "sink";
            }
        }
        return kind + " '" + p.type() + "'";
    }

    /** {@code ": key (line L, column C): rest"} when {@code problem} begins with a key of {@code node}, else null. */
    private static String locateKey(ConfigNode node, String problem) {
        List<String> keys = new ArrayList<>(node.keys());
        keys.sort((a, b) -> b.length() - a.length()); // retry_budget before retry
        for (String k : keys) {
            if (problem.startsWith(k + ": ")) {
                return ": " + k + node.place(k) + problem.substring(k.length());
            }
            String unknown = "unknown key '" + k + "'";
            if (problem.startsWith(unknown)) {
                return ": " + unknown + node.place(k) + problem.substring(unknown.length());
            }
        }
        return null;
    }

    /** The command's own settings, by YAML key. */
    /**
     * {@code where} (a {@link Value#where()} of this file) with its key's line and column in the file when known
     * ({@code config a.yaml: flow: idle_timeout (line 3, column 3)}): for messages.
     */
    public String located(String where) {
        return root == null ? where : root.locate(where);
    }

    public Map<String, Value> settings() {
        return settings;
    }

    /** Flow settings by their (kebab-case) names. */
    public Map<String, Value> flow() {
        return flow;
    }

    /** The {@code source:} block, or {@code null}. */
    public PluginSpec source() {
        return source;
    }

    public List<PluginSpec> sinks() {
        return sinks;
    }

    /** The {@code aggregators:} and the engine's tasks. */
    public List<PluginSpec> aggregators() {
        return aggregators;
    }

    /** The alerting of the file ({@code null} when none, or the command does not read it). */
    public AlertConfig alerts() {
        return alerts;
    }

    /** The aggregators alert rules may read: the file's, under their engine task where they have one. */
    public List<AlertConfig.TaskSpec> alertTasks() {
        List<AlertConfig.TaskSpec> out = new ArrayList<>();
        for (PluginSpec p : aggregators) {
            out.add(new AlertConfig.TaskSpec(engineTasks.get(p), p.type(), p.config()));
        }
        return out;
    }

    /** A flow setting's value as the file gives it, or {@code null}. */
    public Value flow(Setting<?> s) {
        return flow.get(s.name());
    }
}
