package io.flowtrace.alert.spi;

import io.flowtrace.alert.Alert;
import io.flowtrace.core.spi.Snapshot;

import java.util.List;

/**
 * Explains fired alerts from the evidence: the snapshots of the check that fired them. Called on the alerter's
 * notification thread. An analyzer that fails or times out throws; the alert then goes out with the built-in
 * explanation and a note that the analyzer failed.
 *
 * @since 0.1
 */
public interface AlertAnalyzer extends AutoCloseable {

    /** {@return the analyzer's name and target for messages, secrets left out} */
    String describe();

    /**
     * Analyses one fired alert.
     *
     * @param alert    the alert, with the built-in explanation already set
     * @param evidence the snapshots of every task at the check that fired it
     * @return the analysis text
     * @throws Exception when it could not be had (the caller reports it and goes on)
     */
    String analyze(Alert alert, List<Snapshot> evidence) throws Exception;

    /** Releases connections. */
    @Override
    default void close() {
    }
}
