package io.flowtrace.alert.ai;

/**
 * A model could not answer: refused ({@link #status()} 401, 429, 5xx...), unreachable, too slow, or it answered
 * with nothing usable. The message says which, without the API key. A streamed answer cut off before its end keeps
 * the text that arrived in {@link #partialText()}.
 *
 * @since 0.1
 */
public class ChatException extends Exception {
    private static final long serialVersionUID = 1L;
    /** The HTTP status of the last answer, or 0. */
    private final int status;
    /** The text streamed before the failure. */
    private final String partialText;

    /**
     * An exception.
     *
     * @param message     what went wrong, where
     * @param status      the HTTP status of the last answer, or 0 when there was none
     * @param partialText the text that arrived before it went wrong (empty when none)
     * @param cause       the cause, or {@code null}
     */
    public ChatException(String message, int status, String partialText, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.partialText = partialText == null ? "" : partialText;
    }

    /** {@return the HTTP status of the last answer, or 0 when none came (unreachable, timed out)} */
    public int status() {
        return status;
    }

    /** {@return the text streamed before the failure; empty when none} */
    public String partialText() {
        return partialText;
    }
}
