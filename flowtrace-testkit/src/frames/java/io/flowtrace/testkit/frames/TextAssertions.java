package io.flowtrace.testkit.frames;

import java.util.ArrayList;
import java.util.List;

/**
 * Assertions on text, such as an error message that must name every problem it was given. JDK only, like the rest
 * of this package, so that flowtrace-core's tests can use it too.
 *
 * @since 0.1
 */
public final class TextAssertions {
    private TextAssertions() {
    }

    /** Fails unless {@code text} contains each of {@code parts}, naming every part that is missing. */
    public static void assertContainsAll(String text, String... parts) {
        List<String> missing = new ArrayList<>();
        for (String part : parts) {
            if (text == null || !text.contains(part)) {
                missing.add(part);
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("missing " + missing + " in: " + text);
        }
    }
}
