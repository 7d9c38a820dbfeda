package io.flowtrace.alert.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrace.core.spi.PluginConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of an OpenAI-compatible chat-completions API ({@code POST {base_url}chat/completions}), answering whole
 * ({@link #complete}) or streamed as server-sent events ({@link #stream}). Settings, the analysis engine's {@code ai}
 * block plus flowtrace's own:
 * <ul>
 *   <li>{@code provider} (text, e.g. {@code openai}, {@code gemini}: any provider with an OpenAI-compatible
 *   endpoint), {@code api_key} (sent as a bearer token; none for a local server that needs none), {@code model}
 *   (required), {@code base_url} (default {@value #DEFAULT_BASE_URL}), {@code rpc_listen_addr} (the engine's AI
 *   service address: accepted and unused, the model is asked directly);</li>
 *   <li>{@code timeout} (60s: a whole answer, or the longest silence in a stream), {@code connect_timeout} (10s),
 *   {@code retries} (2: after a 429, honouring its {@code Retry-After}, a 5xx or a failed connection; a 401, 403 or
 *   other 4xx is not retried), {@code retry_backoff} (1s, doubled each retry), {@code max_retry_wait} (60s: a
 *   {@code Retry-After} longer than this fails at once).</li>
 * </ul>
 * Answers are read up to {@value #MAX_ANSWER} bytes. Thread-safe; each call blocks its thread.
 *
 * @since 0.1
 */
public final class ChatClient implements AutoCloseable {
    /** Where OpenAI's own API is. */
    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1/";
    private static final int MAX_ANSWER = 8 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(ChatClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String provider;
    private final String apiKey;
    private final String model;
    private final URI endpoint;
    private final String where;
    private final Duration timeout;
    private final int retries;
    private final Duration backoff;
    private final Duration maxRetryWait;
    private final HttpClient http;
    private final ScheduledExecutorService watchdog;

    private ChatClient(PluginConfig c) {
        this.provider = c.getString("provider", "openai").trim();
        this.apiKey = c.getString("api_key", "").trim();
        String m = c.requireString("model");
        this.model = m == null ? "" : m.trim();
        String base = c.getString("base_url", "").trim();
        c.allow("rpc_listen_addr");
        this.timeout = positive(c, "timeout", c.getDuration("timeout", Duration.ofSeconds(60)));
        Duration connect = positive(c, "connect_timeout", c.getDuration("connect_timeout", Duration.ofSeconds(10)));
        this.retries = c.getInt("retries", 2, 0, 10);
        this.backoff = c.getDuration("retry_backoff", Duration.ofSeconds(1));
        this.maxRetryWait = c.getDuration("max_retry_wait", Duration.ofSeconds(60));
        URI uri = null;
        try {
            uri = URI.create(base.isEmpty() ? DEFAULT_BASE_URL : base.endsWith("/") ? base : base + "/");
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                c.error("base_url: '" + redact(uri) + "' (expected: an http:// or https:// URL)");
                uri = null;
            }
        } catch (IllegalArgumentException e) {
            c.error("base_url: not a URL (expected: e.g. " + DEFAULT_BASE_URL + ")");
        }
        c.validate();
        this.endpoint = uri.resolve("chat/completions");
        this.where = provider + " model " + model + " at " + redact(endpoint);
        if (!apiKey.isEmpty() && "http".equals(uri.getScheme()) && !loopback(uri.getHost())) {
            LOG.warn("{}: the API key goes over plain http to a host that is not this machine", where);
        }
        this.http = HttpClient.newBuilder().connectTimeout(connect).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowtrace-chat-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Makes a client; unknown or bad settings are refused, all of them in one message.
     *
     * @param config the settings (the engine's {@code ai} block)
     * @return the client
     * @throws io.flowtrace.core.ConfigurationException naming each bad setting and what is accepted
     */
    public static ChatClient create(PluginConfig config) {
        return new ChatClient(config);
    }

    private static Duration positive(PluginConfig c, String key, Duration d) {
        if (d != null && d.isZero()) {
            c.error(key + ": 0 (expected: a positive duration)");
        }
        return d;
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private static String redact(URI u) {
        if (u == null) {
            return "";
        }
        String s = u.toString();
        return u.getRawUserInfo() == null ? s : s.replace(u.getRawUserInfo() + "@", "***@");
    }

    /** {@return the provider, model and endpoint, for messages (no key)} */
    public String describe() {
        return where;
    }

    /** {@return the model asked} */
    public String model() {
        return model;
    }

    /**
     * Asks for a whole answer.
     *
     * @param messages the conversation, a system message first
     * @return the first choice's text
     * @throws ChatException when no answer could be had after the retries, or it had no choices
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public String complete(List<ChatMessage> messages) throws ChatException, InterruptedException {
        byte[] body = body(messages, false);
        Duration wait = backoff;
        for (int attempt = 0; ; attempt++) {
            HttpResponse<InputStream> resp;
            byte[] answer;
            try {
                resp = http.sendAsync(request(body, false), HttpResponse.BodyHandlers.ofInputStream())
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                try (InputStream in = resp.body()) {
                    answer = readBounded(in);
                }
            } catch (TimeoutException e) {
                throw new ChatException(where + ": no answer within " + io.flowtrace.core.Durations.format(timeout) + " (timeout)", 0, "",
                        null);
            } catch (ExecutionException | IOException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                wait = retryOrThrow(attempt, 0, null, describe(cause), wait, "");
                continue;
            }
            if (resp.statusCode() != 200) {
                wait = retryOrThrow(attempt, resp.statusCode(), resp.headers().firstValue("Retry-After").orElse(null),
                        errorText(answer), wait, "");
                continue;
            }
            JsonNode root;
            try {
                root = JSON.readTree(answer);
            } catch (IOException e) {
                throw new ChatException(where + ": 200 but not a JSON answer", 200, "", null);
            }
            JsonNode choices = root == null ? null : root.get("choices");
            if (choices == null || !choices.isArray() || choices.isEmpty()) {
                throw new ChatException(where + ": the answer has no choices", 200, "", null);
            }
            JsonNode content = choices.get(0).path("message").get("content");
            if (content == null || !content.isTextual()) {
                throw new ChatException(where + ": the first choice has no text (finish_reason "
                        + choices.get(0).path("finish_reason").asText("?") + ")", 200, "", null);
            }
            return content.asText();
        }
    }

    /**
     * Asks for an answer streamed as server-sent events, handing each piece of text to {@code onText} as it
     * arrives (on the calling thread). A stream that ends without its {@code [DONE]} is an error that keeps the
     * text that arrived.
     *
     * @param messages the conversation, a system message first
     * @param onText   takes each piece of text in order
     * @return the whole text
     * @throws ChatException when no answer could be had, or the stream broke off ({@link ChatException#partialText()})
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public String stream(List<ChatMessage> messages, Consumer<String> onText)
            throws ChatException, InterruptedException {
        byte[] body = body(messages, true);
        Duration wait = backoff;
        for (int attempt = 0; ; attempt++) {
            HttpResponse<InputStream> resp;
            try {
                resp = http.sendAsync(request(body, true), HttpResponse.BodyHandlers.ofInputStream())
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new ChatException(where + ": no answer within " + io.flowtrace.core.Durations.format(timeout) + " (timeout)", 0, "",
                        null);
            } catch (ExecutionException e) {
                wait = retryOrThrow(attempt, 0, null, describe(e.getCause() == null ? e : e.getCause()), wait, "");
                continue;
            }
            if (resp.statusCode() != 200) {
                byte[] answer;
                try (InputStream in = resp.body()) {
                    answer = readBounded(in);
                } catch (IOException e) {
                    answer = new byte[0];
                }
                wait = retryOrThrow(attempt, resp.statusCode(), resp.headers().firstValue("Retry-After").orElse(null),
                        errorText(answer), wait, "");
                continue;
            }
            return readEvents(resp.body(), onText);
        }
    }

    /** Reads {@code data:} events until {@code [DONE]}; a silence longer than the timeout closes the stream. */
    private String readEvents(InputStream in, Consumer<String> onText) throws ChatException {
        StringBuilder text = new StringBuilder();
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        AtomicBoolean silent = new AtomicBoolean();
        long check = Math.max(10, timeout.toMillis() / 4);
        ScheduledFuture<?> guard = watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastRead.get() > timeout.toNanos() && silent.compareAndSet(false, true)) {
                try {
                    in.close(); // the only way to end a blocked read of the JDK client's body stream
                } catch (IOException ignored) {
                    // the reader sees the stream end either way
                }
            }
        }, check, check, TimeUnit.MILLISECONDS);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null) {
                lastRead.set(System.nanoTime());
                if (line.length() > MAX_ANSWER || text.length() > MAX_ANSWER) {
                    throw new ChatException(where + ": the stream is larger than " + (MAX_ANSWER >> 20) + " MiB",
                            200, text.toString(), null);
                }
                if (line.isEmpty()) {
                    if (event(data, text, onText)) {
                        return text.toString();
                    }
                    continue;
                }
                if (line.startsWith("data:")) {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
                }
                // comments (":"), event:, id: and retry: lines carry nothing here
            }
            if (event(data, text, onText)) {
                return text.toString();
            }
        } catch (IOException e) {
            if (!silent.get()) {
                throw new ChatException(where + ": the stream broke off after " + text.length()
                        + " characters: " + describe(e), 200, text.toString(), null);
            }
        } finally {
            guard.cancel(false);
        }
        throw new ChatException(where + ": the stream " + (silent.get() ? "was silent for more than "
                + io.flowtrace.core.Durations.format(timeout) + " (timeout)" : "ended without [DONE]") + " after " + text.length()
                + " characters", 200, text.toString(), null);
    }

    /** Handles one event's data; {@code true} at {@code [DONE]}. */
    private boolean event(StringBuilder data, StringBuilder text, Consumer<String> onText) throws ChatException {
        if (data.length() == 0) {
            return false;
        }
        String d = data.toString().trim();
        data.setLength(0);
        if (d.equals("[DONE]")) {
            return true;
        }
        JsonNode chunk;
        try {
            chunk = JSON.readTree(d);
        } catch (IOException e) {
            throw new ChatException(where + ": a stream event is not JSON", 200, text.toString(), null);
        }
        if (chunk.has("error")) {
            throw new ChatException(where + ": the stream reported an error: " + errorText(chunk), 200,
                    text.toString(), null);
        }
        JsonNode content = chunk.path("choices").path(0).path("delta").get("content");
        if (content != null && content.isTextual() && !content.asText().isEmpty()) {
            text.append(content.asText());
            onText.accept(content.asText());
        }
        return false;
    }

    /**
     * Waits before the next try, or throws when the failure is not retried or the tries are used up.
     *
     * @return the next backoff
     */
    private Duration retryOrThrow(int attempt, int status, String retryAfter, String detail, Duration wait,
                                  String partial) throws ChatException, InterruptedException {
        String what = status == 0 ? detail : status + (detail.isEmpty() ? "" : ": " + detail);
        if (status == 401 || status == 403) {
            throw new ChatException(where + ": " + what + " (the API key was refused: check ai.api_key and the "
                    + "environment variable it names)", status, partial, null);
        }
        boolean retryable = status == 0 || status == 429 || status == 408 || status >= 500;
        if (!retryable) {
            throw new ChatException(where + ": " + what, status, partial, null);
        }
        Duration sleep = wait;
        if (status == 429 && retryAfter != null) {
            Duration asked = retryAfter(retryAfter);
            if (asked != null) {
                if (asked.compareTo(maxRetryWait) > 0) {
                    throw new ChatException(where + ": " + what + " (rate limited; the server asks to wait "
                            + asked.toSeconds() + "s, more than max_retry_wait " + maxRetryWait.toSeconds() + "s)",
                            status, partial, null);
                }
                sleep = asked;
            }
        }
        if (attempt >= retries) {
            throw new ChatException(where + ": " + what + (retries > 0 ? " (after " + (attempt + 1) + " tries)"
                    : ""), status, partial, null);
        }
        LOG.warn("{}: {}; retrying in {} ms", where, what, sleep.toMillis());
        Thread.sleep(sleep.toMillis());
        return wait.multipliedBy(2);
    }

    /** {@code Retry-After}: seconds or an HTTP date; {@code null} when unreadable. */
    static Duration retryAfter(String v) {
        String t = v.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(t)));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(Instant.now(), ZonedDateTime.parse(t,
                        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ignored) {
                return null;
            }
        }
    }

    private HttpRequest request(byte[] body, boolean stream) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (!apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    private byte[] body(List<ChatMessage> messages, boolean stream) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        ArrayNode arr = o.putArray("messages");
        for (ChatMessage m : messages) {
            arr.addObject().put("role", m.role()).put("content", m.content());
        }
        if (stream) {
            o.put("stream", true);
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > MAX_ANSWER) {
                throw new IOException("an answer larger than " + (MAX_ANSWER >> 20) + " MiB");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** The server's error message ({@code {"error": {"message": ...}}} or the body's start), key removed. */
    private String errorText(byte[] body) {
        try {
            return errorText(JSON.readTree(body));
        } catch (IOException e) {
            return scrub(new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8));
        }
    }

    private String errorText(JsonNode root) {
        if (root == null) {
            return "";
        }
        JsonNode e = root.get("error");
        String text = e == null ? root.toString() : e.isTextual() ? e.asText() : e.path("message").asText(e.toString());
        return scrub(text);
    }

    /** Text from the server, made one short line without the key (some APIs echo part of a refused key). */
    private String scrub(String text) {
        String t = text.replaceAll("[\\p{Cntrl}]+", " ").trim();
        if (!apiKey.isEmpty()) {
            t = t.replace(apiKey, "***");
            if (apiKey.length() >= 8) {
                t = t.replace(apiKey.substring(apiKey.length() - 4), "****"); // a masked key shows its last four
            }
        }
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    private String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "cannot connect" + (m == null || m.isBlank() ? "" : " (" + scrub(m) + ")");
        }
        return scrub(e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m));
    }

    /** Stops the stream watchdog; calls in progress end as they are. */
    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
