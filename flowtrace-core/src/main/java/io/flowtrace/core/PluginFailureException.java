package io.flowtrace.core;

/**
 * Thrown by {@link FlowTrace#run()} when {@link FlowTrace.Builder#failOnPluginError} is on and a plugin failed
 * during the run; everything was flushed and delivered (as far as the plugins allowed) first.
 *
 * @since 0.1
 */
public final class PluginFailureException extends FlowTraceException {
    private static final long serialVersionUID = 1L;

    /** The run's final counters (not serialised). */
    private final transient FlowStats stats;

    /**
     * The failures of a run, listed in the message.
     *
     * @param stats the run's final counters
     */
    public PluginFailureException(FlowStats stats) {
        super("plugin failures: " + String.join("; ", stats.failures()));
        this.stats = stats;
    }

    /** {@return the counters of the run that failed} */
    public FlowStats stats() {
        return stats;
    }
}
