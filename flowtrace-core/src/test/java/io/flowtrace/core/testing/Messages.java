package io.flowtrace.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on an error message that lists several problems at once. */
public final class Messages {
    private Messages() {
    }

    /** Asserts that {@code message} starts with {@code start} and names each of {@code problems}; shows it if not. */
    public static void assertReports(String message, String start, String... problems) {
        assertTrue(message.startsWith(start), message);
        for (String p : problems) {
            assertTrue(message.contains(p), "no '" + p + "' in: " + message);
        }
    }
}
