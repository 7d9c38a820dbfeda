/** The flowtrace agent and command line, and an example aggregator plugin. */
module io.flowtrace.examples {
    requires transitive io.flowtrace.core; // the example plugin's signatures use core's types
    requires io.flowtrace.capture;
    requires io.flowtrace.sketch;
    requires io.flowtrace.sinks;
    requires io.flowtrace.query;
    requires io.flowtrace.alert;
    requires io.flowtrace.cluster;
    requires java.net.http;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.slf4j;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.exporter.httpserver;
    requires io.prometheus.metrics.instrumentation.jvm;
    requires jdk.httpserver;
    requires java.management;
    requires jdk.unsupported; // sun.misc.Signal: the agent exits 0 after flushing on SIGTERM/SIGINT

    exports io.flowtrace.examples;
    exports io.flowtrace.examples.plugin;
    exports io.flowtrace.examples.metrics to java.management; // the MXBean interface is read reflectively

    provides io.flowtrace.core.spi.AggregatorProvider with io.flowtrace.examples.plugin.ProtocolMixAggregatorProvider;
}
