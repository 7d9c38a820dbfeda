package io.flowtrace.examples.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Watches a running meter: serves {@code /metrics} (Prometheus text format, {@link FlowTraceCollector} and the JVM's
 * memory) and {@code /healthz} (200 {@code ok}, or 503 with the reason {@link Health} gives) when given an address,
 * prints a stats line every stats interval, and registers {@link FlowTraceMXBean} as
 * {@code io.flowtrace:type=FlowTrace,name=NAME} until closed. Health compares the counters now with those of one to
 * two health windows ago (the stats interval, or {@value #DEFAULT_WINDOW_SECONDS} s when there is none).
 * Thread-safe; its ticks run on a daemon thread of its own.
 */
public final class Monitor implements AutoCloseable {
    /** The health window when no stats interval is set. */
    public static final long DEFAULT_WINDOW_SECONDS = 10;

    private final String name;
    private final String capture;
    private final Supplier<FlowStats> stats;
    private final BooleanSupplier capturing;
    private final BooleanSupplier shouldCapture;
    private final double maxDropRate;
    private final Duration statsInterval;
    private final PrintStream err;
    private final ScheduledExecutorService ticker;
    private volatile FlowStats windowStart;
    private volatile FlowStats lastTick;
    private HTTPServer server;
    private ObjectName objectName;
    private volatile Supplier<io.flowtrace.alert.Alerter.Stats> alerts;

    private Monitor(String name, String capture, Supplier<FlowStats> stats, BooleanSupplier capturing,
                    BooleanSupplier shouldCapture, double maxDropRate, Duration statsInterval, PrintStream err) {
        this.name = name;
        this.capture = capture;
        this.stats = stats;
        this.capturing = capturing;
        this.shouldCapture = shouldCapture;
        this.maxDropRate = maxDropRate;
        this.statsInterval = statsInterval;
        this.err = err;
        FlowStats first = stats.get();
        this.windowStart = first;
        this.lastTick = first;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowtrace-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching {@code meter} (before or after it is run).
     *
     * @param meter         the meter watched
     * @param name          the command, for the MXBean's name and the stats line
     * @param capture       what is captured ({@code eth0}), for {@code /healthz}'s reason
     * @param listen        where to serve {@code /metrics} and {@code /healthz}, or {@code null} for no server
     * @param statsInterval how often to print a stats line on {@code err}; zero for never
     * @param maxDropRate   the largest healthy fraction of packets the kernel and interface drop
     * @param shouldCapture whether capture is meant to be running now (a source that ends then is unhealthy)
     * @param err           where the stats line goes
     * @return the monitor, watching
     * @throws IOException when the address cannot be listened on
     */
    public static Monitor start(FlowTrace meter, String name, String capture, InetSocketAddress listen,
                                Duration statsInterval, double maxDropRate, BooleanSupplier shouldCapture,
                                PrintStream err) throws IOException {
        return start(name, capture, meter::stats, meter::capturing, shouldCapture, listen, statsInterval,
                maxDropRate, err);
    }

    static Monitor start(String name, String capture, Supplier<FlowStats> stats, BooleanSupplier capturing,
                         BooleanSupplier shouldCapture, InetSocketAddress listen, Duration statsInterval,
                         double maxDropRate, PrintStream err) throws IOException {
        Monitor m = new Monitor(name, capture, stats, capturing, shouldCapture, maxDropRate, statsInterval, err);
        try {
            if (listen != null) {
                PrometheusRegistry registry = new PrometheusRegistry();
                registry.register(new FlowTraceCollector(m));
                JvmMemoryMetrics.builder().register(registry);
                InetAddress host = listen.isUnresolved() ? InetAddress.getByName(listen.getHostString())
                        : listen.getAddress();
                m.server = HTTPServer.builder().inetAddress(host).port(listen.getPort()).registry(registry)
                        .registerHealthHandler(false).defaultHandler(m::handle).buildAndStart();
            }
            m.objectName = register(name, new FlowTraceBean(m));
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        long window = statsInterval.isZero() ? TimeUnit.SECONDS.toNanos(DEFAULT_WINDOW_SECONDS)
                : statsInterval.toNanos();
        m.ticker.scheduleAtFixedRate(m::tick, window, window, TimeUnit.NANOSECONDS);
        return m;
    }

    /** The port {@code /metrics} is served on (the one bound when 0 was asked), or -1 when not served. */
    public int port() {
        return server == null ? -1 : server.getPort();
    }

    /** The MXBean's name. */
    public ObjectName objectName() {
        return objectName;
    }

    FlowStats stats() {
        return stats.get();
    }

    /**
     * Serves an alerter's counters on {@code /metrics} too ({@code flowtrace_alerts_*}).
     *
     * @param stats reads the alerter's counters
     */
    public void alerts(Supplier<io.flowtrace.alert.Alerter.Stats> stats) {
        alerts = stats;
    }

    /** The alerter's counters, or {@code null} when there is no alerter. */
    io.flowtrace.alert.Alerter.Stats alertStats() {
        Supplier<io.flowtrace.alert.Alerter.Stats> a = alerts;
        return a == null ? null : a.get();
    }

    boolean capturing() {
        return capturing.getAsBoolean();
    }

    /** Why the meter is unhealthy, in one line, or {@code null} when it is healthy. */
    public String problem() {
        FlowStats now = stats.get();
        boolean started = now.elapsed().compareTo(Duration.ZERO) > 0;
        return Health.problem(windowStart, now,
                started && shouldCapture.getAsBoolean() && !capturing() ? capture : null, maxDropRate);
    }

    private void tick() {
        try {
            FlowStats now = stats.get();
            FlowStats last = lastTick;
            windowStart = last;
            lastTick = now;
            if (!statsInterval.isZero()) {
                err.println("flowtrace " + name + ": " + line(last, now, statsInterval));
            }
        } catch (RuntimeException e) {
            err.println("flowtrace " + name + ": stats: " + e);
        }
    }

    /** The stats line: the counters now and what changed since {@code before}, {@code interval} ago. */
    static String line(FlowStats before, FlowStats now, Duration interval) {
        long packets = now.packetsRead() - before.packetsRead();
        double seconds = Math.max(1e-9, interval.toNanos() / 1e9);
        long drops = Health.captureDrops(now);
        long sinkDrops = 0;
        for (FlowStats.SinkStats st : now.sinks().values()) {
            sinkDrops += st.dropped();
        }
        return String.format(Locale.ROOT, "%d packets (+%d, %.0f/s), %d flows active, %d events (+%d), "
                        + "capture drops %d (+%d), sink drops %d, sink failures %d (+%d)",
                now.packetsRead(), packets, packets / seconds, now.flowsActive(), now.events(),
                now.events() - before.events(), drops, drops - Health.captureDrops(before), sinkDrops,
                Health.sinkFailures(now), Health.sinkFailures(now) - Health.sinkFailures(before));
    }

    /** Every path but {@code /metrics}: {@code /healthz}, else 404. On an HTTP server thread. */
    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            int status;
            String body;
            if (path.equals("/healthz")) {
                String p = problem();
                status = p == null ? 200 : 503;
                body = (p == null ? "ok" : p) + "\n";
            } else {
                status = 404;
                body = "not found: " + path + " (try /metrics or /healthz)\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            boolean head = x.getRequestMethod().equals("HEAD");
            x.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    private static ObjectName register(String name, FlowTraceMXBean bean) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (int i = 1; ; i++) {
                ObjectName on = new ObjectName("io.flowtrace:type=FlowTrace,name=" + (i == 1 ? name : name + "-" + i));
                try {
                    server.registerMBean(bean, on);
                    return on;
                } catch (InstanceAlreadyExistsException e) {
                    // another meter in this JVM has the name: take the next
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the flowtrace MXBean: " + e, e);
        }
    }

    /** Stops the ticks and the server and unregisters the MXBean. Idempotent. */
    @Override
    public void close() {
        ticker.shutdownNow();
        if (server != null) {
            server.close();
            server = null;
        }
        if (objectName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            } catch (JMException e) {
                // already gone
            }
            objectName = null;
        }
    }

    /**
     * Reads a listen address: {@code HOST:PORT}, {@code [V6]:PORT} or {@code :PORT} (every interface).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static InetSocketAddress parseListen(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(t + " (expected: HOST:PORT, e.g. 127.0.0.1:9464)");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(t + " (expected: HOST:PORT with a port 0..65535)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(t + " (expected: HOST:PORT with a port 0..65535)");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : InetSocketAddress.createUnresolved(host, port);
    }
}
