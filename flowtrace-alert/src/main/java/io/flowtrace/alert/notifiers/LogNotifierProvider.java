package io.flowtrace.alert.notifiers;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.spi.PluginConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The {@code log} notifier: each alert as its JSON line ({@link Alert#toJson()}) at WARN (fired) or INFO (resolved)
 * on the logger {@code io.flowtrace.alert}, or the one named by {@code logger}. What the alerter uses when no
 * notifier is configured.
 *
 * @since 0.1
 */
public final class LogNotifierProvider implements NotifierProvider {
    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public LogNotifierProvider() {
    }

    @Override
    public String type() {
        return "log";
    }

    @Override
    public Notifier create(PluginConfig config) {
        String name = config.getString("logger", "io.flowtrace.alert");
        config.validate();
        Logger log = LoggerFactory.getLogger(name);
        return new Notifier() {
            @Override
            public String describe() {
                return "log " + name;
            }

            @Override
            public void deliver(List<Alert> alerts) {
                for (Alert a : alerts) {
                    if (a.state() == Alert.State.FIRED) {
                        log.warn(a.toJson());
                    } else {
                        log.info(a.toJson());
                    }
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
