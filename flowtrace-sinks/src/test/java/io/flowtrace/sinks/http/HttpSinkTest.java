package io.flowtrace.sinks.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.sinks.testing.LogCapture;
import io.flowtrace.sinks.testing.TestHttpServer;
import io.flowtrace.sinks.testing.TestHttpServer.Answer;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static io.flowtrace.sinks.testing.TestRecords.idsOf;
import static io.flowtrace.testkit.frames.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpSinkTest {
    private TestHttpServer server;
    /** Time as the sink sees it: moves only when the sink pauses or the test says so. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Long> pauses = new CopyOnWriteArrayList<>();
    private final Clock wall = Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);
    /** Runs at every pause, before time moves on: lets a test change the server between attempts. */
    private Runnable onPause = () -> { };

    @BeforeEach
    void startServer() throws IOException {
        server = new TestHttpServer();
    }

    @AfterEach
    void stopServer() {
        server.stop();
    }

    private HttpSink sink(String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("url", server.uri("/ingest").toString());
        values.put("timeout", "2s");
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        Pause pause = nanos -> {
            pauses.add(nanos);
            onPause.run();
            now.addAndGet(nanos);
        };
        return new HttpSink("http", HttpSinkProvider.settings(new PluginConfig("sink 'http'", values)), pause,
                now::get, wall);
    }

    /** Flow ids in the bodies the server accepted, in arrival order. */
    private List<String> receivedIds() {
        List<String> ids = new ArrayList<>();
        for (TestHttpServer.Received r : server.received()) {
            String body = r.body().strip();
            if (body.startsWith("[")) {
                for (JsonNode n : TestRecords.parse(body)) {
                    ids.add(n.get("flow_id").asText());
                }
            } else {
                ids.addAll(TestRecords.flowIds(List.of(body.split("\n"))));
            }
        }
        return ids;
    }

    @Test
    void singleFormatPostsOneJsonObjectPerRecordAsTheSensorDid() {
        HttpSink sink = sink("format", "single");
        List<FlowEvent> records = TestRecords.records(0, 5);
        for (FlowEvent r : records) {
            sink.accept(r);
        }
        sink.close();
        assertEquals(5, server.received().size());
        TestHttpServer.Received first = server.received().get(0);
        assertEquals("/ingest", first.path());
        assertEquals("application/json", first.header("Content-Type"));
        JsonNode n = TestRecords.parse(first.body());
        assertTrue(n.isObject());
        assertEquals(records.get(0).flowId(), n.get("flow_id").asText());
        assertEquals(idsOf(records), receivedIds());
        assertEquals(5L, sink.counters().get("sent"));
    }

    @Test
    void fullBatchesGoAtOnceAndThePartialOneWhenItsIntervalHasPassed() {
        HttpSink sink = sink("batch", "100", "interval", "5s");
        List<FlowEvent> records = TestRecords.records(0, 250);
        for (FlowEvent r : records) {
            sink.accept(r);
        }
        assertEquals(2, server.received().size());
        assertEquals(100, TestRecords.parse(server.received().get(0).body()).size());
        sink.flush();
        assertEquals(2, server.received().size(), "the partial batch waits for its interval");
        assertEquals(50, sink.pending());
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        sink.flush();
        assertEquals(3, server.received().size());
        assertEquals(idsOf(records), receivedIds());
        sink.close();
        assertEquals(3, server.received().size(), "nothing left to send on close");
    }

    @Test
    void zeroIntervalSendsWhateverIsWaitingWhenTheQueueRunsEmpty() {
        HttpSink sink = sink("interval", "0");
        sink.accept(TestRecords.record(1));
        sink.accept(TestRecords.record(2));
        assertEquals(0, server.received().size(), "a record is sent with the next flush, not alone");
        sink.flush();
        assertEquals(1, server.received().size());
        assertEquals(2, TestRecords.parse(server.received().get(0).body()).size());
    }

    @Test
    void closeSendsThePartialBatch() {
        HttpSink sink = sink("batch", "1000", "interval", "1h");
        List<FlowEvent> records = TestRecords.records(0, 10);
        records.forEach(sink::accept);
        assertEquals(0, server.received().size());
        sink.close();
        assertEquals(idsOf(records), receivedIds());
    }

    @Test
    void ndjsonBatchesAreGzippedWithTheHeadersAndTokenGiven() {
        HttpSink sink = sink("format", "ndjson", "batch", "20", "gzip", "on", "token", "s3cret",
                "header.X-Sensor", "edge-1");
        List<FlowEvent> records = TestRecords.records(0, 40);
        records.forEach(sink::accept);
        assertEquals(2, server.received().size());
        TestHttpServer.Received r = server.received().get(0);
        assertEquals("application/x-ndjson", r.header("Content-Type"));
        assertEquals("gzip", r.header("Content-Encoding"));
        assertEquals("Bearer s3cret", r.header("Authorization"));
        assertEquals("edge-1", r.header("X-Sensor"));
        assertEquals(20, r.body().strip().split("\n").length);
        assertEquals(idsOf(records), receivedIds());
    }

    @Test
    void snapshotsArePostedAloneToTheSnapshotUrl() {
        HttpSink sink = sink("snapshot-url", server.uri("/snapshots").toString());
        sink.accept(TestRecords.snapshot("top"));
        assertEquals(1, server.received().size());
        assertEquals("/snapshots", server.received().get(0).path());
        assertEquals("top", TestRecords.parse(server.received().get(0).body()).get("task").asText());
    }

    @Test
    void clientErrorIsNotRetriedAndIsReportedWithTheFirstLineOfTheAnswer() {
        server.script(Answer.body(400, "field 'protocol' is unknown\nsecond line"));
        HttpSink sink = sink("batch", "10");
        TestRecords.records(0, 10).forEach(sink::accept);
        assertEquals(1, server.requests());
        assertEquals(List.of(), pauses);
        assertEquals(10L, sink.counters().get("failed"));
        assertEquals(0L, sink.counters().get("retried"));
        String error = sink.lastError();
        assertTrue(error.contains("HTTP 400: field 'protocol' is unknown (not retried)"), error);
        assertFalse(error.contains("second line"), error);
    }

    @Test
    void tooManyRequestsIsRetriedAfterTheServersRetryAfterInSecondsOrAsADate() {
        String inTwoSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(wall.instant().plusSeconds(2)
                .atZone(ZoneOffset.UTC));
        server.script(Answer.retryAfter(429, "3"), Answer.retryAfter(503, inTwoSeconds));
        HttpSink sink = sink("format", "single");
        sink.accept(TestRecords.record(7));
        assertEquals(List.of(3_000_000_000L, 2_000_000_000L), pauses);
        assertEquals(List.of(TestRecords.record(7).flowId()), receivedIds());
        assertEquals(2L, sink.counters().get("retried"));
        assertEquals(3L, sink.counters().get("requests"));
        assertNull(sink.lastError());
    }

    @Test
    void backoffDoublesWithJitterUntilTheBudgetIsUsedUp() {
        for (int i = 0; i < 100; i++) {
            server.script(Answer.status(500));
        }
        HttpSink sink = sink("format", "single", "backoff", "100ms", "backoff-max", "800ms", "retry-budget", "3s");
        sink.accept(TestRecords.record(1));
        long[] steps = {100, 200, 400, 800, 800, 800, 800};
        long total = 0;
        for (int i = 0; i < pauses.size(); i++) {
            long step = Duration.ofMillis(steps[Math.min(i, steps.length - 1)]).toNanos();
            long p = pauses.get(i);
            assertTrue(p >= step / 2 && p <= step, "pause " + i + " = " + p + " ns, step " + step);
            total += p;
        }
        assertTrue(total <= Duration.ofSeconds(3).toNanos(), "total " + total);
        assertTrue(pauses.size() >= 4, "pauses " + pauses);
        assertEquals(1L, sink.counters().get("failed"));
        assertEquals(pauses.size() + 1, server.requests());
        assertContainsAll(sink.lastError(), "HTTP 500", "retry budget");
    }

    @Test
    void retryAfterLongerThanTheBudgetGivesUpAtOnce() {
        server.script(Answer.retryAfter(503, "120"));
        HttpSink sink = sink("format", "single", "retry-budget", "60s");
        sink.accept(TestRecords.record(1));
        assertEquals(List.of(), pauses);
        assertEquals(1L, sink.counters().get("failed"));
    }

    @Test
    void endpointThatIsDownThenFailsThenStallsThenRecoversGetsEveryRecordOnce() {
        // down at the start: nothing listens on the port
        server.stop();
        // while the sink waits to retry for the second time, the endpoint comes back but is not well yet
        onPause = () -> {
            if (pauses.size() == 2) {
                try {
                    server.script(Answer.retryAfter(503, "1"), Answer.status(503), Answer.stall(),
                            Answer.status(502));
                    server.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        HttpSink sink = sink("batch", "100", "timeout", "2s", "retry-budget", "5m");
        List<FlowEvent> records = TestRecords.records(0, 1000);
        records.forEach(sink::accept);
        sink.close();
        assertEquals(idsOf(records), receivedIds());
        Map<String, Long> c = sink.counters();
        assertEquals(1000L, c.get("sent"));
        assertEquals(0L, c.get("failed"));
        // two refused connections, 503 (Retry-After), 503, a timed-out request, 502, then ten good batches
        assertEquals(6L, c.get("retried"));
        assertEquals(16L, c.get("requests"));
        assertTrue(pauses.contains(1_000_000_000L), "Retry-After honoured: " + pauses);
    }

    /**
     * At least once, and said so: the server takes the request but its answer never comes; the sink times out and
     * sends it again, so the record arrives twice, and the repeat is counted as a retry (receivers deduplicate on
     * flow_id).
     */
    @Test
    void aRequestWhoseAnswerIsLostIsSentAgainAndCountedAsRetried() {
        server.script(Answer.takeThenStall());
        HttpSink sink = sink("format", "single", "timeout", "2s", "retry-budget", "1m");
        FlowEvent r = TestRecords.record(7);
        sink.accept(r);
        sink.close();
        assertEquals(List.of(r.flowId(), r.flowId()), receivedIds());
        Map<String, Long> c = sink.counters();
        assertEquals(1L, c.get("sent"));
        assertEquals(1L, c.get("retried"));
        assertEquals(2L, c.get("requests"));
    }

    @Test
    void settingsAreCheckedTogether() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("url", "ftp://example.com/x");
        bad.put("format", "single");
        bad.put("batch", "50");
        bad.put("header.Bad Name", "x");
        bad.put("backoff", "10s");
        bad.put("backoff-max", "1s");
        bad.put("retries", "3");
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> HttpSinkProvider.settings(new PluginConfig("sink 'http'", bad)));
        String m = e.getMessage();
        assertTrue(m.startsWith("sink 'http': "), m);
        assertContainsAll(m, "url: 'ftp://example.com/x'", "batch: 50", "'Bad Name' is not a valid header name",
                "backoff (PT10S) must not exceed backoff-max (PT1S)", "unknown key 'retries'");
    }

    @Test
    void firstLineIsTrimmedAndBounded() {
        assertEquals("", HttpSink.firstLine(new byte[0]));
        assertEquals(": oops", HttpSink.firstLine("  oops \r\nmore".getBytes()));
        assertEquals(2 + 200 + 3, HttpSink.firstLine("x".repeat(500).getBytes()).length());
    }

    private HttpSink sinkTo(String url, String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("url", url);
        values.put("timeout", "2s");
        values.put("retry-budget", "0");
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new HttpSink("http", HttpSinkProvider.settings(new PluginConfig("sink 'http'", values)),
                nanos -> now.addAndGet(nanos), now::get, wall);
    }

    @Test
    void userInformationInTheUrlIsSentAsBasicAuthAndNeverShown() throws Exception {
        // user 'sensor', password 'p@ss:wörd' (percent-encoded in the URL), and a key in the query
        String url = "http://sensor:p%40ss%3Aw%C3%B6rd@127.0.0.1:" + server.uri("").getPort()
                + "/ingest?api_key=k123";
        try (LogCapture log = new LogCapture()) {
            HttpSink sink = sinkTo(url, "format", "single");
            sink.accept(TestRecords.record(1));
            TestHttpServer.Received got = server.received().get(0);
            String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(
                    "sensor:p@ss:wörd".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(expected, got.header("Authorization"));
            assertEquals("/ingest", got.path());
            assertEquals("api_key=k123", got.query(), "the query is sent: it may be how the receiver authenticates");
            assertEquals(1L, sink.counters().get("sent"));

            server.script(Answer.body(401, "no"));
            sink.accept(TestRecords.record(2));
            String shown = "POST http://127.0.0.1:" + server.uri("").getPort() + "/ingest: HTTP 401: no";
            assertTrue(sink.lastError().startsWith(shown), sink.lastError());
            assertTrue(log.text().contains(shown), log.text());
            for (String text : List.of(sink.lastError(), log.text(), String.valueOf(sink),
                    HttpSinkProvider.settings(new PluginConfig("sink 'http'", Map.of("url", url))).toString())) {
                for (String secret : List.of("sensor", "p%40ss", "p@ss", "w%C3", "k123", "api_key")) {
                    assertFalse(text.contains(secret), secret + " in: " + text);
                }
            }
        }
    }

    @Test
    void aUserWithoutPasswordIsSentWithAnEmptyPassword() {
        HttpSink sink = sinkTo("http://sensor@127.0.0.1:" + server.uri("").getPort() + "/ingest", "format", "single");
        sink.accept(TestRecords.record(1));
        assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("sensor:".getBytes()),
                server.received().get(0).header("Authorization"));
    }

    @Test
    void configurationErrorsShowNoUserInformationOrQuery() {
        for (String url : List.of("ftp://u:s3cret@example.com/x?api_key=k123", "http://u:s3cret@exa mple.com/?k123",
                "http://u:s3cret%zz@example.com/x?api_key=k123", "http://u:s3/cret@example.com/x?api_key=k123")) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> HttpSinkProvider.settings(new PluginConfig("sink 'http'", Map.of("url", url))), url);
            assertFalse(e.getMessage().contains("s3cret") || e.getMessage().contains("k123")
                    || e.getMessage().contains("cret"), e.getMessage());
            assertTrue(e.getMessage().contains("url: '"), e.getMessage());
        }
        ConfigurationException both = assertThrows(ConfigurationException.class,
                () -> HttpSinkProvider.settings(new PluginConfig("sink 'http'",
                        Map.of("url", "http://u:p@example.com/", "token", "t"))));
        assertTrue(both.getMessage().contains("url: has a user and password, and token sets Authorization too"),
                both.getMessage());
    }

    @Test
    void controlCharactersInAnAnswerAreEscapedBeforeTheyReachTheLog() throws Exception {
        try (LogCapture log = new LogCapture()) {
            HttpSink sink = sinkTo(server.uri("/ingest").toString(), "format", "single");
            server.script(Answer.body(403, "denied\u001b[2J\rINFO all good\u0085 see http://h/?token=t9\nsecond"));
            sink.accept(TestRecords.record(1));
            String want = "HTTP 403: denied\\u001b[2J\\rINFO all good\\u0085 see http://h/ (not retried)";
            assertTrue(sink.lastError().endsWith(want), sink.lastError());
            assertTrue(log.text().contains(want), log.text());
            for (char c : new char[] {'\u001b', '\r', '\u0085'}) {
                assertEquals(-1, log.text().indexOf(c), "raw control character " + (int) c + " in the log");
            }
            assertFalse(log.text().contains("t9"), log.text());
        }
    }
}
