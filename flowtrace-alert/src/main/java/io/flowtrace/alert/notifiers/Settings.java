package io.flowtrace.alert.notifiers;

import io.flowtrace.core.spi.PluginConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** Settings spelled as YAML spells them ({@code retry_budget}) or as plugin options do ({@code retry-budget}). */
final class Settings {
    private Settings() {
    }

    /** {@code config} with {@code _} in its keys read as {@code -} (header names are kept as written). */
    static PluginConfig kebab(PluginConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : config.rawValues().entrySet()) {
            String k = e.getKey();
            out.put(k.startsWith("header.") ? k : k.replace('_', '-'), e.getValue());
        }
        return new PluginConfig(config.plugin(), out);
    }
}
