package io.flowtrace.sketch;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.countmin.CountMinAggregatorProvider;
import io.flowtrace.sketch.exact.ExactAggregatorProvider;
import io.flowtrace.sketch.hll.HllAggregatorProvider;
import io.flowtrace.sketch.superspread.SuperSpreadAggregatorProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads analytics tasks written in the traffic-analysis engine's configuration shape (already parsed from YAML into
 * maps and lists) and turns them into this module's aggregator settings.
 *
 * <pre>
 * aggregator:
 *   exact:
 *     tasks:
 *       - { name: per_five_tuple, key_fields: [SrcIP, DstIP, SrcPort, DstPort, Protocol] }
 *   sketch:
 *     tasks:
 *       - { name: hh, skt_type: 0, flow_fields: [SrcIP], width: 8192, depth: 4, count_thereshold: 1000 }
 *       - { name: ss, skt_type: 1, flow_fields: [SrcIP], element_fields: [DstIP], width: 2048, depth: 4,
 *           count_thereshold: 500, m: 128, size: 5, b: 1.08 }
 * </pre>
 *
 * <ul>
 *   <li>Exact tasks: {@code name}, {@code key_fields} (engine or flowtrace spellings; {@code num_shards} is
 *   accepted and ignored: flowtrace shards by worker). Their rows carry each key's packets, bytes, flows, first
 *   and last seen ({@code lifecycle}, on unless set off), as the engine's exact task keeps them.</li>
 *   <li>{@code skt_type: 0} becomes {@code count-min} with {@code width}/{@code depth};
 *   {@code count_thereshold} (or {@code count_threshold}) is the packet threshold and {@code size_thereshold}
 *   (or {@code size_threshold}) the byte threshold. The engine ranks by both at once; flowtrace ranks one metric
 *   per task, so when both thresholds are given the task becomes two: {@code NAME} by packets and
 *   {@code NAME_bytes} by bytes, both of the one engine task {@code NAME} ({@link Task#engineTask()}).</li>
 *   <li>{@code skt_type: 1} becomes {@code super-spread}: {@code flow_fields} the key, {@code element_fields} the
 *   element, {@code width}, {@code depth}, {@code m}, {@code size} (register bits), {@code b}; the count
 *   threshold (or, if only that is given, the size threshold) is the spread threshold. The engine's {@code base}
 *   must be 0.5, the only sampler base implemented.</li>
 * </ul>
 * flowtrace settings ({@code metric}, {@code limit}, {@code memory}, {@code seed}, ...) may be added to any task
 * and are passed through. Unknown keys are refused, naming the known ones. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class EngineTasks {
    private static final Set<String> EXACT_KEYS = Set.of("name", "key_fields", "num_shards", "metric", "limit",
            "capacity", "key", "max-keys", "max-pairs", "lifecycle");
    /** The engine's heavy-hitter {@code Type} codes: by packets, by bytes, by spread; {@link #EXACT} for exact tasks. */
    public static final int PACKETS = 0;
    /** Heavy hitters by bytes. */
    public static final int BYTES = 1;
    /** Super-spreaders by spread. */
    public static final int SPREAD = 2;
    /** Not a heavy-hitter task: the engine's {@code flow_metrics} rows. */
    public static final int EXACT = -1;
    private static final Set<String> SKETCH_KEYS = Set.of("name", "skt_type", "flow_fields", "element_fields",
            "width", "depth", "size_thereshold", "size_threshold", "count_thereshold", "count_threshold", "m", "size",
            "base", "b", "metric", "limit", "memory", "seed", "candidates", "conservative", "epsilon", "delta");

    private EngineTasks() {
    }

    /**
     * One task's aggregator type and its settings, ready for {@link PluginConfig}.
     *
     * @param type       provider name: {@code exact}, {@code count-min} or {@code super-spread}
     * @param settings   the provider's settings, including {@code name}
     * @param engineTask the engine's task this aggregator answers for: a Count-Min task with both thresholds is
     *                   two aggregators ({@code NAME} by packets, {@code NAME_bytes} by bytes) of one engine task
     * @param code       the engine's heavy-hitter {@code Type} of its rows ({@link #PACKETS}, {@link #BYTES},
     *                   {@link #SPREAD}), or {@link #EXACT}
     */
    public record Task(String type, Map<String, String> settings, String engineTask, int code) {
        /**
         * Copies {@code settings}, keeping their order.
         *
         * @param type       provider name: {@code exact}, {@code count-min} or {@code super-spread}
         * @param settings   the provider's settings, including {@code name}
         * @param engineTask the engine's task this aggregator answers for
         * @param code       the engine's heavy-hitter {@code Type} of its rows, or {@link #EXACT}
         */
        public Task {
            Objects.requireNonNull(type, "type");
            settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
            if (engineTask == null) {
                engineTask = settings.get("name");
            }
        }

        /**
         * A task that is its own engine task, its code from its type and metric.
         *
         * @param type     provider name: {@code exact}, {@code count-min} or {@code super-spread}
         * @param settings the provider's settings, including {@code name}
         */
        public Task(String type, Map<String, String> settings) {
            this(type, settings, null, codeOf(type, settings.get("metric")));
        }

        /** {@return the task name} */
        public String name() {
            return settings.get("name");
        }

        /**
         * Creates the aggregator with this module's provider.
         *
         * @return a new aggregator
         */
        public Aggregator create() {
            AggregatorProvider p;
            switch (type) {
                case "exact": p = new ExactAggregatorProvider(); break;
                case "count-min": p = new CountMinAggregatorProvider(); break;
                case "super-spread": p = new SuperSpreadAggregatorProvider(); break;
                default: p = new HllAggregatorProvider(); break;
            }
            return p.create(new PluginConfig("aggregator '" + type + "' task '" + name() + "'", settings));
        }
    }

    /**
     * Every task of an engine configuration: the root map (with an {@code aggregator} entry) or the
     * {@code aggregator} map itself, reading {@code exact.tasks} and {@code sketch.tasks}.
     *
     * @param config the engine configuration, as YAML maps and lists
     * @return every task, in configuration order
     * @throws ConfigurationException naming the task and the problem
     */
    public static List<Task> fromConfig(Map<String, ?> config) {
        Map<String, ?> agg = config.containsKey("aggregator") ? map(config.get("aggregator"), "aggregator") : config;
        List<Task> out = new ArrayList<>();
        if (agg.get("exact") != null) {
            for (Object t : list(map(agg.get("exact"), "exact").get("tasks"), "exact.tasks")) {
                out.add(exactTask(map(t, "exact task")));
            }
        }
        if (agg.get("sketch") != null) {
            for (Object t : list(map(agg.get("sketch"), "sketch").get("tasks"), "sketch.tasks")) {
                out.addAll(sketchTask(map(t, "sketch task")));
            }
        }
        return out;
    }

    /**
     * {@return an engine exact task: {@code name}, {@code key_fields}}
     *
     * @param task the task's map in the engine configuration
     */
    public static Task exactTask(Map<String, ?> task) {
        String name = text(task, "name", true, "exact task");
        String where = "exact task '" + name + "'";
        checkKeys(task, EXACT_KEYS, where);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("name", name);
        Object fields = task.containsKey("key_fields") ? task.get("key_fields") : task.get("key");
        s.put("key", fields(fields, "key_fields", where));
        passThrough(task, s, "metric", "limit", "capacity", "max-keys", "max-pairs");
        // the engine's exact task keeps each key's packets, bytes, first and last seen
        s.put("lifecycle", task.containsKey("lifecycle") ? String.valueOf(task.get("lifecycle")) : "true");
        return new Task("exact", s);
    }

    /**
     * {@return an engine sketch task ({@code skt_type} 0 or 1); two tasks when a count-min has both thresholds}
     *
     * @param task the task's map in the engine configuration
     */
    public static List<Task> sketchTask(Map<String, ?> task) {
        String name = text(task, "name", true, "sketch task");
        String where = "sketch task '" + name + "'";
        checkKeys(task, SKETCH_KEYS, where);
        String type = text(task, "skt_type", true, where);
        String count = first(task, "count_thereshold", "count_threshold", where);
        String size = first(task, "size_thereshold", "size_threshold", where);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("name", name);
        s.put("key", fields(task.get("flow_fields"), "flow_fields", where));
        passThrough(task, s, "width", "depth", "limit", "memory", "seed");
        switch (type) {
            case "0": {
                if (task.containsKey("element_fields")) {
                    throw new ConfigurationException(where + ": element_fields: not used by skt_type 0 (count-min)");
                }
                passThrough(task, s, "candidates", "conservative", "epsilon", "delta");
                List<Task> out = new ArrayList<>();
                if (task.containsKey("metric")) {
                    passThrough(task, s, "metric");
                    String threshold = "bytes".equals(s.get("metric")) ? size : count;
                    if (threshold != null) {
                        s.put("threshold", threshold);
                    }
                    out.add(new Task("count-min", s));
                    return out;
                }
                if (count != null || size == null) {
                    Map<String, String> p = new LinkedHashMap<>(s);
                    p.put("metric", "packets");
                    if (count != null) {
                        p.put("threshold", count);
                    }
                    out.add(new Task("count-min", p));
                }
                if (size != null) {
                    Map<String, String> b = new LinkedHashMap<>(s);
                    if (count != null) {
                        b.put("name", name + "_bytes");
                    }
                    b.put("metric", "bytes");
                    b.put("threshold", size);
                    out.add(new Task("count-min", b, name, BYTES));
                }
                return out;
            }
            case "1": {
                s.put("element", fields(task.get("element_fields"), "element_fields", where));
                passThrough(task, s, "m", "b");
                if (task.containsKey("size")) {
                    s.put("bits", String.valueOf(task.get("size")));
                }
                Object base = task.get("base");
                if (base != null && Double.parseDouble(String.valueOf(base)) != 0.5
                        && Double.parseDouble(String.valueOf(base)) != 0) {
                    throw new ConfigurationException(where + ": base: " + base + " (expected: 0.5)");
                }
                String threshold = count != null ? count : size;
                if (threshold != null) {
                    s.put("threshold", threshold);
                }
                if (task.containsKey("metric")) {
                    passThrough(task, s, "metric");
                }
                return List.of(new Task("super-spread", s));
            }
            default:
                throw new ConfigurationException(where + ": skt_type: " + type
                        + " (expected: 0 for count-min or 1 for super-spread)");
        }
    }

    private static int codeOf(String type, String metric) {
        if (type.equals("exact")) {
            return EXACT;
        }
        if (type.equals("super-spread") || (metric != null && metric.startsWith("spread"))) {
            return SPREAD;
        }
        return "bytes".equals(metric) ? BYTES : PACKETS;
    }

    private static String first(Map<String, ?> task, String misspelled, String correct, String where) {
        if (task.containsKey(misspelled) && task.containsKey(correct)) {
            throw new ConfigurationException(where + ": both " + misspelled + " and " + correct + " given");
        }
        Object v = task.containsKey(misspelled) ? task.get(misspelled) : task.get(correct);
        return v == null ? null : String.valueOf(v);
    }

    private static void checkKeys(Map<String, ?> task, Set<String> known, String where) {
        Set<String> unknown = new TreeSet<>(task.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new ConfigurationException(where + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + unknown + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }

    private static void passThrough(Map<String, ?> task, Map<String, String> s, String... keys) {
        for (String k : keys) {
            Object v = task.get(k);
            if (v != null) {
                s.put(k, String.valueOf(v));
            }
        }
    }

    private static String text(Map<String, ?> task, String key, boolean required, String where) {
        Object v = task.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            if (required) {
                throw new ConfigurationException(where + ": " + key + ": missing (required)");
            }
            return null;
        }
        return String.valueOf(v).trim();
    }

    private static String fields(Object v, String key, String where) {
        if (v == null) {
            throw new ConfigurationException(where + ": " + key + ": missing (required)");
        }
        try {
            if (v instanceof List) {
                List<String> names = new ArrayList<>();
                for (Object o : (List<?>) v) {
                    names.add(String.valueOf(o));
                }
                return KeyFields.of(names).toString();
            }
            return KeyFields.parse(String.valueOf(v)).toString();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where + ": " + key + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> map(Object v, String what) {
        if (!(v instanceof Map)) {
            throw new ConfigurationException(what + ": expected a mapping, got "
                    + (v == null ? "nothing" : v.getClass().getSimpleName()));
        }
        return (Map<String, ?>) v;
    }

    private static List<?> list(Object v, String what) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new ConfigurationException(what + ": expected a list, got " + v.getClass().getSimpleName());
        }
        return (List<?>) v;
    }
}
