package io.flowtrace.testkit;

import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Starting a server on ports chosen free beforehand: another process may take one between the choice and the
 * server's bind, so a start that the server's log says failed for that is made again on ports chosen again.
 */
final class FreePorts {
    /** Starts in all, the first included. */
    private static final int ATTEMPTS = 3;

    /** An action that may fail with an {@link IOException}. */
    interface Step {
        void run() throws IOException;
    }

    private FreePorts() {
    }

    /**
     * Runs {@code choose} then {@code start}, again (up to {@value #ATTEMPTS} times in all) while {@code start} fails
     * and what the server logged meanwhile says an address was already in use.
     *
     * @param choose chooses the ports (and writes whatever names them)
     * @param start  starts the server, throwing an {@link IOException} or {@link AssertionError} when it cannot
     * @param log    the server's log so far
     * @throws IOException the last start's failure
     */
    static void start(Step choose, Step start, Supplier<String> log) throws IOException {
        for (int attempt = 1; ; attempt++) {
            choose.run();
            int from = log.get().length();
            try {
                start.run();
                return;
            } catch (IOException | AssertionError e) {
                String since = log.get();
                if (attempt == ATTEMPTS || !since.substring(Math.min(from, since.length())).toLowerCase(Locale.ROOT)
                        .contains("address already in use")) {
                    throw e;
                }
            }
        }
    }
}
