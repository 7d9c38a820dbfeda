package io.flowtrace.examples;

import io.flowtrace.alert.Alerter;
import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.examples.config.AlertConfig;

import java.io.PrintStream;
import java.util.List;
import java.util.function.Consumer;

/** Alerting for a metering command: the file's alerter made and attached to the meter, and its counters said. */
final class Alerts {
    private Alerts() {
    }

    /**
     * The file's alerter attached to {@code b}, or {@code null} when the file has no active alerting.
     *
     * @throws io.flowtrace.core.ConfigurationException a rule, notifier or model refused, located in the file
     */
    static Alerter attach(AlertConfig config, List<AlertConfig.TaskSpec> tasks, FlowTrace.Builder b, String command,
                          boolean quiet, PrintStream err) {
        if (config == null || !config.active()) {
            return null;
        }
        Consumer<String> warn = line -> err.println("flowtrace " + command + ": " + line);
        Alerter a = config.alerter(tasks, warn, false);
        a.attachTo(b);
        if (!quiet) {
            err.println("flowtrace " + command + ": alerts: " + a.rules().size() + " rule(s) every "
                    + Durations.format(a.checkInterval()) + " to " + String.join(", ", a.notifiers())
                    + (config.modelAnalysis() ? ", analysed by the ai block's model" : ""));
        }
        return a;
    }

    /** Closes {@code a} (the last check evaluated, what is queued delivered) and says its counters. */
    static void finish(Alerter a, String command, boolean quiet, PrintStream err) {
        if (a == null) {
            return;
        }
        a.close();
        Alerter.Stats s = a.stats();
        if (!quiet || s.failed() > 0) {
            err.println("flowtrace " + command + ": alerts: " + s.fired() + " fired, " + s.resolved() + " resolved, "
                    + s.suppressed() + " suppressed (cooldown), " + s.notified() + " notices delivered, " + s.failed()
                    + " failed" + (s.analysisFailed() > 0 ? ", " + s.analysisFailed() + " model analyses failed" : "")
                    + " over " + s.checks() + " check(s)");
        }
    }
}
