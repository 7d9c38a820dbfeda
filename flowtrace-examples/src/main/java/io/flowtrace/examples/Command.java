package io.flowtrace.examples;

import io.flowtrace.core.settings.Setting;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** One subcommand of the {@code flowtrace} command line; its options, usage text and completion come from {@link #options()}. */
interface Command {
    /** A titled group of options, for usage text. */
    record Options(String title, List<Setting<?>> settings) {
    }

    /** One line for the command list. */
    String summary();

    /** What follows {@code java -jar flowtrace.jar}: {@code flows CAPTURE [options]}. */
    String synopsis();

    /** What the command does, before its options in the usage text; may be empty. */
    String description();

    /** The command's options, by group. */
    List<Options> options();

    /** Every option of {@link #options()}. */
    default List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>();
        for (Options g : options()) {
            all.addAll(g.settings());
        }
        return all;
    }

    /**
     * Runs the command.
     *
     * @return the exit status: 0 success, 1 failure, 2 bad usage
     * @throws UsageException on a bad command line
     */
    int run(CommandLine args, PrintStream out, PrintStream err) throws Exception;
}
