package io.flowtrace.sinks.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestHttpServer;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contract for the HTTP sink against a real server, in each request form (the nested classes). A POST whose
 * answer was lost is sent again, so both deliver at least once (counted as retried).
 */
class HttpSinkContractTest {
    private TestHttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = new TestHttpServer();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private Sink sink(String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("url", server.uri("/ingest").toString());
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new HttpSinkProvider().create(new PluginConfig("sink 'http'", values));
    }

    /** The flow ids of every request body, an array of records or one record; snapshots are left out. */
    private List<String> deliveredIds() {
        List<String> ids = new ArrayList<>();
        for (TestHttpServer.Received r : server.received()) {
            JsonNode body = TestRecords.parse(r.body());
            for (JsonNode n : body.isArray() ? body : List.of(body)) {
                if (n.has("flow_id")) {
                    ids.add(n.get("flow_id").asText());
                }
            }
        }
        return ids;
    }

    /** What both forms share: the server, and delivery at least once. */
    abstract class OverHttp extends SinkContractTest {
        @Override
        protected boolean atLeastOnce() {
            return true;
        }

        @Override
        protected List<String> deliveredIds() {
            return HttpSinkContractTest.this.deliveredIds();
        }
    }

    /** The default form: batches as a JSON array. */
    @Nested
    class Batched extends OverHttp {
        @Override
        protected Sink createSink() {
            return sink("batch", "100", "interval", "50ms");
        }
    }

    /** The sensor's form: one object per request. */
    @Nested
    class Single extends OverHttp {
        @Override
        protected int bulkEvents() {
            return 1_000; // one request each
        }

        @Override
        protected Sink createSink() {
            return sink("format", "single");
        }
    }
}
