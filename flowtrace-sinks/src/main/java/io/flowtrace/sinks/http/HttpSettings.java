package io.flowtrace.sinks.http;

import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.EventFormat;
import io.flowtrace.sinks.internal.HttpPost;

import java.time.Duration;
import java.util.Map;

/**
 * The validated settings of one HTTP sink (see {@link HttpSinkProvider} for their meaning).
 *
 * @param format      {@code array}, {@code ndjson} or {@code single}
 * @param batch       records per request (1 for {@code single})
 * @param interval    longest time a record waits in a partial batch; zero sends whenever the queue runs empty
 * @param headers     extra request headers, in order
 * @param eventFormat flowtrace's form of events or the sensor's
 */
record HttpSettings(HttpPost.Endpoint url, HttpPost.Endpoint snapshotUrl, String format, int batch, Duration interval, boolean gzip,
                    Map<String, String> headers, Duration connectTimeout, Duration timeout, Backoff backoff,
                    boolean http2, EventFormat eventFormat) {

    boolean single() {
        return "single".equals(format);
    }

    boolean array() {
        return "array".equals(format);
    }

    /** {@return never prints the headers (they may hold a token) nor the URLs' secrets} */
    @Override
    public String toString() {
        return "HttpSettings[" + url + " " + format + "]";
    }

    String contentType() {
        return "ndjson".equals(format) ? "application/x-ndjson" : "application/json";
    }
}
