package io.flowtrace.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Arguments of the measuring tools ({@link Throughput}, {@link HandOff}): a capture file first, then options with
 * values. Anything wrong (no capture, a capture that is not a readable file, an unknown option, an option without
 * its value or with a value that is not a positive number) is an {@link IllegalArgumentException} naming it, which
 * the tool prints with its usage before it exits with status 2; {@code -h} or {@code --help} anywhere asks for the
 * usage alone.
 */
final class ToolArgs {
    private final String[] args;
    private int next;

    ToolArgs(String[] args) {
        this.args = args;
    }

    /** Takes one option, just read as {@code option}, reading its value from {@code args}; throws when it is wrong. */
    interface Options {
        void take(String option, ToolArgs args);
    }

    /** What a tool measures once its arguments are read. */
    interface Measurement {
        void run(Path capture) throws Exception;
    }

    /**
     * A tool's {@code run}: its usage on {@code out} for {@code -h} or {@code --help} (status 0); otherwise the
     * capture, then every option through {@code options}, then the measurement (status 0), or, when the arguments
     * are wrong, what is wrong and the usage on {@code err} (status 2).
     */
    static int run(String tool, String usage, String[] args, PrintStream out, PrintStream err, Options options,
                   Measurement measurement) throws Exception {
        if (wantsHelp(args)) {
            out.println(usage);
            return 0;
        }
        Path capture;
        try {
            ToolArgs a = new ToolArgs(args);
            capture = a.capture();
            while (a.hasNext()) {
                options.take(a.next(), a);
            }
        } catch (IllegalArgumentException e) {
            err.println(tool + ": " + e.getMessage());
            err.println(usage);
            return 2;
        }
        measurement.run(capture);
        return 0;
    }

    /** The error for an argument the tool does not know. */
    static IllegalArgumentException unknown(String arg) {
        return new IllegalArgumentException("unknown argument " + arg);
    }

    /** Ends the JVM with {@code code} unless it is 0 (a tool's {@code main} after its {@code run}). */
    static void exit(int code) {
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Whether the usage was asked for. */
    private static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** The first argument, a capture file that exists and can be read. */
    Path capture() {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("the capture file comes first");
        }
        next = 1;
        Path p = Path.of(args[0]);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new IllegalArgumentException(p + ": not a readable file");
        }
        return p;
    }

    /** Whether arguments are left. */
    boolean hasNext() {
        return next < args.length;
    }

    /** The next argument. */
    String next() {
        return args[next++];
    }

    /** The value of option {@code option}, which was just read. */
    String value(String option) {
        if (next >= args.length) {
            throw new IllegalArgumentException(option + ": missing value");
        }
        return args[next++];
    }

    /** The value of option {@code option} as a number of at least 1. */
    int positive(String option) {
        return positive(option, value(option));
    }

    /** {@code text}, the value (or one item of the value) of {@code option}, as a number of at least 1. */
    static int positive(String option, String text) {
        int n;
        try {
            n = Integer.parseInt(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number: " + text);
        }
        if (n < 1) {
            throw new IllegalArgumentException(option + ": " + n + " (expected: 1 or more)");
        }
        return n;
    }
}
