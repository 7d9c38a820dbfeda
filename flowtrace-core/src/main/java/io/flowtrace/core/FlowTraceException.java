package io.flowtrace.core;

/**
 * Base type of every exception flowtrace throws. Unchecked: callers embedding the library decide where to
 * handle failures; messages follow the form <em>what: actual (expected: ...)</em> and name the plugin, file or
 * offset involved.
 *
 * @since 0.1
 */
public class FlowTraceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message of the form <em>what: actual (expected: ...)</em>.
     *
     * @param message the message
     */
    public FlowTraceException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the exception that caused it.
     *
     * @param message the message
     * @param cause what was thrown
     */
    public FlowTraceException(String message, Throwable cause) {
        super(message, cause);
    }
}
