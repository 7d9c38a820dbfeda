package io.flowtrace.sinks.http;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestHttpServer;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The contract for the HTTP sink in the sensor's one-object-per-request form, against a real server. */
class HttpSingleSinkContractTest extends SinkContractTest {
    private TestHttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = new TestHttpServer();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Override
    protected int bulkEvents() {
        return 1_000; // one request each
    }

    /** A POST whose answer was lost is sent again (HttpSink: at least once, counted as retried). */
    @Override
    protected boolean atLeastOnce() {
        return true;
    }

    @Override
    protected Sink createSink() {
        return new HttpSinkProvider().create(new PluginConfig("sink 'http'",
                Map.of("url", server.uri("/ingest").toString(), "format", "single")));
    }

    @Override
    protected List<String> deliveredIds() {
        List<String> ids = new ArrayList<>();
        for (TestHttpServer.Received r : server.received()) {
            var n = TestRecords.parse(r.body());
            if (n.has("flow_id")) {
                ids.add(n.get("flow_id").asText());
            }
        }
        return ids;
    }
}
