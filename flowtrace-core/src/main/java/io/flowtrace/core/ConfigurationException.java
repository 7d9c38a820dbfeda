package io.flowtrace.core;

/**
 * A setting, option or plugin configuration is invalid. The message lists every problem found at once.
 *
 * @since 0.1
 */
public class ConfigurationException extends FlowTraceException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
