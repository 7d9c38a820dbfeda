/**
 * flowtrace testkit, for the tests of plugin authors and of flowtrace itself: contract test kits (JUnit 5 classes to
 * extend) for sinks, aggregators and packet sources, frame and capture-file builders, and the synthetic capture
 * generator with its ground truth, real clickhouse-server and nats-server processes, a real SMTP server (aiosmtpd)
 * and a scripted chat-completions server, for the tests that need them.
 */
module io.flowtrace.testkit {
    requires transitive io.flowtrace.core;
    requires transitive org.junit.jupiter.api;
    requires java.net.http; // ClickHouseServer waits for /ping and runs statements
    requires jdk.httpserver; // ChatCompletionsServer

    exports io.flowtrace.testkit;
    exports io.flowtrace.testkit.frames;
    exports io.flowtrace.testkit.synth;

    // JUnit calls the kits' test and lifecycle methods reflectively
    opens io.flowtrace.testkit to org.junit.platform.commons;
}
