package io.flowtrace.examples;

/** A bad command line: the message says what is wrong and what is accepted; the command exits 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
