package io.flowtrace.examples;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of the {@code flowtrace} command line. */
interface Command {
    /** One line for the command list. */
    String summary();

    /** Full usage text. */
    String usage();

    /**
     * Runs the command.
     *
     * @return the exit status: 0 success, 1 failure, 2 bad usage
     * @throws UsageException on a bad command line
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
