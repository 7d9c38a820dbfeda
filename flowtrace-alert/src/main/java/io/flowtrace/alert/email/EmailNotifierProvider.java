package io.flowtrace.alert.email;

import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.spi.PluginConfig;

/**
 * The {@code email} notifier type: the analysis engine's {@code smtp} block ({@code host, port, username, password,
 * from, to}) plus flowtrace's {@code tls}, timeouts, retries and {@code subject}. See {@link EmailSettings} for the
 * keys. Thread-safe; the constructor does no I/O.
 *
 * @since 0.1
 */
public final class EmailNotifierProvider implements NotifierProvider {

    /** A provider, for {@link java.util.ServiceLoader}. */
    public EmailNotifierProvider() {
    }

    @Override
    public String type() {
        return "email";
    }

    @Override
    public Notifier create(PluginConfig config) {
        return new EmailNotifier(EmailSettings.read(config));
    }
}
