package io.flowtrace.alert.spi;

import io.flowtrace.core.spi.PluginConfig;

/**
 * Makes {@link AlertAnalyzer}s of one type, found through {@link java.util.ServiceLoader} by {@link #type()}
 * ({@code openai}: an OpenAI-compatible chat-completions model, built in).
 *
 * @since 0.1
 */
public interface AlertAnalyzerProvider {

    /** {@return the type name a configuration uses} */
    String type();

    /**
     * Makes an analyzer; unknown or bad settings are refused through {@code config}.
     *
     * @param config the analyzer's settings
     * @return the analyzer
     * @throws io.flowtrace.core.ConfigurationException naming the setting and what is accepted
     */
    AlertAnalyzer create(PluginConfig config);
}
