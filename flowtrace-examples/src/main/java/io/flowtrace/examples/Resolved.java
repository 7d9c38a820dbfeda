package io.flowtrace.examples;

import io.flowtrace.core.settings.Setting;
import io.flowtrace.examples.config.RunConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A command's own settings resolved, each with where its value came from: a flag wins over an environment variable
 * (an empty one counts as unset), which wins over the configuration file, which wins over the default. Immutable.
 */
final class Resolved {
    private final Map<Setting<?>, Object> values = new HashMap<>();
    private final Map<Setting<?>, String> origins = new HashMap<>();

    private Resolved() {
    }

    /** @throws UsageException naming the flag, variable or key path of a bad value */
    static Resolved of(List<Setting<?>> settings, CommandLine cli, UnaryOperator<String> env, RunConfig file) {
        Resolved r = new Resolved();
        for (Setting<?> s : settings) {
            r.resolve(s, cli, env, file);
        }
        return r;
    }

    private <T> void resolve(Setting<T> s, CommandLine cli, UnaryOperator<String> env, RunConfig file) {
        String text = null;
        String origin = "default";
        RunConfig.Value v = file.settings().get(s.yamlKey());
        if (v != null) {
            text = v.text();
            origin = file.located(v.where());
        }
        String e = s.env() == null ? null : env.apply(s.env());
        if (e != null && !e.isEmpty()) {
            text = e;
            origin = s.env();
        }
        if (cli.has(s)) {
            text = cli.text(s);
            origin = "--" + s.name();
        }
        values.put(s, text == null ? s.defaultValue() : CommandLine.parse(s, origin, text.trim()));
        origins.put(s, origin);
    }

    @SuppressWarnings("unchecked")
    <T> T get(Setting<T> s) {
        return (T) values.get(s);
    }

    /** {@code --name}, the variable, {@code config FILE: key} or {@code default}. */
    String origin(Setting<?> s) {
        return origins.get(s);
    }

    boolean isDefault(Setting<?> s) {
        return origins.get(s).equals("default");
    }
}
