package io.flowtrace.alert.notifiers;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.HttpPost;
import io.flowtrace.sinks.internal.Pause;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code webhook} notifier: POSTs each alert as one JSON object ({@link Alert#toJson()}, {@code event: alert}),
 * one request per alert, through the same retrying client as the {@code http} sink: connection errors, timeouts, 5xx
 * and 429 are retried with jittered exponential backoff (or the server's {@code Retry-After}) within the retry
 * budget; other statuses are final. Delivery is at least once: receivers de-duplicate on {@code id} and
 * {@code state}. A delivery that failed for some alerts throws after trying all of them.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}</td><td>(required)</td><td>where alerts are POSTed; a {@code user:password@} in it is sent as
 *     HTTP Basic authentication, never as part of the URL; messages show the URL without user information or
 *     query</td></tr>
 * <tr><td>{@code token}</td><td>(none)</td><td>sends {@code Authorization: Bearer <token>}</td></tr>
 * <tr><td>{@code header.<Name>}</td><td>(none)</td><td>an extra request header (e.g.
 *     {@code header.X-Api-Key}); never logged</td></tr>
 * <tr><td>{@code connect_timeout}, {@code timeout}</td><td>{@code 5s}, {@code 10s}</td><td>to connect; for the
 *     whole request</td></tr>
 * <tr><td>{@code retry_budget}</td><td>{@code 60s}</td><td>no retry starts after this long since the first attempt;
 *     {@code 0} disables retries</td></tr>
 * <tr><td>{@code backoff}, {@code backoff_max}</td><td>{@code 100ms}, {@code 5s}</td><td>first and longest wait
 *     between attempts</td></tr>
 * </table>
 * Keys may be written with {@code _} or {@code -}.
 *
 * @since 0.1
 */
public final class WebhookNotifierProvider implements NotifierProvider {
    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public WebhookNotifierProvider() {
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public Notifier create(PluginConfig given) {
        PluginConfig config = Settings.kebab(given);
        HttpPost.Endpoint url = HttpPost.endpoint(config, "url", config.requireString("url"));
        Map<String, String> headers = HttpPost.headers(config);
        Duration connectTimeout = config.getDuration("connect-timeout", Duration.ofSeconds(5));
        Duration timeout = config.getDuration("timeout", Duration.ofSeconds(10));
        Duration budget = config.getDuration("retry-budget", Duration.ofSeconds(60));
        Duration backoff = config.getDuration("backoff", Duration.ofMillis(100));
        Duration backoffMax = config.getDuration("backoff-max", Duration.ofSeconds(5));
        if (connectTimeout.isZero() || timeout.isZero()) {
            config.error("connect_timeout and timeout: " + connectTimeout + ", " + timeout + " (expected: > 0)");
        }
        if (backoffMax.compareTo(backoff) < 0) {
            config.error("backoff (" + backoff + ") must not exceed backoff_max (" + backoffMax + ")");
            backoffMax = backoff;
        }
        if (url != null && url.authorization() != null
                && headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Authorization"))) {
            config.error("url: has a user and password, and token or header.Authorization sets Authorization too "
                    + "(expected: one of them)");
        }
        config.validate();
        Supplier<HttpClient> client = () -> HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpPost post = new HttpPost(client, timeout, headers, new Backoff(backoff, backoffMax, budget), Pause.SLEEP,
                System::nanoTime, Clock.systemUTC());
        return new Webhook(url, post);
    }

    /** POSTs alerts one by one. */
    private static final class Webhook implements Notifier {
        private final HttpPost.Endpoint url;
        private final HttpPost post;

        Webhook(HttpPost.Endpoint url, HttpPost post) {
            this.url = url;
            this.post = post;
        }

        @Override
        public String describe() {
            return "webhook " + url; // without user information or query
        }

        @Override
        public void deliver(List<Alert> alerts) throws NotifierException {
            List<String> problems = new ArrayList<>();
            for (Alert a : alerts) {
                byte[] body = a.toJson().getBytes(StandardCharsets.UTF_8);
                String problem = post.post(url, body, body.length, "application/json", null);
                if (problem != null) {
                    problems.add(problem);
                }
            }
            if (!problems.isEmpty()) {
                throw new NotifierException("POST " + url + ": " + problems.size() + " of " + alerts.size()
                        + " alert(s) not delivered: " + problems.get(0));
            }
        }

        @Override
        public void close() {
        }
    }
}
