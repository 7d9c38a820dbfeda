package io.flowtrace.examples.config;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.settings.Names;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mapping of a configuration file, with its key path for messages ({@code config a.yaml: flow}) and where in the
 * file each key is ({@code (line 3, column 3)}). Immutable.
 */
public final class ConfigNode {
    private final String where;
    private final Map<String, Object> map;
    /** By key path ({@code config a.yaml: flow: idle_timeout}): the key's line and column in the file. */
    private final Map<String, String> locations;

    ConfigNode(String where, Map<String, Object> map, Map<String, String> locations) {
        this.where = where;
        this.map = Collections.unmodifiableMap(map);
        this.locations = locations;
    }

    /** The key path of {@code key}, without its place in the file: the prefix of the paths below it. */
    private String path(String key) {
        return where + ": " + key;
    }

    /** {@code " (line L, column C)"} of a key path, or nothing when it is not known. */
    private String at(String path) {
        String l = locations.get(path);
        return l == null ? "" : " (" + l + ")";
    }

    /** Where this mapping is: {@code config FILE}, {@code config FILE: aggregator: sketch}. */
    public String where() {
        return where;
    }

    /** Where a key of it is: its key path. */
    public String where(String key) {
        return path(key);
    }

    /** {@link #where(String)} and the key's line and column in the file when known: for messages. */
    public String located(String key) {
        return path(key) + at(path(key));
    }

    /**
     * {@return {@code " (line L, column C)"} of a key of this mapping, or nothing when it is not known}
     *
     * @param key the key
     */
    public String place(String key) {
        return at(path(key));
    }

    /** {@code where}, a key path of this file, with the key's line and column when known: for messages. */
    String locate(String where) {
        return where + at(where);
    }

    public Set<String> keys() {
        return map.keySet();
    }

    public boolean has(String key) {
        return map.containsKey(key);
    }

    /** The mapping as parsed, placeholders replaced (maps, lists, text, numbers, booleans). */
    public Map<String, Object> plain() {
        return map;
    }

    /**
     * A single value as text ({@code ""} for an empty one).
     *
     * @throws ConfigurationException when it is a mapping or a list
     */
    public String text(String key) {
        Object v = map.get(key);
        if (v instanceof Map || v instanceof List) {
            throw new ConfigurationException(located(key) + ": expected a single value");
        }
        return v == null ? "" : String.valueOf(v);
    }

    /**
     * A single value as text, or a list of single values joined by commas ({@code [gre, vxlan]} reads as
     * {@code gre,vxlan}), for settings that take a comma list.
     *
     * @throws ConfigurationException when it is a mapping or a list holding one
     */
    public String textOrList(String key) {
        if (!(map.get(key) instanceof List<?> list)) {
            return text(key);
        }
        List<String> parts = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map || o instanceof List) {
                throw new ConfigurationException(located(key) + ": expected a single value or a list of them");
            }
            parts.add(o == null ? "" : String.valueOf(o));
        }
        return String.join(",", parts);
    }

    /** Every entry, each a single value. */
    public Map<String, String> texts() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : map.keySet()) {
            out.put(k, text(k));
        }
        return out;
    }

    /** A mapping under {@code key}. */
    @SuppressWarnings("unchecked")
    public ConfigNode node(String key) {
        Object v = map.get(key);
        if (!(v instanceof Map)) {
            throw new ConfigurationException(located(key) + ": expected a mapping of key: value");
        }
        return new ConfigNode(path(key), (Map<String, Object>) v, locations);
    }

    /** A list of mappings under {@code key}; {@code shape} says what one looks like. */
    @SuppressWarnings("unchecked")
    public List<ConfigNode> nodes(String key, String shape) {
        if (!(map.get(key) instanceof List<?> list)) {
            throw new ConfigurationException(located(key) + " (expected: a list of " + shape + ")");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map)) {
                throw new ConfigurationException(where(key) + "[" + i + "]: expected a mapping of key: value");
            }
            out.add(new ConfigNode(path(key) + "[" + i + "]", (Map<String, Object>) list.get(i), locations));
        }
        return out;
    }

    /** An unknown key, with the nearest accepted one and the list. */
    public ConfigurationException unknown(String key, Collection<String> accepted) {
        List<String> sorted = new ArrayList<>(accepted);
        Collections.sort(sorted);
        return new ConfigurationException(where + ": unknown key '" + key + "'" + at(path(key))
                + Names.didYouMean(key, accepted, "")
                + " (known: " + String.join(", ", sorted) + ")");
    }
}
