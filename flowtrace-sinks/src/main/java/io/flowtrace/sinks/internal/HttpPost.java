package io.flowtrace.sinks.internal;

import io.flowtrace.core.Durations;
import io.flowtrace.core.spi.PluginConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * POSTs one body with retries: on connection errors, timeouts, 5xx and 429, with jittered exponential backoff (or the
 * server's {@code Retry-After}, seconds or HTTP date) within the retry budget; any other status is final and reported
 * with the first line of the response body, control characters escaped and URLs redacted. Shared by the {@code http}
 * sink and the alert webhook, so both retry alike. Also the parsing both use for a URL with user information (sent
 * as Basic authentication) and for {@code token} and {@code header.NAME} options. One instance per sink or notifier;
 * {@link #post} is called from one thread at a time, the counters from any.
 */
public final class HttpPost {
    private static final String HEADER = "header.";

    /**
     * Where requests go: {@code uri} without user information (its query is kept: it may be how the receiver
     * authenticates), and the {@code Authorization} header made from that user information, or {@code null}.
     * {@link #toString()} is the URL without user information or query: the form for logs and errors.
     *
     * @param uri           the request URI
     * @param authorization the Basic authorization header value, or {@code null}
     */
    public record Endpoint(URI uri, String authorization) {
        @Override
        public String toString() {
            return Redact.url(uri.toString());
        }
    }

    /** Makes the client on first use: building one loads the TLS trust store, which start-up need not wait for. */
    private final Supplier<HttpClient> makeClient;
    private volatile HttpClient client;
    private final Duration timeout;
    private final Map<String, String> headers;
    private final Backoff backoff;
    private final Pause pause;
    private final LongSupplier nanoTime;
    private final Clock wallClock;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    /**
     * @param client    makes the client (its connect timeout and version set), called once on the first request
     * @param timeout   time for one whole request
     * @param headers   extra headers of every request (never logged: they may hold a token)
     * @param backoff   retry timing and budget
     * @param pause     how waits happen
     * @param nanoTime  the clock the budget counts on
     * @param wallClock the clock {@code Retry-After} dates are read against
     */
    public HttpPost(Supplier<HttpClient> client, Duration timeout, Map<String, String> headers, Backoff backoff,
                    Pause pause, LongSupplier nanoTime, Clock wallClock) {
        this.makeClient = client;
        this.timeout = timeout;
        this.headers = Map.copyOf(headers);
        this.backoff = backoff;
        this.pause = pause;
        this.nanoTime = nanoTime;
        this.wallClock = wallClock;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = makeClient.get();
                    client = c;
                }
            }
        }
        return c;
    }

    /**
     * POSTs {@code body[0, length)} to {@code url} until a 2xx answer, a final status or the end of the budget.
     *
     * @param url             where
     * @param body            the bytes
     * @param length          how many of them
     * @param contentType     the {@code Content-Type}
     * @param contentEncoding the {@code Content-Encoding}, or {@code null}
     * @return {@code null} when it was answered with 2xx, else the problem (no secret in it)
     */
    public String post(Endpoint url, byte[] body, int length, String contentType, String contentEncoding) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(url.uri())
                .timeout(timeout)
                .header("Content-Type", contentType);
        if (url.authorization() != null) {
            rb.header("Authorization", url.authorization());
        }
        if (contentEncoding != null) {
            rb.header("Content-Encoding", contentEncoding);
        }
        headers.forEach(rb::header);
        HttpRequest request = rb.POST(HttpRequest.BodyPublishers.ofByteArray(body, 0, length)).build();
        long start = nanoTime.getAsLong();
        for (int attempt = 1; ; attempt++) {
            String problem;
            long retryAfter = -1;
            try {
                requests.incrementAndGet();
                HttpResponse<byte[]> resp = client().send(request, HttpResponse.BodyHandlers.ofByteArray());
                int status = resp.statusCode();
                if (status >= 200 && status < 300) {
                    return null;
                }
                problem = "HTTP " + status + firstLine(resp.body());
                if (status != 429 && status < 500) {
                    return problem + " (not retried)";
                }
                retryAfter = retryAfterNanos(resp.headers().firstValue("Retry-After"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while sending";
            } catch (IOException e) {
                problem = describe(e);
            }
            long delay = retryAfter >= 0 ? retryAfter : backoff.delayNanos(attempt);
            long elapsed = nanoTime.getAsLong() - start;
            if (!backoff.allows(elapsed, delay)) {
                return problem + " (retry budget of " + Durations.format(backoff.budget()) + " used up after "
                        + attempt + " attempt(s))";
            }
            retried.incrementAndGet();
            try {
                pause.pause(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return problem + " (interrupted while waiting to retry)";
            }
        }
    }

    /** {@return requests made, retries included} */
    public long requests() {
        return requests.get();
    }

    /** {@return requests repeated} */
    public long retried() {
        return retried.get();
    }

    /** {@code Retry-After} as seconds or an HTTP date, in nanoseconds from now; -1 when absent or unreadable. */
    private long retryAfterNanos(Optional<String> header) {
        if (header.isEmpty()) {
            return -1;
        }
        String v = header.get().trim();
        try {
            return Math.max(0, Duration.ofSeconds(Long.parseLong(v)).toNanos());
        } catch (NumberFormatException | ArithmeticException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(wallClock.instant(), at.toInstant()).toNanos());
            } catch (DateTimeParseException | ArithmeticException e2) {
                return -1;
            }
        }
    }

    /**
     * The exception's class and the first message found along its causes ("ConnectException: refused"), any URL in
     * it redacted.
     *
     * @param e the exception
     * @return its description
     */
    public static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return e.getClass().getSimpleName() + ": " + Redact.message(t.getMessage());
            }
        }
        return e.getClass().getSimpleName();
    }

    /**
     * ": " and the first line of a response body (at most 200 characters), or "" when empty; the receiver chose
     * those bytes, so control characters are escaped and URLs redacted before they reach a log line.
     *
     * @param body the response body
     * @return the line
     */
    public static String firstLine(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, 1024), StandardCharsets.UTF_8).strip();
        int nl = text.indexOf('\n');
        String line = (nl >= 0 ? text.substring(0, nl) : text).strip();
        if (line.length() > 200) {
            line = line.substring(0, 200) + "...";
        }
        return line.isEmpty() ? "" : ": " + Redact.message(line);
    }

    /**
     * Reads a URL option: {@code http} or {@code https} with a host; a {@code user:password@} in it becomes HTTP
     * Basic authentication (percent-encoded characters decoded), never part of the request URL. Problems go to
     * {@code config} with the URL redacted.
     *
     * @param config the plugin's settings
     * @param key    the option
     * @param text   its value, or {@code null}
     * @return the endpoint, or {@code null} when absent or bad
     */
    public static Endpoint endpoint(PluginConfig config, String key, String text) {
        if (text == null) {
            return null;
        }
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                config.error(key + ": '" + Redact.url(text) + "' (expected: an http:// or https:// URL with a host)");
                return null;
            }
            String userInfo = u.getRawUserInfo();
            if (userInfo == null) {
                return new Endpoint(u, null);
            }
            URI bare = new URI(u.getScheme(), null, u.getHost(), u.getPort(), null, null, null);
            URI request = URI.create(bare + (u.getRawPath() == null ? "" : u.getRawPath())
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            int colon = userInfo.indexOf(':');
            String user = UserInfo.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? "" : UserInfo.decode(userInfo.substring(colon + 1));
            String basic = Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            return new Endpoint(request, "Basic " + basic);
        } catch (URISyntaxException | IllegalArgumentException e) {
            config.error(key + ": '" + Redact.url(text) + "' is not a URL ("
                    + (e instanceof URISyntaxException s ? s.getReason() : "bad %-escape") + ")");
            return null;
        }
    }

    /**
     * Reads {@code token} (sent as {@code Authorization: Bearer}) and every {@code header.NAME} option, refusing
     * header names that are not tokens and those the client sets itself.
     *
     * @param config the plugin's settings
     * @return the headers, in order
     */
    public static Map<String, String> headers(PluginConfig config) {
        Map<String, String> headers = new LinkedHashMap<>();
        String token = config.getString("token", null);
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        for (Map.Entry<String, String> e : config.values().entrySet()) {
            if (e.getKey().startsWith(HEADER)) {
                config.allow(e.getKey());
                String h = e.getKey().substring(HEADER.length());
                if (!h.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    config.error(e.getKey() + ": '" + h + "' is not a valid header name");
                } else if (h.equalsIgnoreCase("Content-Length") || h.equalsIgnoreCase("Host")
                        || h.equalsIgnoreCase("Connection") || h.equalsIgnoreCase("Content-Encoding")) {
                    config.error(e.getKey() + ": the client sets " + h + " itself");
                } else {
                    headers.put(h, e.getValue());
                }
            }
        }
        return headers;
    }
}
