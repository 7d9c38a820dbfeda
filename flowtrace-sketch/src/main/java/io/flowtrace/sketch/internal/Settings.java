package io.flowtrace.sketch.internal;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.KeyFields;

/** Typed reads of the settings the providers share, recording problems in the {@link PluginConfig}. */
public final class Settings {
    private Settings() {
    }

    public static String name(PluginConfig c) {
        String n = c.requireString("name");
        return n == null ? "?" : n;
    }

    /** Key fields from {@code key}; {@code null} (with an error recorded when required) if missing or bad. */
    public static KeyFields fields(PluginConfig c, String setting, boolean required) {
        String text = required ? c.requireString(setting) : c.getString(setting, null);
        if (text == null) {
            return null;
        }
        try {
            return KeyFields.parse(text);
        } catch (IllegalArgumentException e) {
            c.error(setting + ": " + e.getMessage());
            return null;
        }
    }

    public static Metric metric(PluginConfig c, String defaultValue) {
        String text = c.getString("metric", defaultValue);
        if (text == null) {
            return null;
        }
        try {
            return Metric.parse(text);
        } catch (IllegalArgumentException e) {
            c.error(e.getMessage());
            return null;
        }
    }

    /** The {@code seed} setting, used as given; without it this process's secret seed ({@link Seeds}). */
    public static long seed(PluginConfig c) {
        return c.getLong("seed", Seeds.process(), Long.MIN_VALUE, Long.MAX_VALUE);
    }
}
