package io.flowtrace.sinks.http;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.BufferingSink;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;
import io.flowtrace.sinks.internal.HttpPost;
import io.flowtrace.sinks.internal.JsonLines;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.sinks.internal.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * POSTs records as JSON: one object per request ({@code single}, as the sensor did), or batches as a JSON array
 * or NDJSON, sent when {@code batch} records are waiting or the oldest has waited {@code interval}. A request is
 * retried on connection errors, timeouts, 5xx and 429, with jittered exponential backoff (or the server's
 * {@code Retry-After}) within the retry budget; any other status is final and reported with the first line of
 * the response body. Delivery is at least once: a request that timed out may have been processed, and is sent
 * again ({@code flow_id} identifies duplicates).
 *
 * <p>Records a batch could not deliver are counted in {@code failed}, not thrown, so that the pipeline's own
 * {@code failed} counter (one per throwing call) is not confused with records; see {@link #counters()}.
 * Called from one delivery thread; counters may be read from any thread.
 */
final class HttpSink implements JsonEncodedSink, BufferingSink {

    /** Per sink: one failing endpoint does not silence another's problems. */
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(HttpSink.class));
    private final String name;
    private final HttpSettings s;
    private final Pause pause;
    private final LongSupplier nanoTime;
    private final Clock wallClock;

    private final JsonLines batchJson;
    private final JsonLines oneJson;
    private final ByteBuf gzipped = new ByteBuf(16 * 1024);
    private int pending;
    private long firstPendingNanos;
    private volatile String lastError;

    private final HttpPost poster;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    HttpSink(String name, HttpSettings settings, Pause pause, LongSupplier nanoTime, Clock wallClock) {
        this.name = name;
        this.s = settings;
        this.pause = pause;
        this.nanoTime = nanoTime;
        this.wallClock = wallClock;
        this.batchJson = new JsonLines(new ByteBuf(64 * 1024), settings.eventFormat().sensor());
        this.oneJson = new JsonLines(new ByteBuf(1024), settings.eventFormat().sensor());
        Supplier<HttpClient> client = () -> HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .version(settings.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.poster = new HttpPost(client, settings.timeout(), settings.headers(), settings.backoff(), pause, nanoTime,
                wallClock);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent record) {
        accept(record, null);
    }

    @Override
    public boolean acceptsJson() {
        return !s.eventFormat().sensor();
    }

    @Override
    public void accept(FlowEvent record, byte[] json) {
        if (!s.eventFormat().admits(record)) {
            return;
        }
        if (s.single()) {
            ByteBuf b = oneJson.buffer();
            b.reset();
            oneJson.append(record, json);
            post(s.url(), b, 1, "application/json");
            return;
        }
        ByteBuf b = batchJson.buffer();
        if (pending == 0) {
            b.reset();
            firstPendingNanos = nanoTime.getAsLong();
            if (s.array()) {
                b.write('[');
            }
        } else if (s.array()) {
            b.write(',');
        }
        batchJson.append(record, json);
        if (!s.array()) {
            b.write('\n');
        }
        pending++;
        if (pending >= s.batch() || (!s.interval().isZero() && due())) {
            sendPending();
        }
    }

    /** Snapshots are rare: each goes alone, as one JSON object, to the snapshot URL. */
    @Override
    public void accept(Snapshot snapshot) {
        ByteBuf b = oneJson.buffer();
        b.reset();
        oneJson.append(snapshot);
        post(s.snapshotUrl(), b, 1, "application/json");
    }

    /** Sends the partial batch once its oldest record has waited the interval (at once when the interval is 0). */
    @Override
    public void flush() {
        if (pending > 0 && due()) {
            sendPending();
        }
    }

    /** A batch waiting for its interval. */
    @Override
    public boolean holdsEvents() {
        return pending > 0;
    }

    /** Sends whatever is waiting, with retries, then lets the client go. */
    @Override
    public void close() {
        if (pending > 0) {
            sendPending();
        }
    }

    /**
     * {@code requests} made, {@code retried} requests, records (and snapshots) {@code sent} with a 2xx answer, and
     * records {@code failed}: refused with a final status, or still failing when the retry budget ran out.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("requests", poster.requests());
        m.put("retried", poster.retried());
        m.put("sent", sent.get());
        m.put("failed", failed.get());
        return s.eventFormat().addTo(m);
    }

    /** Records waiting in the current batch. */
    int pending() {
        return pending;
    }

    /** The last delivery problem, or {@code null}. */
    String lastError() {
        return lastError;
    }

    private boolean due() {
        return nanoTime.getAsLong() - firstPendingNanos >= s.interval().toNanos();
    }

    private void sendPending() {
        ByteBuf b = batchJson.buffer();
        if (s.array()) {
            b.write(']');
        }
        int n = pending;
        pending = 0;
        post(s.url(), b, n, s.contentType());
    }

    /** Posts {@code body} with retries; counts {@code items} as sent or failed. Returns whether it was sent. */
    private boolean post(HttpPost.Endpoint url, ByteBuf body, int items, String contentType) {
        ByteBuf payload = body;
        if (s.gzip()) {
            payload = gzip(body);
        }
        String problem = poster.post(url, payload.array(), payload.size(), contentType, s.gzip() ? "gzip" : null);
        if (problem == null) {
            sent.addAndGet(items);
            return true;
        }
        return giveUp(url, items, problem);
    }

    private boolean giveUp(HttpPost.Endpoint url, int items, String problem) {
        failed.addAndGet(items);
        lastError = "POST " + url + ": " + problem; // the endpoint prints without user information or query
        log.warn("sink '" + name + "': " + items + " item(s) not delivered: " + lastError);
        return false;
    }

    private ByteBuf gzip(ByteBuf body) {
        gzipped.reset();
        try (GZIPOutputStream z = new GZIPOutputStream(gzipped, 8192)) {
            z.write(body.array(), 0, body.size());
        } catch (IOException e) {
            throw new AssertionError(e); // in memory
        }
        return gzipped;
    }

    /** The first line of a response body, as {@link HttpPost#firstLine} gives it. */
    static String firstLine(byte[] body) {
        return HttpPost.firstLine(body);
    }
}
