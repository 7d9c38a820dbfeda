package io.flowtrace.core;

/**
 * A setting, option or plugin configuration is invalid. The message lists every problem found at once.
 *
 * @since 0.1
 */
public class ConfigurationException extends FlowTraceException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message of the form <em>what: actual (expected: ...)</em>.
     *
     * @param message the message
     */
    public ConfigurationException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the exception that caused it.
     *
     * @param message the message
     * @param cause what was thrown
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
