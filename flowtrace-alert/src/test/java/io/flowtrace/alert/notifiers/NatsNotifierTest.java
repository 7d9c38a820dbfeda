package io.flowtrace.alert.notifiers;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code nats} notifier against a real nats-server: core NATS, JetStream, and a server that is down. */
class NatsNotifierTest {
    private static final long T0 = 1_767_225_600_000_000_000L;

    private static Alert alert(String src, Alert.State state) {
        return new Alert(io.flowtrace.alert.Alert.class.getSimpleName() + src.hashCode(), "scan", "ss",
                Map.of("src_ip", src), "super_spreader_spread", 300, 100, T0, T0 + 30_000_000_000L, state,
                "port scan", null);
    }

    private static Notifier nats(Map<String, Object> settings) {
        return new NatsNotifierProvider().create(new PluginConfig("notifier 'nats'", settings));
    }

    @Test
    void coreNatsPublishesEachAlertAsItsJsonLine(@TempDir Path dir) throws Exception {
        try (NatsServerProcess server = new NatsServerProcess(dir, false);
             Connection c = Nats.connect(server.url())) {
            Subscription sub = c.subscribe("ops.alerts");
            c.flush(Duration.ofSeconds(5));
            Notifier n = nats(Map.of("url", server.url(), "subject", "ops.alerts"));
            try {
                List<Alert> sent = List.of(alert("10.0.0.1", Alert.State.FIRED), alert("10.0.0.2",
                        Alert.State.RESOLVED));
                n.deliver(sent);
                for (Alert a : sent) {
                    Message m = sub.nextMessage(Duration.ofSeconds(5));
                    assertNotNull(m);
                    assertEquals(a, Alert.fromJson(new String(m.getData(), StandardCharsets.UTF_8)));
                    assertEquals(a.id() + "-" + a.state().name().toLowerCase(java.util.Locale.ROOT) + "-"
                            + a.windowEndNanos(), m.getHeaders().getFirst("Nats-Msg-Id"));
                }
                assertNull(sub.nextMessage(Duration.ofMillis(200)));
            } finally {
                n.close();
            }
        }
    }

    @Test
    void jetStreamWaitsForTheStreamAndItsDuplicateWindowDropsARetriedCopy(@TempDir Path dir) throws Exception {
        try (NatsServerProcess server = new NatsServerProcess(dir, true);
             Connection c = Nats.connect(server.url())) {
            JetStreamManagement jsm = c.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("ALERTS").subjects("flowtrace.alerts").build());
            Notifier n = nats(Map.of("url", server.url(), "jetstream", "true"));
            try {
                Alert a = alert("10.0.0.9", Alert.State.FIRED);
                n.deliver(List.of(a));
                n.deliver(List.of(a)); // delivered again (at least once): the stream keeps one
                StreamInfo info = jsm.getStreamInfo("ALERTS");
                assertEquals(1, info.getStreamState().getMsgCount());
            } finally {
                n.close();
            }
            Notifier noStream = nats(Map.of("url", server.url(), "jetstream", true, "subject", "no.stream",
                    "retry_budget", "200ms"));
            try {
                NotifierException e = assertThrows(NotifierException.class, () -> noStream.deliver(List.of(
                        alert("10.0.0.9", Alert.State.FIRED))));
                assertTrue(e.getMessage().contains("no.stream") && e.getMessage().contains("not delivered"),
                        e.getMessage());
            } finally {
                noStream.close();
            }
        }
    }

    @Test
    void aServerThatIsDownIsRetriedWithinTheBudgetThenReported(@TempDir Path dir) throws Exception {
        int port;
        try (NatsServerProcess server = new NatsServerProcess(dir, false)) {
            port = server.port();
        }
        Notifier n = nats(Map.of("url", "nats://user:s3cret@127.0.0.1:" + port, "retry_budget", "300ms",
                "timeout", "200ms"));
        try {
            long start = System.nanoTime();
            NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(List.of(
                    alert("10.0.0.1", Alert.State.FIRED))));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            assertTrue(e.getMessage().contains("1 alert(s) not delivered"), e.getMessage());
            assertTrue(!e.getMessage().contains("s3cret") && !n.describe().contains("s3cret"), e.getMessage());
        } finally {
            n.close();
        }
        assertTrue(assertThrows(ConfigurationException.class, () -> nats(Map.of("subject", "a.>")))
                .getMessage().contains("subject: 'a.>'"));
        assertTrue(assertThrows(ConfigurationException.class, () -> nats(Map.of("subjet", "a")))
                .getMessage().contains("unknown key 'subjet'"));
    }
}
