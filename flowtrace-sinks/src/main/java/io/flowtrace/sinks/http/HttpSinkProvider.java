package io.flowtrace.sinks.http;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.EventFormat;
import io.flowtrace.sinks.internal.HttpPost;
import io.flowtrace.sinks.internal.Pause;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code http} sink: POSTs flow events as JSON with {@link java.net.http.HttpClient}. By default records go in
 * batches (a JSON array, or NDJSON) of up to {@code batch} records, sent when the batch is full or its oldest
 * record has waited {@code interval}: the meaning the sensor gave {@code AGENT_BATCH_SIZE} and
 * {@code AGENT_SEND_INTERVAL}. {@code format=single} sends one JSON object per request, exactly as the sensor
 * did, for backends that take nothing else. Snapshots are sent one JSON object per request.
 *
 * <p>A request is retried on connection errors, timeouts, HTTP 5xx and 429, after a jittered exponential backoff
 * or the server's {@code Retry-After} (seconds or HTTP date), for as long as the retry budget allows; other
 * statuses (4xx, 3xx) are final and are logged with the first line of the response body. Records that could not
 * be delivered are counted in {@code failed}. Delivery is at least once: a request that timed out is sent again
 * even if the server had processed it, so receivers should de-duplicate on {@code flow_id}.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}</td><td>(required)</td><td>where records are POSTed ({@code http} or {@code https}); a
 *     {@code user:password@} in it is sent as HTTP Basic authentication (percent-encoded characters decoded), never
 *     as part of the URL. Logs and errors show the URL without user information or query</td></tr>
 * <tr><td>{@code format}</td><td>{@code array}</td><td>{@code array} (JSON array per request), {@code ndjson} (one
 *     JSON object per line, {@code application/x-ndjson}) or {@code single} (one JSON object per request)</td></tr>
 * <tr><td>{@code event-format}</td><td>{@code flowtrace}</td><td>{@code flowtrace}, or {@code sensor}: the Go
 *     sensor's fourteen fields only (ports as strings), TCP and UDP only, others counted as
 *     {@code skipped_by_format}</td></tr>
 * <tr><td>{@code batch}</td><td>{@code 500}</td><td>most records per request (array and ndjson)</td></tr>
 * <tr><td>{@code interval}</td><td>{@code 1s}</td><td>longest a record waits for its batch to fill; {@code 0}
 *     sends whenever the sink's queue runs empty</td></tr>
 * <tr><td>{@code gzip}</td><td>{@code off}</td><td>compress request bodies ({@code Content-Encoding: gzip})</td></tr>
 * <tr><td>{@code token}</td><td>(none)</td><td>sends {@code Authorization: Bearer <token>}</td></tr>
 * <tr><td>{@code header.<Name>}</td><td>(none)</td><td>an extra request header, e.g.
 *     {@code header.X-Api-Key=secret}; may be repeated with different names</td></tr>
 * <tr><td>{@code connect-timeout}</td><td>{@code 5s}</td><td>time to establish a connection</td></tr>
 * <tr><td>{@code timeout}</td><td>{@code 10s}</td><td>time for the whole request, answer included</td></tr>
 * <tr><td>{@code retry-budget}</td><td>{@code 60s}</td><td>a request is not retried after this long since its
 *     first attempt; {@code 0} disables retries</td></tr>
 * <tr><td>{@code backoff}</td><td>{@code 100ms}</td><td>first wait between attempts; doubles each retry, each
 *     wait drawn from the upper half of the step</td></tr>
 * <tr><td>{@code backoff-max}</td><td>{@code 5s}</td><td>longest wait between attempts</td></tr>
 * <tr><td>{@code snapshot-url}</td><td>{@code url}</td><td>where snapshots are POSTed (user information as in
 *     {@code url})</td></tr>
 * <tr><td>{@code http-version}</td><td>{@code 1.1}</td><td>{@code 1.1} or {@code 2}</td></tr>
 * </table>
 *
 * <p>Counters: {@code requests}, {@code retried} (requests repeated), {@code sent} (records and snapshots
 * answered with 2xx), {@code failed} (records not delivered).
 *
 * @since 0.1
 */
public final class HttpSinkProvider implements SinkProvider {

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public HttpSinkProvider() {
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public Sink create(PluginConfig config) {
        return new HttpSink(name(), settings(config), Pause.SLEEP, System::nanoTime, Clock.systemUTC());
    }

    static HttpSettings settings(PluginConfig config) {
        HttpPost.Endpoint url = url(config, "url", config.requireString("url"));
        String format = config.getChoice("format", "array", "array", "ndjson", "single");
        boolean batchGiven = config.has("batch");
        int batch = config.getInt("batch", 500, 1, 1_000_000);
        if ("single".equals(format)) {
            if (batchGiven && batch != 1) {
                config.error("batch: " + batch + " (expected: no batch with format=single, which sends one record"
                        + " per request)");
            }
            batch = 1;
        }
        Duration interval = config.getDuration("interval", Duration.ofSeconds(1));
        boolean gzip = config.getBoolean("gzip", false);
        String token = config.getString("token", null);
        Map<String, String> headers = HttpPost.headers(config);
        Duration connectTimeout = config.getDuration("connect-timeout", Duration.ofSeconds(5));
        Duration timeout = config.getDuration("timeout", Duration.ofSeconds(10));
        Duration budget = config.getDuration("retry-budget", Duration.ofSeconds(60));
        Duration backoff = config.getDuration("backoff", Duration.ofMillis(100));
        Duration backoffMax = config.getDuration("backoff-max", Duration.ofSeconds(5));
        String snapText = config.getString("snapshot-url", null);
        HttpPost.Endpoint snapshotUrl = snapText == null ? url : url(config, "snapshot-url", snapText);
        for (HttpPost.Endpoint e : new HttpPost.Endpoint[] {url, snapshotUrl}) {
            if (e != null && e.authorization() != null && headers.keySet().stream()
                    .anyMatch(h -> h.equalsIgnoreCase("Authorization"))) {
                config.error((e == url ? "url" : "snapshot-url") + ": has a user and password, and "
                        + (token != null ? "token" : "header.Authorization") + " sets Authorization too (expected:"
                        + " one of them)");
            }
        }
        String version = config.getChoice("http-version", "1.1", "1.1", "2");
        if (connectTimeout.isZero() || timeout.isZero()) {
            config.error("connect-timeout and timeout: " + connectTimeout + ", " + timeout + " (expected: > 0)");
        }
        if (backoffMax.compareTo(backoff) < 0) {
            config.error("backoff (" + backoff + ") must not exceed backoff-max (" + backoffMax + ")");
            backoffMax = backoff;
        }
        EventFormat eventFormat = EventFormat.of(config);
        config.validate();
        return new HttpSettings(url, snapshotUrl, format, batch, interval, gzip, Map.copyOf(headers), connectTimeout,
                timeout, new Backoff(backoff, backoffMax, budget), "2".equals(version), eventFormat);
    }

    private static HttpPost.Endpoint url(PluginConfig config, String key, String text) {
        return HttpPost.endpoint(config, key, text);
    }
}
