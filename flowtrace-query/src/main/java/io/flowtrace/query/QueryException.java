package io.flowtrace.query;

/**
 * A question the query API cannot answer as asked: {@link #status()} 400 (the request is wrong: what is wrong is the
 * message) or 404 (no such task or key).
 *
 * @since 0.1
 */
public final class QueryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The request is wrong. */
    public static final int BAD_REQUEST = 400;
    /** No such task (or key). */
    public static final int NOT_FOUND = 404;
    private final int status;

    /**
     * @param status  {@link #BAD_REQUEST} or {@link #NOT_FOUND}
     * @param message what is wrong
     */
    public QueryException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** {@return the HTTP status that says what kind of problem this is} */
    public int status() {
        return status;
    }
}
