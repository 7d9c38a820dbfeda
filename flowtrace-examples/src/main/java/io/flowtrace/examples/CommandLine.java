package io.flowtrace.examples;

import io.flowtrace.core.settings.Names;
import io.flowtrace.core.settings.Setting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command line parsed by the command's settings: positional arguments and {@code --name value} /
 * {@code --name=value} options, flags without a value, repeatable options. An unknown option is refused with the
 * nearest known one, or the list of them. Immutable once parsed.
 */
final class CommandLine {
    final List<String> positional = new ArrayList<>();
    private final Map<Setting<?>, List<String>> given = new LinkedHashMap<>();

    private CommandLine() {
    }

    /**
     * @throws UsageException for an unknown option, a missing or surplus value, or a second value of an option that
     *                        is not repeatable
     */
    static CommandLine parse(List<Setting<?>> options, List<String> argv) {
        Map<String, Setting<?>> byName = new LinkedHashMap<>();
        for (Setting<?> s : options) {
            if (s.inCommandLine()) {
                byName.put(s.name(), s);
            }
        }
        CommandLine c = new CommandLine();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                c.positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            Setting<?> s = byName.get(name);
            if (s == null) {
                String near = Names.closest(name, byName.keySet());
                throw new UsageException("unknown option --" + name + (near != null ? " (did you mean --" + near + "?)"
                        : " (known: --" + String.join(", --", byName.keySet()) + ")"));
            }
            String value;
            if (s.isFlag()) {
                if (eq >= 0) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "on";
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < argv.size()) {
                value = argv.get(++i);
            } else {
                throw new UsageException("--" + name + " needs a value (" + s.label() + ")");
            }
            List<String> values = c.given.get(s);
            if (values == null) {
                values = new ArrayList<>();
                c.given.put(s, values);
            } else if (!s.repeatable()) {
                throw new UsageException("--" + name + " given twice");
            }
            values.add(value);
        }
        return c;
    }

    boolean has(Setting<?> s) {
        return given.containsKey(s);
    }

    /** The text given for {@code s}, or {@code null}. */
    String text(Setting<?> s) {
        List<String> v = given.get(s);
        return v == null ? null : v.get(0);
    }

    /** Every text given for a repeatable {@code s}, in order. */
    List<String> all(Setting<?> s) {
        return given.getOrDefault(s, List.of());
    }

    /**
     * The value given for {@code s}, parsed and checked, or its default when it was not given.
     *
     * @throws UsageException {@code --name: 'text' (expected: ...)}
     */
    <T> T value(Setting<T> s) {
        String text = text(s);
        return text == null ? s.defaultValue() : parse(s, "--" + s.name(), text);
    }

    /** Parses {@code text} for {@code s}; a bad value is a usage error naming {@code origin}. */
    static <T> T parse(Setting<T> s, String origin, String text) {
        try {
            return s.parse(origin, text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
