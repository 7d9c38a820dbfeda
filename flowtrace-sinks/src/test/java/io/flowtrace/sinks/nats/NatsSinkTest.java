package io.flowtrace.sinks.nats;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.sinks.testing.LogCapture;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.sinks.testing.TestRecords;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.flowtrace.sinks.testing.TestRecords.idsOf;
import static io.flowtrace.testkit.frames.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NatsSinkTest {
    @TempDir
    Path dir;

    private NatsServerProcess server;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private NatsSink sink(String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("url", server.url());
        values.put("reconnect-wait", "50ms");
        values.put("ack-timeout", "1s");
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        NatsSink sink = new NatsSink("nats", NatsSinkProvider.settings(new PluginConfig("sink 'nats'", values)),
                Pause.SLEEP, System::nanoTime);
        toClose.add(sink);
        return sink;
    }

    private Connection client() throws Exception {
        Connection c = Nats.connect(new io.nats.client.Options.Builder().server(server.url())
                .reconnectWait(Duration.ofMillis(50)).maxReconnects(-1)
                .errorListener(new io.nats.client.ErrorListener() { }).build());
        toClose.add(c);
        return c;
    }

    /** A file-stored stream capturing {@code flows.>}, which survives a server restart. */
    private JetStreamManagement stream(Connection c) throws Exception {
        JetStreamManagement jsm = c.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("FLOWS").subjects("flows.>")
                .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(10)).build());
        return jsm;
    }

    /**
     * Every message in the stream: flow ids in stream order, checking each Nats-Msg-Id header. Core NATS
     * publishes are stored asynchronously, so this first waits (up to 10 s) for the count to reach
     * {@code expected}.
     */
    private List<String> storedIds(JetStreamManagement jsm, int expected) throws Exception {
        awaitUntil(10, () -> jsm.getStreamInfo("FLOWS").getStreamState().getMsgCount() >= expected);
        long count = jsm.getStreamInfo("FLOWS").getStreamState().getMsgCount();
        List<String> ids = new ArrayList<>();
        long first = jsm.getStreamInfo("FLOWS").getStreamState().getFirstSequence();
        for (long seq = first; seq < first + count; seq++) {
            MessageInfo m = jsm.getMessage("FLOWS", seq);
            ids.add(flowId(m.getData(), m.getHeaders(), "message " + seq));
        }
        return ids;
    }

    /** A subscription of the test's own client, known to the server when this returns. */
    private Subscription subscribe(String subjects) throws Exception {
        Connection c = client();
        Subscription sub = c.subscribe(subjects);
        c.flush(Duration.ofSeconds(5));
        return sub;
    }

    /** The next {@code n} messages, each waited for up to 5 s. */
    private static List<Message> receive(Subscription sub, int n) throws InterruptedException {
        List<Message> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "message " + i);
            got.add(m);
        }
        return got;
    }

    /** The flow ids of record messages, each checked against its message's Nats-Msg-Id. */
    private static List<String> flowIds(List<Message> messages) {
        List<String> ids = new ArrayList<>();
        for (Message m : messages) {
            ids.add(flowId(m.getData(), m.getHeaders(), "message " + ids.size()));
        }
        return ids;
    }

    private static String flowId(byte[] body, Headers headers, String what) {
        String id = json(body).get("flow_id").asText();
        assertEquals(id, headers.getFirst(NatsSink.MSG_ID), "Nats-Msg-Id of " + what);
        return id;
    }

    private static JsonNode json(byte[] body) {
        return TestRecords.parse(new String(body, StandardCharsets.UTF_8));
    }

    /** Polls until {@code done} holds or {@code seconds} have passed; the caller then checks what it waited for. */
    private static void awaitUntil(int seconds, Condition done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.holds() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void acceptAll(NatsSink sink, List<FlowEvent> records) throws InterruptedException {
        for (FlowEvent r : records) {
            sink.accept(r);
        }
    }

    /** The named counters of the sink have these values (the others are not checked). */
    private static void assertCounters(NatsSink sink, Map<String, Long> expected) {
        Map<String, Long> counters = sink.counters();
        Map<String, Long> got = new LinkedHashMap<>();
        expected.keySet().forEach(k -> got.put(k, counters.get(k)));
        assertEquals(expected, got, "counters " + counters);
    }

    @Test
    void coreNatsPublishesEachRecordAsJsonToItsTemplatedSubjectWithTheFlowIdHeader() throws Exception {
        server = new NatsServerProcess(dir, false);
        Subscription sub = subscribe("flows.>");
        NatsSink sink = sink("subject", "flows.{interface}.{protocol}.{src_ip}");
        List<FlowEvent> records = TestRecords.records(0, 100);
        acceptAll(sink, records);
        sink.accept(TestRecords.snapshot("top"));
        sink.flush();
        List<Message> got = receive(sub, records.size());
        assertEquals("flows.eth0.UDP.10_0_0_3", got.get(3).getSubject());
        TestRecords.assertSameIds(records, flowIds(got), "received");
        assertCounters(sink, Map.of("published", 101L, "confirmed", 101L, "at-risk", 0L));
    }

    @Test
    void snapshotsGoToTheSnapshotSubject() throws Exception {
        server = new NatsServerProcess(dir, false);
        Subscription sub = subscribe("snapshots.>");
        NatsSink sink = sink();
        sink.accept(TestRecords.snapshot("per_src"));
        sink.flush();
        Message m = receive(sub, 1).get(0);
        assertEquals("snapshots.per_src", m.getSubject());
        assertEquals("per_src", json(m.getData()).get("task").asText());
    }

    @Test
    void coreNatsKeepsPublishesMadeWhileTheServerIsDownAndSendsThemAfterTheRestart() throws Exception {
        server = new NatsServerProcess(dir, false);
        Subscription sub = subscribe("flows.>");
        NatsSink sink = sink("subject", "flows.{interface}");
        List<FlowEvent> records = TestRecords.records(0, 1500);
        acceptAll(sink, records.subList(0, 500));
        sink.flush();
        TestRecords.assertSameIds(records.subList(0, 500), flowIds(receive(sub, 500)), "received before the crash");
        server.kill();
        // the client has seen the server go: DISCONNECTED between reconnect attempts, RECONNECTING during one
        awaitUntil(20, () -> sink.status() != Connection.Status.CONNECTED);
        assertTrue(Set.of(Connection.Status.RECONNECTING, Connection.Status.DISCONNECTED).contains(sink.status()),
                "the sink's connection once the server died: " + sink.status());
        // jnats sets the status before it stops its writer (waiting up to 1 s each for reader and writer): a publish
        // in between can still be taken by the writer and go to the dead socket, which core NATS allows
        Thread.sleep(2_000);
        acceptAll(sink, records.subList(500, 1000)); // into the client's reconnect buffer
        server.start();
        acceptAll(sink, records.subList(1000, 1500));
        sink.close();
        // core NATS keeps no messages, so count what the new server process received from clients: nothing but
        // the sink publishes (the test's subscriber only subscribes)
        awaitUntil(10, () -> server.varz("in_msgs") >= 1000); // the server adds up clients' counts in its own time
        assertEquals(1000, server.varz("in_msgs"), "messages the restarted server received");
        assertCounters(sink, Map.of("published", 1500L, "confirmed", 1500L, "at-risk", 0L, "disconnects", 1L,
                "reconnects", 1L));
    }

    @Test
    void jetStreamStoresEveryRecordOnceAcrossAServerCrashMidStream() throws Exception {
        server = new NatsServerProcess(dir, true);
        JetStreamManagement jsm = stream(client());
        NatsSink sink = sink("mode", "jetstream", "subject", "flows.{interface}", "max-pending", "256");
        List<FlowEvent> records = TestRecords.records(0, 3000);
        acceptAll(sink, records.subList(0, 1000));
        // crash with acknowledgements still in flight, keep publishing while it is down (the sink blocks once
        // max-pending acknowledgements are missing), and bring it back from another thread meanwhile
        server.kill();
        java.util.concurrent.CompletableFuture<Void> restart = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(500);
                server.start();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        acceptAll(sink, records.subList(1000, 2000));
        restart.get(60, TimeUnit.SECONDS);
        acceptAll(sink, records.subList(2000, 3000));
        sink.close();
        List<String> stored = storedIds(jsm, records.size());
        assertEquals(3000, stored.size(), "each record stored exactly once");
        assertEquals(new java.util.TreeSet<>(idsOf(records)), new java.util.TreeSet<>(stored));
        assertCounters(sink, Map.of("published", 3000L, "acked", 3000L, "failed", 0L));
    }

    @Test
    void serverDownAtTheStartIsNotAnError() throws Exception {
        server = new NatsServerProcess(dir, true);
        JetStreamManagement jsm = stream(client());
        server.kill();
        NatsSink sink = sink("mode", "jetstream", "subject", "flows.{interface}");
        Thread starter = new Thread(() -> {
            try {
                Thread.sleep(300);
                server.start();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        starter.start();
        List<FlowEvent> records = TestRecords.records(0, 50);
        acceptAll(sink, records);
        sink.close();
        starter.join();
        assertTrue(sink.counters().get("retried") > 0, sink.counters().toString());
        TestRecords.assertSameIds(records, storedIds(jsm, records.size()),
                "stream content, counters " + sink.counters());
    }

    @Test
    void tokenAuthenticationConnectsAndAWrongTokenIsReported() throws Exception {
        server = new NatsServerProcess(dir, false, "--auth", "s3cret");
        NatsSink good = sink("token", "s3cret");
        good.accept(TestRecords.record(1));
        good.flush();
        assertEquals(1L, good.counters().get("confirmed"));
        NatsSink bad = sink("token", "wrong", "connect-timeout", "1s", "retry-budget", "300ms", "backoff", "50ms",
                "backoff-max", "100ms");
        bad.accept(TestRecords.record(1));
        assertEquals(1L, bad.counters().get("failed"));
        assertTrue(bad.lastError().toLowerCase(java.util.Locale.ROOT).contains("authorization"), bad.lastError());
    }

    @Test
    void userAndPasswordAuthenticate() throws Exception {
        server = new NatsServerProcess(dir, false, "--user", "sensor", "--pass", "pw1");
        NatsSink sink = sink("user", "sensor", "password", "pw1");
        sink.accept(TestRecords.record(1));
        sink.flush();
        assertEquals(1L, sink.counters().get("confirmed"), sink.counters() + " " + sink.lastError());
    }

    @Test
    void settingsAreCheckedTogether() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("url", "http://localhost:4222");
        bad.put("subject", "flows.{colour}");
        bad.put("mode", "fast");
        bad.put("token", "t");
        bad.put("user", "u");
        bad.put("credentials", dir.resolve("missing.creds").toString());
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> NatsSinkProvider.settings(new PluginConfig("sink 'nats'", bad)));
        String m = e.getMessage();
        assertContainsAll(m, "url: 'http://localhost:4222'", "unknown field {colour}", "mode: 'fast'", "credentials: '",
                "give only one way to authenticate");
    }

    @Test
    void urlListsAcceptSpacesSemicolonsAndCommas() {
        NatsSettings s = NatsSinkProvider.settings(new PluginConfig("sink 'nats'",
                Map.of("url", "nats://a:4222;nats://b:4222 tls://c:4443")));
        assertEquals(List.of("nats://a:4222", "nats://b:4222", "tls://c:4443"), s.servers());
    }

    @Test
    void userAndPasswordInTheUrlAuthenticateAndNeverReachTheLog() throws Exception {
        server = new NatsServerProcess(dir, false, "--user", "sensor", "--pass", "p@ss:w/rd");
        String hostPort = server.url().substring("nats://".length());
        try (LogCapture log = new LogCapture()) {
            NatsSink sink = sink("url", "nats://sensor:p%40ss%3Aw%2Frd@" + hostPort);
            sink.accept(TestRecords.record(1));
            sink.flush();
            assertEquals(1L, sink.counters().get("confirmed"), sink.counters() + " " + sink.lastError());
            server.kill();
            server.start();
            sink.accept(TestRecords.record(2));
            awaitUntil(20, () -> log.text().contains("reconnected to"));
            sink.close();

            NatsSink wrong = sink("url", "nats://sensor:n0tit@" + hostPort, "connect-timeout", "1s",
                    "retry-budget", "300ms", "backoff", "50ms", "backoff-max", "100ms");
            wrong.accept(TestRecords.record(3));
            assertEquals(1L, wrong.counters().get("failed"));
            assertTrue(wrong.lastError().toLowerCase(java.util.Locale.ROOT).contains("authorization"),
                    wrong.lastError());

            String text = log.text();
            assertContainsAll(text, "connected to nats://" + hostPort, "reconnected to nats://" + hostPort);
            for (String secret : List.of("p@ss", "p%40ss", "w/rd", "n0tit", "sensor:")) {
                assertFalse(text.contains(secret), secret + " in the log: " + text);
                assertFalse(wrong.lastError().contains(secret), wrong.lastError());
            }
        }
    }

    @Test
    void aTokenInTheUrlAuthenticates() throws Exception {
        server = new NatsServerProcess(dir, false, "--auth", "s3cret");
        NatsSink sink = sink("url", "nats://s3cret@" + server.url().substring("nats://".length()));
        sink.accept(TestRecords.record(1));
        sink.flush();
        assertEquals(1L, sink.counters().get("confirmed"), sink.counters() + " " + sink.lastError());
    }

    @Test
    void urlCredentialsAreCheckedWithoutShowingThem() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> NatsSinkProvider.settings(new PluginConfig("sink 'nats'", Map.of("url",
                        "nats://u:pw1@a:4222 nats://u:pw2@b:4222 http://u:pw3@c:4222 nats://d:4222?pw4=1",
                        "token", "t"))));
        String m = e.getMessage();
        assertContainsAll(m, "the servers give different user information", "url: 'http://c:4222'",
                "url: 'nats://d:4222' with a query",
                "url: has user information, and token, user or credentials is set too");
        assertFalse(m.contains("pw"), m);
        NatsSettings s = NatsSinkProvider.settings(new PluginConfig("sink 'nats'",
                Map.of("url", "nats://u%20x:p%3B@a:4222;tls://u%20x:p%3B@b:4443")));
        assertEquals(List.of("nats://a:4222", "tls://b:4443"), s.servers());
        assertEquals("u x", s.user());
        assertEquals("p;", s.password());
        assertFalse(s.toString().contains("p;"), s.toString());
    }
}
