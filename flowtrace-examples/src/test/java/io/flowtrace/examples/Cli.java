package io.flowtrace.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A command line run in the test's JVM through {@link Main#run}: its exit status, standard output and standard error.
 *
 * @param status the exit status
 * @param out    what went to standard output
 * @param err    what went to standard error
 */
record Cli(int status, String out, String err) {
    static Cli run(String... argv) {
        return run(Map.of(), argv);
    }

    /** @param env the environment the command sees */
    static Cli run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env::get);
        return new Cli(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Standard output's lines. */
    List<String> lines() {
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
}
