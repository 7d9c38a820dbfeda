package io.flowtrace.alert.notifiers;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.Redact;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The {@code nats} notifier: publishes each alert as one JSON object ({@link Alert#toJson()}) to a subject, with
 * the header {@code Nats-Msg-Id} set to the alert's id, state and window end (so a JetStream stream's duplicate
 * window drops a retried copy). Core NATS by default: a publish counts as delivered once the server has answered a
 * flush after it. With {@code jetstream: true}, each alert waits for the stream's acknowledgement (the stream is the
 * operator's to create, e.g. {@code nats stream add ALERTS --subjects 'flowtrace.alerts'}). The connection is made at
 * the first delivery, and made again after it is lost; failures are retried within the retry budget.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}</td><td>{@code nats://127.0.0.1:4222}</td><td>server URL(s), comma-separated</td></tr>
 * <tr><td>{@code subject}</td><td>{@code flowtrace.alerts}</td><td>where alerts are published</td></tr>
 * <tr><td>{@code jetstream}</td><td>{@code false}</td><td>publish through JetStream and wait for its
 *     acknowledgement</td></tr>
 * <tr><td>{@code token}; {@code user}, {@code password}; {@code credentials}</td><td>(none)</td><td>authentication
 *     (never logged)</td></tr>
 * <tr><td>{@code timeout}</td><td>{@code 5s}</td><td>to connect, and for each flush or acknowledgement</td></tr>
 * <tr><td>{@code retry_budget}, {@code backoff}, {@code backoff_max}</td><td>{@code 30s}, {@code 100ms},
 *     {@code 5s}</td><td>retry timing, as the sinks'</td></tr>
 * </table>
 *
 * @since 0.1
 */
public final class NatsNotifierProvider implements NotifierProvider {
    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public NatsNotifierProvider() {
    }

    @Override
    public String type() {
        return "nats";
    }

    @Override
    public Notifier create(PluginConfig given) {
        PluginConfig config = Settings.kebab(given);
        String url = config.getString("url", "nats://127.0.0.1:4222").trim();
        String subject = config.getString("subject", "flowtrace.alerts").trim();
        boolean jetStream = config.getBoolean("jetstream", false);
        String token = config.getString("token", null);
        String user = config.getString("user", null);
        String password = config.getString("password", null);
        String credentials = config.getString("credentials", null);
        Duration timeout = config.getDuration("timeout", Duration.ofSeconds(5));
        Duration budget = config.getDuration("retry-budget", Duration.ofSeconds(30));
        Duration backoff = config.getDuration("backoff", Duration.ofMillis(100));
        Duration backoffMax = config.getDuration("backoff-max", Duration.ofSeconds(5));
        if (subject.isEmpty() || subject.contains(" ") || subject.contains("*") || subject.contains(">")) {
            config.error("subject: '" + subject + "' (expected: a subject without spaces or wildcards)");
        }
        if (url.isEmpty()) {
            config.error("url: no server given");
        }
        if (timeout.isZero()) {
            config.error("timeout: 0 (expected: > 0)");
        }
        if (backoffMax.compareTo(backoff) < 0) {
            config.error("backoff (" + backoff + ") must not exceed backoff_max (" + backoffMax + ")");
            backoffMax = backoff;
        }
        if (password != null && user == null) {
            config.error("password: given without user");
        }
        config.validate();
        Options.Builder b = new Options.Builder()
                .servers(url.split("\\s*,\\s*"))
                .connectionName("flowtrace-alerts")
                .connectionTimeout(timeout)
                .maxReconnects(-1)
                .errorListener(new ErrorListener() {
                });
        if (token != null) {
            b.token(token.toCharArray());
        }
        if (user != null) {
            b.userInfo(user.toCharArray(), password == null ? new char[0] : password.toCharArray());
        }
        if (credentials != null) {
            b.authHandler(Nats.credentials(credentials));
        }
        return new NatsNotifier(b.build(), Redact.url(url), subject, jetStream, timeout,
                new Backoff(backoff, backoffMax, budget));
    }

    /** Publishes alerts one by one on a connection made at the first delivery. */
    private static final class NatsNotifier implements Notifier {
        private final Options options;
        private final String where;
        private final String subject;
        private final boolean jetStream;
        private final Duration timeout;
        private final Backoff backoff;
        private Connection connection;

        NatsNotifier(Options options, String where, String subject, boolean jetStream, Duration timeout,
                     Backoff backoff) {
            this.options = options;
            this.where = where;
            this.subject = subject;
            this.jetStream = jetStream;
            this.timeout = timeout;
            this.backoff = backoff;
        }

        @Override
        public String describe() {
            return "nats " + where + " subject " + subject + (jetStream ? " (JetStream)" : "");
        }

        @Override
        public void deliver(List<Alert> alerts) throws NotifierException {
            long start = System.nanoTime();
            int done = 0;
            for (int attempt = 1; ; attempt++) {
                String problem;
                try {
                    Connection c = connection();
                    JetStream js = jetStream ? c.jetStream() : null;
                    for (; done < alerts.size(); done++) {
                        Alert a = alerts.get(done);
                        Headers h = new Headers().put("Nats-Msg-Id", a.id() + "-"
                                + a.state().name().toLowerCase(java.util.Locale.ROOT) + "-" + a.windowEndNanos());
                        byte[] body = a.toJson().getBytes(StandardCharsets.UTF_8);
                        if (js != null) {
                            js.publish(subject, h, body, PublishOptions.builder().streamTimeout(timeout).build());
                        } else {
                            c.publish(subject, h, body);
                        }
                    }
                    if (js == null) {
                        c.flush(timeout);
                    }
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NotifierException(describe() + ": interrupted", e);
                } catch (IOException | JetStreamApiException | TimeoutException | IllegalStateException e) {
                    problem = e.getClass().getSimpleName() + ": " + Redact.message(String.valueOf(e.getMessage()));
                    if (!jetStream) {
                        done = 0; // core NATS: an unconfirmed flush may have lost any of them
                    }
                    drop();
                }
                long delay = backoff.delayNanos(attempt);
                if (!backoff.allows(System.nanoTime() - start, delay)) {
                    throw new NotifierException(describe() + ": " + (alerts.size() - done) + " alert(s) not delivered"
                            + " after " + attempt + " attempt(s): " + problem);
                }
                try {
                    Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NotifierException(describe() + ": interrupted while waiting to retry", e);
                }
            }
        }

        private Connection connection() throws IOException, InterruptedException {
            if (connection == null || connection.getStatus() == Connection.Status.CLOSED) {
                connection = Nats.connect(options);
            }
            return connection;
        }

        private void drop() {
            if (connection != null && connection.getStatus() != Connection.Status.CONNECTED) {
                try {
                    connection.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                connection = null;
            }
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.flush(timeout);
                } catch (TimeoutException | InterruptedException | RuntimeException e) {
                    // what could not be flushed was already counted when its delivery failed
                }
                try {
                    connection.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                connection = null;
            }
        }
    }
}
