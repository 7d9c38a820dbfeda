package io.flowtrace.sinks.http;

import io.flowtrace.sinks.internal.Backoff;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The validated settings of one HTTP sink (see {@link HttpSinkProvider} for their meaning).
 *
 * @param format      {@code array}, {@code ndjson} or {@code single}
 * @param batch       records per request (1 for {@code single})
 * @param interval    longest time a record waits in a partial batch; zero sends whenever the queue runs empty
 * @param headers     extra request headers, in order
 */
record HttpSettings(URI url, URI snapshotUrl, String format, int batch, Duration interval, boolean gzip,
                    Map<String, String> headers, Duration connectTimeout, Duration timeout, Backoff backoff,
                    boolean http2) {

    boolean single() {
        return "single".equals(format);
    }

    boolean array() {
        return "array".equals(format);
    }

    String contentType() {
        return "ndjson".equals(format) ? "application/x-ndjson" : "application/json";
    }
}
