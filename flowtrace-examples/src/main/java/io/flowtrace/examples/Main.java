package io.flowtrace.examples;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.settings.Names;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The {@code flowtrace} command line: {@code java -jar flowtrace.jar COMMAND [options]}. Errors are one line on
 * stderr (no stack trace unless {@code FLOWTRACE_DEBUG=1}); exit status 0 on success, 1 on failure, 2 on a bad
 * command line.
 */
public final class Main {
    private Main() {
    }

    /** The commands, in the order help lists them. */
    private static final List<String> NAMES = List.of("flows", "top", "agent", "engine", "probe", "query", "ask",
            "report", "settings", "completion");

    /** Every command (for help and completion). */
    static Map<String, Command> commands(UnaryOperator<String> env) {
        Map<String, Command> m = new LinkedHashMap<>();
        for (String name : NAMES) {
            m.put(name, name.equals("completion") ? new Completion(m) : command(name, env));
        }
        return m;
    }

    /** The command named {@code name} alone, so that a run loads only its own classes; null when none is. */
    static Command command(String name, UnaryOperator<String> env) {
        return switch (name) {
            case "flows" -> new FlowsCommand(env);
            case "top" -> new TopCommand();
            case "agent" -> new AgentCommand(env);
            case "engine" -> new EngineCommand(env);
            case "probe" -> new ProbeCommand(env);
            case "query" -> new QueryCommand();
            case "ask" -> new AskCommand(env);
            case "report" -> new ReportCommand();
            case "settings" -> new SettingsCommand();
            case "completion" -> commands(env).get("completion");
            default -> null;
        };
    }

    public static void main(String[] argv) {
        if (argv.length > 0 && argv[0].equals("agent")) {
            LiveCapture.loadNativeEarly(); // from the first moment: the interface opens once the settings are read
        }
        int status = run(argv, System.out, System.err);
        // what went to System.out (results of top, help): a PrintStream keeps write errors to itself until asked
        if (System.out.checkError()) {
            System.err.println("flowtrace: standard output: a write failed (closed pipe or full disk?)");
            status = Math.max(status, 1);
        }
        System.exit(status);
    }

    /** Runs a command line and returns its exit status (for tests and embedding). */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, out, err, System::getenv);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, with the environment given. */
    static int run(String[] argv, PrintStream out, PrintStream err, UnaryOperator<String> env) {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            Map<String, Command> commands = commands(env);
            if (argv.length > 1 && commands.containsKey(argv[1])) {
                out.println(Usage.of(commands.get(argv[1])));
                return 0;
            }
            out.println(overview(commands));
            return argv.length == 0 ? 2 : 0;
        }
        if (argv[0].equals("--version") || argv[0].equals("version")) {
            out.println("flowtrace " + version());
            return 0;
        }
        Command c = command(argv[0], env);
        if (c == null) {
            err.println("flowtrace: unknown command '" + argv[0] + "'"
                    + Names.didYouMean(argv[0], NAMES, "") + " (expected one of: " + String.join(", ", NAMES) + ")");
            return 2;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(Usage.of(c));
            return 0;
        }
        try {
            CommandLine parsed = CommandLine.parse(c.settings(), rest);
            if (parsed.has(CommandSettings.LOG_LEVEL)) {
                // read by slf4j-simple when the first logger is made, which no command has made yet
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", parsed.value(CommandSettings.LOG_LEVEL));
            }
            return c.run(parsed, out, err);
        } catch (UsageException e) {
            err.println("flowtrace " + argv[0] + ": " + e.getMessage());
            return 2;
        } catch (ConfigurationException e) {
            err.println("flowtrace " + argv[0] + ": " + e.getMessage());
            debug(e, err);
            return 2;
        } catch (FlowTraceException e) {
            err.println("flowtrace " + argv[0] + ": " + e.getMessage());
            outOfMemoryHint(e, err);
            debug(e, err);
            return 1;
        } catch (Exception | Error e) {
            err.println("flowtrace " + argv[0] + ": " + e);
            outOfMemoryHint(e, err);
            debug(e, err);
            return 1;
        }
    }

    /** The jar manifest's Implementation-Version; {@code dev} when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** What to change when the heap ran out (an exact aggregator over a flood of keys, a large snapshot). */
    private static void outOfMemoryHint(Throwable e, PrintStream err) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                err.printf("flowtrace: the heap (at most %d MiB) ran out: give the JVM more (java -Xmx...), or bound "
                        + "what grows with the traffic (a sketch instead of an exact aggregator, or a lower --max-keys; "
                        + "--max-flows)%n",
                        Runtime.getRuntime().maxMemory() >> 20);
                return;
            }
        }
    }

    private static void debug(Throwable e, PrintStream err) {
        if ("1".equals(System.getenv("FLOWTRACE_DEBUG"))) {
            e.printStackTrace(err);
        }
    }

    private static String overview(Map<String, Command> commands) {
        StringBuilder sb = new StringBuilder("usage: java -jar flowtrace.jar COMMAND [options]\n\ncommands:\n");
        commands.forEach((k, v) -> sb.append("  " + Text.left(k, 11) + v.summary() + "\n"));
        sb.append("\n'java -jar flowtrace.jar help COMMAND' (or COMMAND --help) shows a command's options;")
                .append("\n'java -jar flowtrace.jar --version' its version.");
        return sb.toString();
    }
}
