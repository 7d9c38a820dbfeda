/**
 * flowtrace sinks: {@code file} and {@code stdout} (NDJSON, CSV), {@code http} (JSON over HTTP with batching and
 * retries) and {@code nats} (core NATS or JetStream). Each is found by name through
 * {@link io.flowtrace.core.spi.SinkProvider}; only the providers are public.
 */
module io.flowtrace.sinks {
    requires io.flowtrace.core;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;
    requires java.net.http;
    requires io.nats.jnats;

    exports io.flowtrace.sinks.file;
    exports io.flowtrace.sinks.http;
    exports io.flowtrace.sinks.nats;

    provides io.flowtrace.core.spi.SinkProvider with
            io.flowtrace.sinks.file.FileSinkProvider,
            io.flowtrace.sinks.file.StdoutSinkProvider,
            io.flowtrace.sinks.http.HttpSinkProvider,
            io.flowtrace.sinks.nats.NatsSinkProvider;
}
