package io.flowtrace.alert.spi;

import io.flowtrace.alert.Alert;

import java.util.List;

/**
 * Delivers alerts somewhere (a webhook, a NATS subject, mail, the log). Called on the alerter's notification
 * thread, never on a capture or metering thread; one call per check with that check's alerts (never empty).
 * A notifier retries within its own budget and then throws: the alerter counts the failure and goes on.
 *
 * @since 0.1
 */
public interface Notifier extends AutoCloseable {

    /** {@return the notifier's type and target for messages, secrets left out (e.g. {@code webhook http://h/p})} */
    String describe();

    /**
     * Delivers one check's alerts.
     *
     * @param alerts fired and resolved alerts of one check, in rule order
     * @throws NotifierException when they could not be delivered after the notifier's retries
     */
    void deliver(List<Alert> alerts) throws NotifierException;

    /** Releases connections; delivers nothing more. */
    @Override
    void close();
}
