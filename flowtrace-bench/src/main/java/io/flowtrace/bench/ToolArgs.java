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

    /** Ends the JVM with {@code code} unless it is 0 (a tool's {@code main} after its {@code run}). */
    static void exit(int code) {
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Says on {@code err} what is wrong with the arguments, then the usage; returns the exit status, 2. */
    static int refuse(String tool, String usage, IllegalArgumentException e, PrintStream err) {
        err.println(tool + ": " + e.getMessage());
        err.println(usage);
        return 2;
    }

    /** Whether the usage was asked for. */
    static boolean wantsHelp(String[] args) {
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
