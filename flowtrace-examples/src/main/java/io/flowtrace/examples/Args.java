package io.flowtrace.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: positional arguments and {@code --name value} / {@code --name=value} options, some of
 * them repeatable. Unknown options are rejected with the list of known ones.
 */
final class Args {
    final List<String> positional = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    /**
     * @param argv       the arguments after the command name
     * @param withValue  options that take a value
     * @param flags      options without a value
     * @param repeatable options that may be given more than once
     */
    static Args parse(List<String> argv, Set<String> withValue, Set<String> flags, Set<String> repeatable) {
        Args a = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String s = argv.get(i);
            if (s.startsWith("--") && s.length() > 2) {
                String name = s.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flags.contains(name)) {
                    if (value != null) {
                        throw new UsageException("--" + name + " takes no value");
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                    continue;
                }
                if (!withValue.contains(name)) {
                    List<String> known = new ArrayList<>();
                    withValue.forEach(k -> known.add("--" + k));
                    flags.forEach(k -> known.add("--" + k));
                    known.sort(null);
                    throw new UsageException("unknown option --" + name + " (known: " + String.join(", ", known) + ")");
                }
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                List<String> vs = a.options.computeIfAbsent(name, k -> new ArrayList<>());
                if (!vs.isEmpty() && !repeatable.contains(name)) {
                    throw new UsageException("--" + name + " given twice");
                }
                vs.add(value);
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    String get(String name) {
        List<String> v = options.get(name);
        return v == null ? null : v.get(0);
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    boolean has(String name) {
        return options.containsKey(name);
    }
}
