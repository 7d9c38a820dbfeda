package io.flowtrace.examples.metrics;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@link Monitor} over a meter run in this JVM: its MXBean on the platform server, its HTTP endpoints. */
class MonitorTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    private static FlowStats run(FlowTrace meter) throws InterruptedException {
        meter.start();
        FlowStats s = meter.awaitTermination(Duration.ofSeconds(60));
        assertTrue(s != null, "the meter did not finish");
        return s;
    }

    private static FlowTrace meter(AtomicLong events) {
        return FlowTrace.builder()
                .source(SyntheticCapture.builder().packets(20_000).conversations(300).seed(5).truth(false).build()
                        .source())
                .onEvent(e -> events.incrementAndGet()).build();
    }

    @Test
    void mxBeanHasTheRunsCountersWhileRegisteredAndIsGoneAfterClose() throws Exception {
        AtomicLong events = new AtomicLong();
        FlowTrace meter = meter(events);
        ObjectName name;
        try (Monitor m = Monitor.start(meter, "monitor-test", "generated", null, Duration.ZERO, 0.01, () -> false,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            name = m.objectName();
            assertEquals("io.flowtrace", name.getDomain());
            assertEquals("FlowTrace", name.getKeyProperty("type"));
            assertTrue(JMX.isRegistered(name));
            FlowStats s = run(meter);
            assertEquals(20_000L, JMX.getAttribute(name, "PacketsRead"));
            assertEquals(s.packetsDecoded(), JMX.getAttribute(name, "PacketsDecoded"));
            assertEquals(events.get(), JMX.getAttribute(name, "Events"));
            assertEquals(0L, JMX.getAttribute(name, "FlowsActive"));
            assertEquals(false, JMX.getAttribute(name, "Capturing"));
            assertEquals("ok", JMX.getAttribute(name, "Health"));
            long byReason = 0;
            for (Object row : ((TabularData) JMX.getAttribute(name, "EventsByEndReason")).values()) {
                byReason += (Long) ((CompositeData) row).get("value");
            }
            assertEquals(events.get(), byReason);
            TabularData delivered = (TabularData) JMX.getAttribute(name, "SinkDelivered");
            assertEquals(events.get(), (Long) delivered.get(new Object[] {"callback"}).get("value"));
            assertEquals(-1, m.port());
        }
        assertFalse(JMX.isRegistered(name));
    }

    @Test
    void captureThatEndsWhileItShouldRunIsUnhealthyOverHttp() throws Exception {
        FlowTrace meter = meter(new AtomicLong());
        int port;
        try (Monitor m = Monitor.start(meter, "monitor-test", "generated", new InetSocketAddress("127.0.0.1", 0),
                Duration.ZERO, 0.01, () -> true, new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8))) {
            port = m.port();
            assertTrue(port > 0);
            assertEquals(200, status(port, "/healthz"), "not started yet: not a stopped capture");
            run(meter);
            assertEquals(503, status(port, "/healthz"));
            assertEquals("capture on generated stopped", m.problem());
            assertEquals(200, status(port, "/metrics"));
        }
        assertThrows(java.io.IOException.class, () -> status(port, "/healthz"));
    }

    /** The packet tee's counters are in /metrics, one counter each. */
    @Test
    void teeCountersAreMetrics(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        FlowTrace meter = FlowTrace.builder()
                .source(SyntheticCapture.builder().packets(20_000).conversations(300).seed(5).truth(false).build()
                        .source())
                .rawFrameTap(io.flowtrace.sinks.file.PacketTee.create(java.util.Map.of("path",
                        dir.resolve("t.pcap").toString())))
                .onEvent(e -> { }).build();
        try (Monitor m = Monitor.start(meter, "monitor-test", "generated", new InetSocketAddress("127.0.0.1", 0),
                Duration.ZERO, 0.01, () -> false, new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8))) {
            run(meter);
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + m.port() + "/metrics")
                    .openConnection();
            String body;
            try (java.io.InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                c.disconnect();
            }
            for (String line : java.util.List.of("flowtrace_tee_frames_total 20000.0", "flowtrace_tee_written_total "
                    + "20000.0", "flowtrace_tee_dropped_total 0.0", "flowtrace_tee_failed_total 0.0",
                    "flowtrace_tee_files_total 1.0")) {
                assertTrue(body.contains(line), line + " in\n" + body);
            }
        }
    }

    @Test
    void anAlertersCountersAreServedBesideTheMeters() throws Exception {
        FlowTrace meter = meter(new AtomicLong());
        try (Monitor m = Monitor.start(meter, "monitor-alerts", "generated", new InetSocketAddress("127.0.0.1", 0),
                Duration.ZERO, 0.01, () -> false, new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8))) {
            m.alerts(() -> new io.flowtrace.alert.Alerter.Stats(9, 3, 5, 1, 7, 2, 0, 0));
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + m.port() + "/metrics")
                    .openConnection();
            String text = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            c.disconnect();
            for (String line : java.util.List.of("flowtrace_alerts_fired_total 3.0",
                    "flowtrace_alerts_suppressed_total 5.0", "flowtrace_alerts_resolved_total 1.0", "flowtrace_alerts_notified_total 7.0",
                    "flowtrace_alerts_failed_total 2.0")) {
                assertTrue(text.contains(line + "\n"), line + " in " + text);
            }
        }
    }

    private static int status(int port, String path) throws java.io.IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(10_000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }
}
