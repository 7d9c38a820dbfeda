/**
 * flowtrace sinks: {@code file} and {@code stdout} (NDJSON, CSV), {@code http} (JSON over HTTP with batching and
 * retries), {@code nats} (core NATS or JetStream) and {@code ipfix} (IPFIX or NetFlow v9 to a flow collector). Each
 * is found by name through {@link io.flowtrace.core.spi.SinkProvider}; only the providers are public. Also the packet
 * tee ({@link io.flowtrace.sinks.file.PacketTee}), a raw frame tap that keeps the packets in rotating pcap, pcapng or
 * text files through the file sink's writer.
 */
@SuppressWarnings("requires-automatic") // jnats publishes no module descriptor (see the requires below)
module io.flowtrace.sinks {
    requires transitive io.flowtrace.core; // the providers' signatures use core's types
    requires com.fasterxml.jackson.core;
    requires org.slf4j;
    requires java.net.http;
    requires io.nats.jnats; // an automatic module: its name is the jar's Automatic-Module-Name, stable across versions

    exports io.flowtrace.sinks.file;
    exports io.flowtrace.sinks.http;
    exports io.flowtrace.sinks.nats;
    exports io.flowtrace.sinks.ipfix;
    exports io.flowtrace.sinks.internal to io.flowtrace.examples, io.flowtrace.alert; // the agent's start line redacts URLs alike; the alert webhook posts as the http sink does

    provides io.flowtrace.core.spi.SinkProvider with
            io.flowtrace.sinks.file.FileSinkProvider,
            io.flowtrace.sinks.file.StdoutSinkProvider,
            io.flowtrace.sinks.http.HttpSinkProvider,
            io.flowtrace.sinks.nats.NatsSinkProvider,
            io.flowtrace.sinks.ipfix.IpfixSinkProvider;
}
