package io.flowtrace.alert.spi;

/**
 * A notifier could not deliver: its message says where and why, with no secret in it.
 *
 * @since 0.1
 */
public class NotifierException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message where and why
     */
    public NotifierException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message where and why
     * @param cause   the cause
     */
    public NotifierException(String message, Throwable cause) {
        super(message, cause);
    }
}
