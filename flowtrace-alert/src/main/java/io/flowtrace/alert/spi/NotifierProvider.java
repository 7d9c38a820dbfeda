package io.flowtrace.alert.spi;

import io.flowtrace.core.spi.PluginConfig;

/**
 * Makes {@link Notifier}s of one type, found through {@link java.util.ServiceLoader} by {@link #type()}
 * ({@code webhook}, {@code nats}, {@code email}, {@code log} built in).
 *
 * @since 0.1
 */
public interface NotifierProvider {

    /** {@return the type name a configuration uses ({@code notifiers: [{type: NAME, ...}]})} */
    String type();

    /**
     * Makes a notifier; unknown or bad settings are refused through {@code config}.
     *
     * @param config the notifier's settings (its block without {@code type})
     * @return the notifier
     * @throws io.flowtrace.core.ConfigurationException naming the setting and what is accepted
     */
    Notifier create(PluginConfig config);
}
