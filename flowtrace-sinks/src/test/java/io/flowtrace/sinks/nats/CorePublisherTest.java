package io.flowtrace.sinks.nats;

import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.Pause;
import io.nats.client.Connection;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The order jnats reports a drop in, which a test against a real server sees only now and then: the client's status
 * changes at once, its DISCONNECTED event comes later on another thread, and publishes made in between go to the
 * reconnect buffer. The connection here is a stand-in whose status the test sets, so that order is forced.
 */
class CorePublisherTest {
    private final AtomicReference<Connection.Status> status = new AtomicReference<>(Connection.Status.CONNECTED);
    private final Connection c = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class}, (proxy, m, args) -> switch (m.getName()) {
                case "getStatus" -> status.get();
                default -> null; // publish and flush: taken, flush answered
            });
    private final PublishOutcomes outcomes = new PublishOutcomes("n");
    private final CorePublisher p = new CorePublisher(Duration.ofSeconds(1), outcomes,
            new RetryBudget(new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(5)),
                    Pause.SLEEP, System::nanoTime));

    private void publish(int n) {
        for (int i = 0; i < n; i++) {
            p.send(c, "s", null, new byte[1], 0);
        }
    }

    private Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        p.counters(m);
        return m;
    }

    @Test
    void publishesIntoTheReconnectBufferBeforeTheDropIsReportedAreNotAtRisk() throws Exception {
        publish(5);
        p.flush(c);
        publish(3); // sent, not confirmed: these may go with the connection
        status.set(Connection.Status.RECONNECTING);
        publish(4); // into the reconnect buffer, before jnats reports the drop
        assertEquals(3, p.connectionLost());
        publish(2);
        status.set(Connection.Status.CONNECTED);
        p.connected();
        publish(1);
        p.finish(c);
        assertEquals(Map.of("confirmed", 12L, "at-risk", 3L), counters());
    }

    @Test
    void whatIsStillInTheReconnectBufferWhenTheSinkClosesIsAtRisk() throws Exception {
        publish(5);
        p.flush(c);
        status.set(Connection.Status.RECONNECTING);
        publish(4);
        assertEquals(0, p.connectionLost());
        p.finish(c); // never reconnected: the retry budget runs out
        assertEquals(Map.of("confirmed", 5L, "at-risk", 4L), counters());
    }

    @Test
    void publishesMadeWhileTheClientSaysOnlyDisconnectedMayHaveGoneToTheDeadSocket() throws Exception {
        publish(5);
        p.flush(c);
        status.set(Connection.Status.DISCONNECTED); // jnats has not stopped its writer yet
        publish(2);
        status.set(Connection.Status.RECONNECTING); // it has now
        publish(4);
        assertEquals(2, p.connectionLost());
        status.set(Connection.Status.CONNECTED);
        p.connected();
        p.finish(c);
        assertEquals(Map.of("confirmed", 9L, "at-risk", 2L), counters());
    }

    @Test
    void aSecondDropCountsFromWhereTheFirstOutageEnded() throws Exception {
        status.set(Connection.Status.RECONNECTING);
        publish(2);
        assertEquals(0, p.connectionLost());
        status.set(Connection.Status.CONNECTED);
        p.connected();
        publish(3); // the buffered two and these three went over the new connection, unconfirmed
        status.set(Connection.Status.RECONNECTING);
        assertEquals(5, p.connectionLost());
        assertEquals(Map.of("confirmed", 0L, "at-risk", 5L), counters());
    }
}
