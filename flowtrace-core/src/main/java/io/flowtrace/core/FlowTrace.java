package io.flowtrace.core;

import io.flowtrace.core.internal.Pipeline;
import io.flowtrace.core.internal.RecordContext;
import io.flowtrace.core.internal.SinkRunner;
import io.flowtrace.core.internal.SnapshotListenerSink;
import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A flow meter: packets from one source become flow events delivered to sinks, with aggregators running over the
 * traffic. Built with {@link #builder()}; run once, either on the calling thread with {@link #run()} or in the
 * background with {@link #start()}. Thread-safe: {@link #stop()}, {@link #stats()} and {@link #snapshots()} may be
 * called from any thread.
 *
 * <pre>{@code
 * FlowStats stats = FlowTrace.builder()
 *         .source("pcap-file", Map.of("path", "capture.pcap"))
 *         .idleTimeout(Duration.ofSeconds(30))
 *         .sink("file", Map.of("path", "flows.ndjson"))
 *         .build()
 *         .run();
 * }</pre>
 *
 * @since 0.1
 */
public final class FlowTrace implements AutoCloseable {
    private final Pipeline pipeline;
    private final Object lock = new Object();
    private Thread thread;
    private volatile boolean started;
    private volatile FlowStats result;
    private volatile RuntimeException failure;

    private FlowTrace(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** {@return a new builder} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs on the calling thread until the source ends or {@link #stop()} is called, flushes every open flow, and
     * closes the sinks.
     *
     * @return the final counters
     * @throws CaptureFileException when the capture is damaged (after every good packet before it was metered)
     * @throws PluginFailureException when {@link Builder#failOnPluginError} is on and a plugin failed
     * @throws IllegalStateException when already started
     */
    public FlowStats run() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
        }
        try {
            FlowStats s = pipeline.run();
            result = s;
            return s;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        }
    }

    /**
     * Runs in the background on a thread of its own; see {@link #awaitTermination}.
     *
     * @return this meter
     */
    public FlowTrace start() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
            thread = new Thread(() -> {
                try {
                    result = pipeline.run();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }, "flowtrace-source");
            thread.start();
        }
        return this;
    }

    /** Asks the source to stop; open flows are then flushed with reason {@code shutdown}. Idempotent. */
    public void stop() {
        pipeline.stop();
    }

    /**
     * Waits for a {@link #start() started} meter to finish.
     *
     * @param timeout the longest to wait
     * @return the final counters, or {@code null} if it did not finish in time
     * @throws FlowTraceException the failure that ended the run, if any
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public FlowStats awaitTermination(Duration timeout) throws InterruptedException {
        Thread t;
        synchronized (lock) {
            t = thread;
        }
        if (t == null) {
            throw new IllegalStateException("not started with start()");
        }
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeout.toNanos())));
        if (t.isAlive()) {
            return null;
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /**
     * {@return whether the source is being read now}: false before {@link #run()} or {@link #start()}, and from the
     * moment the source ends, fails or is stopped (while open flows are flushed, and after). Any thread.
     */
    public boolean capturing() {
        return pipeline.sourceRunning();
    }

    /** {@return counters so far} */
    public FlowStats stats() {
        FlowStats r = result;
        return r != null ? r : pipeline.stats();
    }

    /** {@return the latest snapshot of every aggregator task} */
    public List<Snapshot> snapshots() {
        return pipeline.latestSnapshots();
    }

    /**
     * {@return the latest snapshot of the task named {@code task}, or empty when it has none yet (or no such task)}
     *
     * @param task the task's name
     */
    public java.util.Optional<Snapshot> snapshot(String task) {
        Objects.requireNonNull(task, "task");
        for (Snapshot s : pipeline.latestSnapshots()) {
            if (s.task().equals(task)) {
                return java.util.Optional.of(s);
            }
        }
        return java.util.Optional.empty();
    }

    /** Stops and waits for the meter to finish (at most 30 s). */
    @Override
    public void close() {
        stop();
        Thread t;
        synchronized (lock) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Configures a {@link FlowTrace}. Each setting is checked when it is called ({@link IllegalArgumentException}) and
     * can be set once ({@link IllegalStateException}); {@link #build()} checks rules between settings. Not
     * thread-safe.
     */
    public static final class Builder {
        private final Set<String> assigned = new HashSet<>();
        private Plugins plugins;
        private PacketSource source;
        private String sourceName;
        private Map<String, ?> sourceConfig;
        private FlowOptions options;
        private Duration tcpIdle;
        private Duration udpIdle;
        private Duration icmpIdle;
        private Duration otherIdle;
        private Duration active;
        private Boolean tcpClose;
        private Duration tcpLinger;
        private Boolean bidirectional;
        private Boolean vlanInKey;
        private Set<Tunnel> tunnels;
        private Boolean icmpTypeInKey;
        private Integer maxFlows;
        private IpFragments ipFragments;
        private Preset like;
        /** {@link #idleTimeout(Duration)} was called: one timeout for everything. */
        private boolean allIdle;
        /** Idle timeouts of services given one by one, by {@link PortTimeouts} key. */
        private final Map<String, Duration> portIdle = new LinkedHashMap<>();
        private Duration tcpAttempt;
        private TcpFin tcpFin;
        private Set<Integer> protocols;
        private Boolean vlanInnermost;
        private Boolean sctpPorts;
        private Integer workers;
        private Integer expectedFlows;
        private Boolean inlineWorker;
        private String hostname;
        private Collection<InetAddress> localAddresses = List.of();
        private final List<SinkSpec> sinks = new ArrayList<>();
        private final List<Object> aggregators = new ArrayList<>(); // Aggregator or NamedSpec
        private final List<Listener> snapshotListeners = new ArrayList<>();
        private boolean failOnPluginError;
        private Duration snapshotInterval = Duration.ZERO;
        private Duration period = Duration.ZERO;
        /**
         * Sink queue capacity for a live source unless set: it absorbs a slow or retrying backend for some seconds
         * before a full queue ({@code block}) slows the workers and the interface starts dropping.
         */
        public static final int LIVE_SINK_QUEUE = 65_536;
        /**
         * Sink queue capacity for a capture file unless set: reading a file only waits while a queue is full, so a
         * deeper one would hold events in memory for nothing, where every young collection copies them (at the end
         * of a 5M-packet capture, with 65,536: young pauses 31-40 ms and concurrent marking 63-64 ms; with 8,192:
         * 17-23 and 14-19 ms, and the run 37-63 ms shorter in three comparisons of 8 alternating runs).
         */
        public static final int FILE_SINK_QUEUE = 8_192;
        /** Flows the table starts with unless {@link #expectedFlows} says (at most {@link #maxFlows}). */
        public static final int EXPECTED_FLOWS = 65_536;
        /** Set by {@link #sinkQueueCapacity}; otherwise by the source (live or a file). */
        private io.flowtrace.core.spi.RawFrameTap rawFrameTap;
        private Integer sinkQueueCapacity;
        private QueueFullPolicy sinkFullPolicy = QueueFullPolicy.BLOCK;
        private Duration sinkCloseTimeout = Duration.ofSeconds(30);

        /** A snapshot listener and its schedule ({@code ZERO}: the main one). */
        private record Listener(Duration interval, Consumer<Snapshot> consumer) {
        }

        private record SinkSpec(Sink sink, String name, Map<String, ?> config) {
        }

        private record NamedSpec(String name, Map<String, ?> config) {
        }

        private Builder() {
        }

        private void once(String setting) {
            if (!assigned.add(setting)) {
                throw new IllegalStateException(setting + " was already set");
            }
        }

        private static Duration nonNegative(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: >= 0, 0 meaning never)");
            }
            return d;
        }

        /**
         * A setting of {@link FlowSettings} by its name, kebab-case ({@code idle-timeout}) or snake_case
         * ({@code idle_timeout}), from its text form ({@code 30s}, {@code on}, {@code tcp=60s,udp=30s}): what a
         * configuration file or a command line gives.
         *
         * @param name the setting's name
         * @param value its text form
         * @return this builder
         * @throws IllegalArgumentException naming the setting, the bad value and what is accepted, or, for an unknown
         *                                  name, the nearest known one
         */
        public Builder set(String name, String value) {
            apply(FlowSettings.get(name), value);
            return this;
        }

        private <T> void apply(Setting<T> s, String value) {
            s.applyTo(this, s.parse(s.name(), value));
        }

        /**
         * The plugins to look names up in (default: {@link Plugins#discover()}).
         *
         * @param plugins the plugins to look names up in (default: {@link Plugins#discover()})
         * @return this builder
         */
        public Builder plugins(Plugins plugins) {
            once("plugins");
            this.plugins = Objects.requireNonNull(plugins, "plugins");
            return this;
        }

        /**
         * An explicit source instance; wins over discovery.
         *
         * @param source an explicit source instance; wins over discovery
         * @return this builder
         */
        public Builder source(PacketSource source) {
            once("source");
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * A source by provider name ({@code pcap-file}, {@code pcap-live}, ...) and its settings: text, numbers,
         * booleans, {@link Duration}s or lists (see {@link PluginConfig}).
         *
         * @param name the provider's name
         * @param config the source's settings
         * @return this builder
         */
        public Builder source(String name, Map<String, ?> config) {
            once("source");
            this.sourceName = Objects.requireNonNull(name, "name");
            this.sourceConfig = Map.copyOf(config);
            return this;
        }

        /**
         * Every flow setting at once (instead of the individual setters).
         *
         * @param options every flow setting at once (instead of the individual setters)
         * @return this builder
         */
        public Builder options(FlowOptions options) {
            once("options");
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * The idle timeout of every protocol.
         *
         * @param d the idle timeout of every protocol
         * @return this builder
         */
        public Builder idleTimeout(Duration d) {
            nonNegative("idleTimeout", d);
            once("tcpIdleTimeout");
            once("udpIdleTimeout");
            once("icmpIdleTimeout");
            once("otherIdleTimeout");
            tcpIdle = udpIdle = icmpIdle = otherIdle = d;
            allIdle = true;
            return this;
        }

        /**
         * The idle timeout of a service: flows to or from its port (the responder's port first, see
         * {@link PortTimeouts}) take it instead of their protocol's. A preset's services stay unless
         * {@link #idleTimeout(Duration)} gives one timeout for everything.
         *
         * @param service {@code tcp|udp|sctp/PORT}, for instance {@code udp/53}
         * @param d the timeout; zero for never
         * @return this builder
         * @throws IllegalArgumentException for a malformed service
         */
        public Builder idleTimeout(String service, Duration d) {
            nonNegative("idleTimeout " + service, d);
            String key = PortTimeouts.of(Map.of(service, d)).entries().keySet().iterator().next();
            once("idleTimeout " + key);
            portIdle.put(key, d);
            return this;
        }

        /**
         * The idle timeout of TCP flows.
         *
         * @param d the timeout; zero for never
         * @return this builder
         */
        public Builder tcpIdleTimeout(Duration d) {
            once("tcpIdleTimeout");
            tcpIdle = nonNegative("tcpIdleTimeout", d);
            return this;
        }

        /**
         * The idle timeout of UDP flows.
         *
         * @param d the timeout; zero for never
         * @return this builder
         */
        public Builder udpIdleTimeout(Duration d) {
            once("udpIdleTimeout");
            udpIdle = nonNegative("udpIdleTimeout", d);
            return this;
        }

        /**
         * The idle timeout of ICMP and ICMPv6 flows.
         *
         * @param d the timeout; zero for never
         * @return this builder
         */
        public Builder icmpIdleTimeout(Duration d) {
            once("icmpIdleTimeout");
            icmpIdle = nonNegative("icmpIdleTimeout", d);
            return this;
        }

        /**
         * The idle timeout of flows of other protocols.
         *
         * @param d the timeout; zero for never
         * @return this builder
         */
        public Builder otherIdleTimeout(Duration d) {
            once("otherIdleTimeout");
            otherIdle = nonNegative("otherIdleTimeout", d);
            return this;
        }

        /**
         * Long conversations are reported every {@code d}; {@code 0} for never.
         *
         * @param d long conversations are reported every {@code d}; {@code 0} for never
         * @return this builder
         */
        public Builder activeTimeout(Duration d) {
            once("activeTimeout");
            active = nonNegative("activeTimeout", d);
            return this;
        }

        /**
         * End TCP flows on RST or FIN both ways (default on).
         *
         * @param on end TCP flows on RST or FIN both ways (default on)
         * @return this builder
         */
        public Builder tcpClose(boolean on) {
            once("tcpClose");
            tcpClose = on;
            return this;
        }

        /**
         * How long trailing packets still count after a TCP close (default 2 s).
         *
         * @param d how long trailing packets still count after a TCP close (default 2 s)
         * @return this builder
         */
        public Builder tcpLinger(Duration d) {
            once("tcpLinger");
            tcpLinger = nonNegative("tcpLinger", d);
            return this;
        }

        /**
         * One event per conversation (default) or one per direction.
         *
         * @param on one event per conversation (default) or one per direction
         * @return this builder
         */
        public Builder bidirectional(boolean on) {
            once("bidirectional");
            bidirectional = on;
            return this;
        }

        /**
         * Whether the outermost VLAN id is part of the flow key.
         *
         * @param on whether it is
         * @return this builder
         */
        public Builder vlanInKey(boolean on) {
            once("vlanInKey");
            vlanInKey = on;
            return this;
        }

        /**
         * Whether the inner conversation of every {@link Tunnel} (GRE, ERSPAN, VXLAN, GTP-U, Teredo, IP-in-IP, CAPWAP,
         * TZSP) is metered, rather than the tunnel itself (default off).
         *
         * @param on whether it is
         * @return this builder
         */
        public Builder decodeTunnels(boolean on) {
            return decodeTunnels(on ? Tunnel.all() : Set.of());
        }

        /**
         * The tunnels whose inner conversation is metered; a tunnel not in the set is metered as the packet that
         * carries it (Teredo as plain UDP). Empty: none (the default).
         *
         * @param tunnels the tunnels opened
         * @return this builder
         */
        public Builder decodeTunnels(Set<Tunnel> tunnels) {
            once("decodeTunnels");
            EnumSet<Tunnel> copy = EnumSet.noneOf(Tunnel.class);
            copy.addAll(Objects.requireNonNull(tunnels, "tunnels"));
            this.tunnels = copy;
            return this;
        }

        /**
         * ICMP keyed as Zeek keys it: the type and its reply type (for a message with no reply, its code) as the
         * ports, so an echo request and its reply share a flow and other messages get flows of their own (default
         * off: ICMP ports are 0 and one flow holds every message between two hosts).
         *
         * @param on whether ICMP is keyed so
         * @return this builder
         */
        public Builder icmpTypeInKey(boolean on) {
            once("icmpTypeInKey");
            icmpTypeInKey = on;
            return this;
        }

        /**
         * Hard bound on flows tracked at once (default 1,048,576).
         *
         * @param n hard bound on flows tracked at once (default 1,048,576)
         * @return this builder
         */
        public Builder maxFlows(int n) {
            once("maxFlows");
            if (n < 1) {
                throw new IllegalArgumentException("maxFlows: " + n + " (expected: >= 1)");
            }
            maxFlows = n;
            return this;
        }

        /**
         * What later IP fragments count for (default {@link IpFragments#JOIN}): joined to their first fragment's
         * flow, skipped as nDPI and NFStream do ({@link IpFragments#FIRST_ONLY}), or reassembled into their datagram
         * before decoding as Zeek does ({@link IpFragments#REASSEMBLE}).
         *
         * @param mode what fragments count for
         * @return this builder
         */
        public Builder ipFragments(IpFragments mode) {
            once("ipFragments");
            ipFragments = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Another tool's flow definition: every flow setting not given explicitly takes the preset's value instead
         * of flowtrace's default, whatever the order of the calls.
         *
         * @param preset the tool
         * @return this builder
         */
        public Builder like(Preset preset) {
            once("like");
            like = Objects.requireNonNull(preset, "preset");
            return this;
        }

        /**
         * How long after its SYN an unanswered TCP connection attempt ends (default 0: no such rule, the idle timeout
         * applies), as Zeek's {@code tcp_attempt_delay}.
         *
         * @param d the time after the first SYN; zero for no such rule
         * @return this builder
         */
        public Builder tcpAttemptTimeout(Duration d) {
            once("tcpAttemptTimeout");
            tcpAttempt = nonNegative("tcpAttemptTimeout", d);
            return this;
        }

        /**
         * Which FINs end a TCP flow when TCP close is on (default {@link TcpFin#BOTH_SIDES}).
         *
         * @param rule the rule
         * @return this builder
         */
        public Builder tcpFin(TcpFin rule) {
            once("tcpFin");
            tcpFin = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Only these IP protocols are metered (default: all); packets of others are counted as
         * {@code skipped_protocol}.
         *
         * @param numbers IP protocol numbers; empty for all
         * @return this builder
         * @throws IllegalArgumentException for a number outside 0 to 255
         */
        public Builder protocols(Set<Integer> numbers) {
            once("protocols");
            for (Integer n : numbers) {
                if (n == null || n < 0 || n > 255) {
                    throw new IllegalArgumentException("protocols: " + n + " (expected: 0 to 255)");
                }
            }
            protocols = Set.copyOf(numbers);
            return this;
        }

        /**
         * Whether a packet's VLAN id is its innermost tag's, inner frames of tunnels included, as nDPI and NFStream
         * take it (default off: the outer frame's first tag).
         *
         * @param on whether the innermost tag is the VLAN id
         * @return this builder
         */
        public Builder vlanInnermost(boolean on) {
            once("vlanInnermost");
            vlanInnermost = on;
            return this;
        }

        /**
         * Whether SCTP flows are keyed on their ports (default on; off: ports 0, as Zeek and nDPI key SCTP).
         *
         * @param on whether SCTP ports are part of the key
         * @return this builder
         */
        public Builder sctpPorts(boolean on) {
            once("sctpPorts");
            sctpPorts = on;
            return this;
        }

        /**
         * Whether a single worker runs on the source thread (the default on one core) or on its own thread (the
         * default otherwise); for tests that compare the two.
         */
        Builder inlineWorker(boolean inline) {
            inlineWorker = inline;
            return this;
        }

        /**
         * Flows expected at once: the table starts this large instead of growing to it.
         *
         * @param n flows expected at once: the table starts this large instead of growing to it
         * @return this builder
         */
        public Builder expectedFlows(int n) {
            once("expectedFlows");
            if (n < 1) {
                throw new IllegalArgumentException("expectedFlows: " + n + " (expected: >= 1)");
            }
            expectedFlows = n;
            return this;
        }

        /**
         * Worker shards; default: 1 on machines of up to 2 cores, else cores - 1 (at most 16).
         *
         * @param n worker shards; default: 1 on machines of up to 2 cores, else cores - 1 (at most 16)
         * @return this builder
         */
        public Builder workers(int n) {
            once("workers");
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("workers: " + n + " (expected: 1..256)");
            }
            workers = n;
            return this;
        }

        /**
         * The host name put in every event.
         *
         * @param name the host name put in every event
         * @return this builder
         */
        public Builder hostname(String name) {
            once("hostname");
            hostname = Objects.requireNonNull(name, "hostname");
            return this;
        }

        /**
         * The host's own addresses, for each event's {@code direction}.
         *
         * @param addresses the host's own addresses, for each event's {@code direction}
         * @return this builder
         */
        public Builder localAddresses(Collection<InetAddress> addresses) {
            once("localAddresses");
            localAddresses = List.copyOf(addresses);
            return this;
        }

        /**
         * An explicit sink instance.
         *
         * @param sink an explicit sink instance
         * @return this builder
         */
        public Builder sink(Sink sink) {
            sinks.add(new SinkSpec(Objects.requireNonNull(sink, "sink"), null, null));
            return this;
        }

        /**
         * A sink by provider name and its settings. Two settings are the pipeline's, for any sink: {@code queue}
         * (capacity of its queue) and {@code on_full} ({@code block} or {@code drop}).
         *
         * @param name the provider's name
         * @param config the sink's settings
         * @return this builder
         */
        public Builder sink(String name, Map<String, ?> config) {
            sinks.add(new SinkSpec(null, Objects.requireNonNull(name, "name"), Map.copyOf(config)));
            return this;
        }

        /**
         * Flow events to a callback, called on a delivery thread of its own behind a bounded queue (like any sink),
         * never on the packet path. A callback that throws is counted as the sink {@code callback}'s failure.
         *
         * @param consumer called with each event
         * @return this builder
         */
        public Builder onEvent(Consumer<FlowEvent> consumer) {
            Objects.requireNonNull(consumer, "consumer");
            return sink(new Sink() {
                @Override
                public String name() {
                    return "callback";
                }

                @Override
                public void accept(FlowEvent event) {
                    consumer.accept(event);
                }

                @Override
                public void close() {
                }
            });
        }

        /**
         * Shows every raw frame the source reads to {@code tap}, on the source's thread before it is decoded (a
         * packet tee: {@code io.flowtrace.sinks.file.PacketTee} writes them to rotating pcap, pcapng or text files).
         * Its counters are in {@link FlowStats#tap()}. See {@link io.flowtrace.core.spi.RawFrameTap} for the rules
         * a tap follows on the packet path.
         *
         * @param tap the tap; opened when the run starts and closed when the source has ended
         * @return this builder
         */
        public Builder rawFrameTap(io.flowtrace.core.spi.RawFrameTap tap) {
            once("rawFrameTap");
            rawFrameTap = Objects.requireNonNull(tap, "tap");
            return this;
        }

        /**
         * Default queue capacity of every sink: by default {@value #LIVE_SINK_QUEUE} for a live source and
         * {@value #FILE_SINK_QUEUE} for a capture file.
         *
         * @param n the capacity, in items
         * @return this builder
         */
        public Builder sinkQueueCapacity(int n) {
            once("sinkQueueCapacity");
            if (n < 2) {
                throw new IllegalArgumentException("sinkQueueCapacity: " + n + " (expected: >= 2)");
            }
            sinkQueueCapacity = n;
            return this;
        }

        /**
         * Default full-queue policy of every sink (default {@code BLOCK}: no loss).
         *
         * @param policy default full-queue policy of every sink (default {@code BLOCK}: no loss)
         * @return this builder
         */
        public Builder sinkFullPolicy(QueueFullPolicy policy) {
            once("sinkFullPolicy");
            sinkFullPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long sinks may take to deliver what they hold at shutdown (default 30 s).
         *
         * @param d how long sinks may take to deliver what they hold at shutdown (default 30 s)
         * @return this builder
         */
        public Builder sinkCloseTimeout(Duration d) {
            once("sinkCloseTimeout");
            sinkCloseTimeout = nonNegative("sinkCloseTimeout", d);
            return this;
        }

        /**
         * An explicit aggregator (the prototype: the pipeline makes one per worker with {@code newEmpty()}).
         *
         * @param aggregator an explicit aggregator (the prototype: the pipeline makes one per worker with {@code newEmpty()})
         * @return this builder
         */
        public Builder aggregator(Aggregator aggregator) {
            aggregators.add(Objects.requireNonNull(aggregator, "aggregator"));
            return this;
        }

        /**
         * An aggregator by provider name ({@code exact}, {@code count-min}, ...) and its settings.
         *
         * @param name the provider's name
         * @param config the aggregator's settings
         * @return this builder
         */
        public Builder aggregator(String name, Map<String, ?> config) {
            aggregators.add(new NamedSpec(Objects.requireNonNull(name, "name"), Map.copyOf(config)));
            return this;
        }

        /**
         * Aggregators are snapshotted every {@code d} of packet time (default 0: once, at the end).
         *
         * @param d aggregators are snapshotted every {@code d} of packet time (default 0: once, at the end)
         * @return this builder
         */
        public Builder snapshotInterval(Duration d) {
            once("snapshotInterval");
            snapshotInterval = nonNegative("snapshotInterval", d);
            return this;
        }

        /**
         * Aggregator state is reset every {@code d} of packet time (default 0: never).
         *
         * @param d aggregator state is reset every {@code d} of packet time (default 0: never)
         * @return this builder
         */
        public Builder period(Duration d) {
            once("period");
            period = nonNegative("period", d);
            return this;
        }

        /**
         * Called with every merged snapshot of the main schedule ({@link #snapshotInterval}), on a delivery thread of
         * the listener's own behind a bounded queue (like a sink), never on a worker: a slow listener delays only
         * itself. A listener that throws is counted as a failure of the sink {@code on-snapshot-N}.
         *
         * @param listener called with each merged snapshot
         * @return this builder
         */
        public Builder onSnapshot(Consumer<Snapshot> listener) {
            snapshotListeners.add(new Listener(Duration.ZERO, Objects.requireNonNull(listener, "listener")));
            return this;
        }

        /**
         * Called with a merged snapshot of every task every {@code interval} of packet time (and once at the end),
         * a schedule of its own beside the main one: one run can feed writers and checks that each keep their own
         * interval. Delivered like {@link #onSnapshot(Consumer)}; sinks get only the main schedule's snapshots.
         *
         * @param interval the schedule's interval, packet time
         * @param listener called with each merged snapshot of that schedule
         * @return this builder
         */
        public Builder onSnapshot(Duration interval, Consumer<Snapshot> listener) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("snapshot interval: " + interval + " (expected: > 0)");
            }
            snapshotListeners.add(new Listener(interval, Objects.requireNonNull(listener, "listener")));
            return this;
        }

        /**
         * Whether {@link FlowTrace#run()} fails when a plugin failed during the run: a sink that threw or lost
         * items, an aggregator or a callback that threw (default off: failures are counted in
         * {@link FlowStats#failures()} and the run goes on). Everything is still flushed and delivered first.
         *
         * @param on whether a plugin failure fails the run
         * @return this builder
         */
        public Builder failOnPluginError(boolean on) {
            once("failOnPluginError");
            failOnPluginError = on;
            return this;
        }

        private FlowCache.Factory flowCache;
        private io.flowtrace.core.spi.PacketListener.Factory packetListener;

        /**
         * Hands every decoded packet the meter counts to a listener of each worker (made by {@code factory} when the
         * meter is built), on the worker's thread: its 5-tuple, lengths and time, as aggregators see them. For a
         * sensor publishing packets to remote engines; see {@link io.flowtrace.core.spi.PacketListener}.
         *
         * @param factory makes each worker's listener
         * @return this builder
         */
        public Builder packetListener(io.flowtrace.core.spi.PacketListener.Factory factory) {
            once("packetListener");
            packetListener = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Your own flow state instead of flowtrace's table: {@code factory} makes one cache per worker, when the meter
         * is built; each is used by its worker's thread only (see {@link FlowCache}).
         *
         * @param factory makes each worker's cache
         * @return this builder
         */
        public Builder flowCache(FlowCache.Factory factory) {
            once("flowCache");
            flowCache = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** {@return the flow options these settings give (defaults for what was not set)} */
        public FlowOptions flowOptions() {
            if (options != null && like != null) {
                throw new IllegalStateException("options(...) and like(...) were both given");
            }
            FlowOptions o = options != null ? options : like != null ? like.options() : FlowOptions.defaults();
            if (options != null && (tcpIdle != null || udpIdle != null || icmpIdle != null || otherIdle != null
                    || active != null || tcpClose != null || tcpLinger != null || bidirectional != null
                    || vlanInKey != null || tunnels != null || icmpTypeInKey != null || maxFlows != null
                    || ipFragments != null || !portIdle.isEmpty() || tcpAttempt != null || tcpFin != null
                    || protocols != null || vlanInnermost != null || sctpPorts != null)) {
                throw new IllegalStateException("options(...) and individual flow settings were both given");
            }
            try {
                // one timeout for every protocol replaces the base's services too
                PortTimeouts services = allIdle ? PortTimeouts.NONE : o.portIdleTimeouts();
                for (Map.Entry<String, Duration> e : portIdle.entrySet()) {
                    services = services.with(e.getKey(), e.getValue());
                }
                return new FlowOptions(or(tcpIdle, o.tcpIdleTimeout()), or(udpIdle, o.udpIdleTimeout()),
                        or(icmpIdle, o.icmpIdleTimeout()), or(otherIdle, o.otherIdleTimeout()),
                        or(active, o.activeTimeout()), or(tcpClose, o.tcpClose()), or(tcpLinger, o.tcpLinger()),
                        or(bidirectional, o.bidirectional()), or(vlanInKey, o.vlanInKey()),
                        or(tunnels, o.tunnels()), or(icmpTypeInKey, o.icmpTypeInKey()),
                        or(maxFlows, o.maxFlows()), or(ipFragments, o.ipFragments()), services,
                        or(tcpAttempt, o.tcpAttemptTimeout()), or(tcpFin, o.tcpFin()), or(protocols, o.protocols()),
                        or(vlanInnermost, o.vlanInnermost()), or(sctpPorts, o.sctpPorts()));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(e.getMessage(), e);
            }
        }

        private static <T> T or(T v, T d) {
            return v != null ? v : d;
        }

        /**
         * Checks every setting together, creates the named plugins, and returns the meter. Every problem is
         * reported at once, across all settings and plugins; when there is any, every plugin created so far is
         * closed again, so a failed build leaves no file, socket or interface open.
         *
         * @return the meter, not yet running
         * @throws ConfigurationException naming everything that is wrong
         */
        public FlowTrace build() {
            List<String> problems = new ArrayList<>();
            List<AutoCloseable> created = new ArrayList<>();
            FlowOptions o = null;
            try {
                o = flowOptions();
            } catch (ConfigurationException | IllegalStateException e) {
                problems.add(e.getMessage());
            }
            if (!snapshotInterval.isZero() && !period.isZero() && period.compareTo(snapshotInterval) < 0) {
                problems.add("period (" + Durations.format(period) + ") must not be shorter than snapshotInterval ("
                        + Durations.format(snapshotInterval) + ")");
            }
            Plugins p = plugins;
            if (p == null && (sourceName != null || sinks.stream().anyMatch(s -> s.sink == null)
                    || aggregators.stream().anyMatch(a -> a instanceof NamedSpec))) {
                try {
                    p = Plugins.discover();
                } catch (ConfigurationException e) {
                    problems.add(e.getMessage());
                }
            }
            Plugins found = p;
            PacketSource src = source;
            if (src == null) {
                if (sourceName == null) {
                    problems.add("no source: call source(...)");
                } else if (found != null) {
                    src = create("source '" + sourceName + "'", sourceConfig,
                            c -> found.source(sourceName).create(c), problems, created);
                }
            }
            List<Aggregator> aggs = new ArrayList<>();
            Set<String> taskNames = new HashSet<>();
            for (Object a : aggregators) {
                Aggregator agg = null;
                if (a instanceof Aggregator) {
                    agg = (Aggregator) a;
                } else if (found != null) {
                    NamedSpec spec = (NamedSpec) a;
                    agg = create("aggregator '" + spec.name() + "'", spec.config(),
                            c -> found.aggregator(spec.name()).create(c), problems, null);
                }
                if (agg == null) {
                    continue;
                }
                if (!taskNames.add(agg.task())) {
                    problems.add("two aggregator tasks named '" + agg.task() + "'");
                }
                aggs.add(agg);
            }
            int queue = sinkQueueCapacity != null ? sinkQueueCapacity
                    : src != null && src.isLive() ? LIVE_SINK_QUEUE : FILE_SINK_QUEUE;
            List<Sink> sinkList = new ArrayList<>();
            List<Integer> capacities = new ArrayList<>();
            List<QueueFullPolicy> policies = new ArrayList<>();
            for (SinkSpec s : sinks) {
                if (s.sink != null) {
                    sinkList.add(s.sink);
                    capacities.add(queue);
                    policies.add(sinkFullPolicy);
                    continue;
                }
                Map<String, Object> cfg = new LinkedHashMap<>(s.config);
                int capacity = queue;
                QueueFullPolicy policy = sinkFullPolicy;
                Object q = cfg.remove("queue");
                Object f = cfg.remove("on_full");
                int before = problems.size();
                if (q != null) {
                    try {
                        capacity = Integer.parseInt(q.toString().trim());
                        if (capacity < 2) {
                            problems.add("sink '" + s.name + "': queue: " + q + " (expected: >= 2)");
                        }
                    } catch (NumberFormatException e) {
                        problems.add("sink '" + s.name + "': queue: '" + q + "' (expected: a whole number >= 2)");
                    }
                }
                if (f != null) {
                    switch (f.toString().trim().toLowerCase(java.util.Locale.ROOT)) {
                        case "block": policy = QueueFullPolicy.BLOCK; break;
                        case "drop": policy = QueueFullPolicy.DROP; break;
                        default: problems.add("sink '" + s.name + "': on_full: '" + f + "' (expected: block or drop)");
                    }
                }
                if (found == null || problems.size() > before) {
                    continue;
                }
                Sink sink = create("sink '" + s.name + "'", cfg, c -> found.sink(s.name).create(c), problems,
                        created);
                if (sink != null) {
                    sinkList.add(sink);
                    capacities.add(Math.max(2, capacity));
                    policies.add(policy);
                }
            }
            if (!problems.isEmpty()) {
                for (AutoCloseable c : created) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        problems.add("closing " + c + " after the failed build: " + e);
                    }
                }
                throw new ConfigurationException(problems.size() == 1 ? problems.get(0)
                        : problems.size() + " problems: " + String.join("; ", problems));
            }
            List<SinkRunner> runners = new ArrayList<>();
            for (int i = 0; i < sinkList.size(); i++) {
                runners.add(new SinkRunner(sinkList.get(i), capacities.get(i), policies.get(i)));
            }
            List<Pipeline.Schedule> schedules = new ArrayList<>();
            schedules.add(new Pipeline.Schedule(snapshotInterval, new ArrayList<>(), true));
            int listenerNo = 0;
            for (Listener l : snapshotListeners) {
                SinkRunner r = new SinkRunner(new SnapshotListenerSink("on-snapshot-" + ++listenerNo, l.consumer()),
                        queue, QueueFullPolicy.BLOCK);
                Pipeline.Schedule target = null;
                for (Pipeline.Schedule sc : schedules) {
                    if (sc.interval().equals(l.interval()) || (sc.toSinks() && l.interval().isZero())) {
                        target = sc;
                        break;
                    }
                }
                if (target == null) {
                    target = new Pipeline.Schedule(l.interval(), new ArrayList<>(), false);
                    schedules.add(target);
                }
                target.listeners().add(r);
            }
            PacketSource finalSrc = src;
            RecordContext ctx = new RecordContext(finalSrc::interfaceName, hostname, localAddresses);
            int n = workers != null ? workers : defaultWorkers();
            int initial = expectedFlows != null ? Math.min(expectedFlows, o.maxFlows()) : Math.min(EXPECTED_FLOWS, o.maxFlows());
            boolean inline = n == 1 && (inlineWorker != null ? inlineWorker
                    : Runtime.getRuntime().availableProcessors() == 1);
            Pipeline.Settings settings = new Pipeline.Settings(o, n, initial, ctx, aggs, schedules, period,
                    runners, sinkCloseTimeout, inline, failOnPluginError, flowCache, packetListener, rawFrameTap);
            return new FlowTrace(new Pipeline(settings, src));
        }

        /**
         * Creates one plugin, recording what is wrong in {@code problems} instead of throwing; validates its
         * configuration again afterwards (a provider that forgot to still refuses unknown keys).
         */
        private static <T> T create(String what, Map<String, ?> config, Function<PluginConfig, T> factory,
                                    List<String> problems, List<AutoCloseable> created) {
            PluginConfig c;
            try {
                c = new PluginConfig(what, config);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
                return null;
            }
            T t;
            try {
                t = factory.apply(c);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
                return null;
            } catch (RuntimeException e) {
                problems.add(what + ": " + e);
                return null;
            }
            if (created != null && t instanceof AutoCloseable) {
                created.add((AutoCloseable) t);
            }
            try {
                c.validate();
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
            return t;
        }

        static int defaultWorkers() {
            int cores = Runtime.getRuntime().availableProcessors();
            return cores <= 2 ? 1 : Math.min(16, cores - 1);
        }
    }
}
