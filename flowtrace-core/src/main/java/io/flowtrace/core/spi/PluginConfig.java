package io.flowtrace.core.spi;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plugin's settings, the same whether they came from the builder, a YAML or properties file, environment
 * variables or the command line ({@code --sink http:url=...,batch=500}). Values may be text or typed: numbers,
 * booleans, {@link Duration}s and lists (of text or numbers) are taken as they are, text is parsed. A provider
 * reads every key it knows through the typed getters, which record problems instead of throwing, then calls
 * {@link #validate()}: one {@link ConfigurationException} lists every bad value and every unknown key, with the
 * keys that are known. The builder calls {@link #validate()} again after {@code create()}, so a key no getter
 * asked for is refused even when a provider forgets to validate. Not thread-safe; used once, on the thread that
 * builds the meter.
 *
 * @since 0.1
 */
public final class PluginConfig {
    private final String plugin;
    private final Map<String, Object> raw;
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();
    private final List<String> errors = new ArrayList<>();

    /**
     * @param plugin what is being configured, for messages: {@code sink 'http'}
     * @param values the settings; keys are case-sensitive; values are text, numbers, booleans, durations or lists
     * @throws ConfigurationException when a value is of a type no getter reads (a map, say), or null
     */
    public PluginConfig(String plugin, Map<String, ?> values) {
        this.plugin = plugin;
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, String> t = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof Duration
                    || v instanceof List)) {
                throw new ConfigurationException(plugin + ": " + e.getKey() + ": "
                        + (v == null ? "null" : "a " + v.getClass().getSimpleName())
                        + " (expected: text, a number, a boolean, a duration or a list)");
            }
            r.put(e.getKey(), v);
            t.put(e.getKey(), text(v));
        }
        this.raw = Collections.unmodifiableMap(r);
        this.values = Collections.unmodifiableMap(t);
    }

    /** The text form of a value: a duration as {@code 30s}, a list joined with commas. */
    private static String text(Object v) {
        if (v instanceof Duration) {
            return Durations.format((Duration) v);
        }
        if (v instanceof List) {
            List<String> parts = new ArrayList<>();
            for (Object o : (List<?>) v) {
                parts.add(String.valueOf(o));
            }
            return String.join(",", parts);
        }
        return String.valueOf(v);
    }

    /**
     * Parses {@code key=value,key=value} (the command-line form). A value may not contain a comma.
     *
     * @param text the pairs; null or blank for none
     * @return the settings in the order given
     */
    public static Map<String, String> parsePairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        String previous = null;
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                // the piece is not echoed: after a comma inside a value it may be part of a password
                throw new ConfigurationException("a setting " + (previous == null ? "" : "after '" + previous
                        + "' ") + "without a key (expected: key=value,key=value; a value may not contain a comma)");
            }
            previous = part.substring(0, eq).trim();
            out.put(previous, part.substring(eq + 1).trim());
        }
        return out;
    }

    /** {@return what is being configured, e.g. {@code sink 'http'}} */
    public String plugin() {
        return plugin;
    }

    /** {@return every setting in its text form (a duration as {@code 30s}, a list joined with commas)} */
    public Map<String, String> values() {
        return values;
    }

    /** {@return every setting as given, typed values kept} */
    public Map<String, Object> rawValues() {
        return raw;
    }

    /**
     * A list of text: a list value as it is, or text split at commas. Empty when missing and no default is given.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives; may be null
     * @return the list
     */
    public List<String> getList(String key, List<String> defaultValue) {
        known.add(key);
        Object v = raw.get(key);
        if (v == null) {
            return defaultValue;
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List) {
            for (Object o : (List<?>) v) {
                out.add(String.valueOf(o).trim());
            }
        } else {
            for (String part : text(v).split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Marks keys as known without reading them (for pass-through settings).
     *
     * @param keys the settings' names
     */
    public void allow(String... keys) {
        Collections.addAll(known, keys);
    }

    /**
     * Whether a setting was given; marks the key as known.
     *
     * @param key the setting's name
     * @return whether it was given
     */
    public boolean has(String key) {
        known.add(key);
        return values.containsKey(key);
    }

    /**
     * A required string; records an error and returns {@code null} when missing.
     *
     * @param key the setting's name
     * @return the value, or {@code null}
     */
    public String requireString(String key) {
        known.add(key);
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            errors.add(key + ": missing (required)");
            return null;
        }
        return v;
    }

    /**
     * A text setting.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @return the value
     */
    public String getString(String key, String defaultValue) {
        known.add(key);
        String v = values.get(key);
        return v == null ? defaultValue : v;
    }

    /**
     * One of {@code allowed} (case-insensitive, returned lowercase).
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @param allowed the values allowed
     * @return the value, in lowercase
     */
    public String getChoice(String key, String defaultValue, String... allowed) {
        return read(key, defaultValue, (typed, v) -> {
            String lower = v.toLowerCase(Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(lower)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("'" + v + "' (expected: one of " + String.join(", ", allowed) + ")");
        });
    }

    /**
     * A whole number within {@code min..max} ({@code _} allowed between digits).
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
    public long getLong(String key, long defaultValue, long min, long max) {
        return read(key, defaultValue, (typed, v) -> {
            long n;
            if (typed instanceof Number && !(typed instanceof Double || typed instanceof Float)) {
                n = ((Number) typed).longValue();
            } else {
                try {
                    n = Long.parseLong(v.trim().replace("_", ""));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + v + "' (expected: a whole number " + min + ".." + max
                            + ")");
                }
            }
            return inRange(n, n >= min && n <= max, String.valueOf(n), min + ".." + max);
        });
    }

    /**
     * A whole number within {@code min..max}.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
    public int getInt(String key, int defaultValue, int min, int max) {
        return (int) getLong(key, defaultValue, min, max);
    }

    /**
     * A number within {@code min..max}.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
    public double getDouble(String key, double defaultValue, double min, double max) {
        return read(key, defaultValue, (typed, v) -> {
            double n;
            try {
                n = Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + v + "' (expected: a number " + min + ".." + max + ")");
            }
            return inRange(n, n >= min && n <= max, v, min + ".." + max);
        });
    }

    /**
     * A boolean: {@code true/false}, {@code on/off}, {@code yes/no}, {@code 1/0}.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @return the value
     */
    public boolean getBoolean(String key, boolean defaultValue) {
        return read(key, defaultValue, (typed, v) -> {
            if (typed instanceof Boolean) {
                return (Boolean) typed;
            }
            switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true": case "on": case "yes": case "1": return true;
                case "false": case "off": case "no": case "0": return false;
                default: throw new IllegalArgumentException("'" + v + "' (expected: on or off)");
            }
        });
    }

    /**
     * A duration such as {@code 500ms}, {@code 30s}, {@code 5m}; {@code 0} is allowed.
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @return the value
     */
    public Duration getDuration(String key, Duration defaultValue) {
        return read(key, defaultValue, (typed, v) -> {
            if (!(typed instanceof Duration)) {
                return Durations.parse(v);
            }
            Duration d = (Duration) typed;
            return inRange(d, !d.isNegative(), d.toString(), ">= 0");
        });
    }

    /**
     * A size such as {@code 4096}, {@code 256KiB}, {@code 1MiB}, {@code 1GiB} (also KB/MB/GB as powers of 1000).
     *
     * @param key the setting's name
     * @param defaultValue what a missing key gives
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value in bytes
     */
    public long getSize(String key, long defaultValue, long min, long max) {
        return read(key, defaultValue, (typed, v) -> {
            long n = Sizes.parse(v);
            return inRange(n, n >= min && n <= max, v, min + ".." + max + " bytes");
        });
    }

    /** How a getter reads a value it was given: {@code typed} as given (a number, say), {@code text} its text form. */
    private interface Reader<T> {
        /** @throws IllegalArgumentException saying what is wrong with the value and what is expected */
        T read(Object typed, String text);
    }

    /** Reads a key the provider knows; a bad value is recorded (the default is returned) for {@link #validate()}. */
    private <T> T read(String key, T defaultValue, Reader<T> reader) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return reader.read(raw.get(key), v);
        } catch (IllegalArgumentException e) {
            errors.add(key + ": " + e.getMessage());
            return defaultValue;
        }
    }

    private static <T> T inRange(T value, boolean inRange, String shown, String expected) {
        if (!inRange) {
            throw new IllegalArgumentException(shown + " (expected: " + expected + ")");
        }
        return value;
    }

    /**
     * Records a problem found by the provider itself (a rule between two keys, say).
     *
     * @param message what is wrong, naming the keys involved
     */
    public void error(String message) {
        errors.add(message);
    }

    /**
     * Throws one exception naming every problem recorded so far and every key no getter asked for.
     *
     * @throws ConfigurationException when anything is wrong
     */
    public void validate() {
        List<String> all = new ArrayList<>(errors);
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        for (String k : unknown) {
            all.add("unknown key '" + k + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
        if (!all.isEmpty()) {
            throw new ConfigurationException(plugin + ": " + String.join("; ", all));
        }
    }
}
