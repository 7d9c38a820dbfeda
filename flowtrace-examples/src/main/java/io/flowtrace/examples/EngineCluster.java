package io.flowtrace.examples;

import io.flowtrace.cluster.ClusterNode;
import io.flowtrace.cluster.ClusterSeed;
import io.flowtrace.cluster.ClusterSource;
import io.flowtrace.cluster.ClusterState;
import io.flowtrace.cluster.StateExchange;
import io.flowtrace.cluster.StateRecord;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.EngineConfig;
import io.flowtrace.sinks.nats.NatsClientSettings;
import io.nats.client.Connection;
import io.nats.client.Nats;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The engine on NATS: packets from the {@code probe} block's subject (a queue group, JetStream, or the partitions
 * this engine owns), and with {@code cluster.state_subject} its state published and every engine's merged, so that
 * its query store answers for the whole cluster. With JetStream and a state subject, packets are acknowledged only
 * once published state holds them, and a restarted engine resumes from its last state ({@link ClusterSource}).
 */
final class EngineCluster implements AutoCloseable {
    private final EngineConfig.Probe probe;
    private final EngineConfig.Cluster cluster;
    private Connection connection;
    private StateExchange exchange;
    private ClusterState state;
    private ClusterNode node;
    private ClusterSource source;

    private EngineCluster(EngineConfig.Probe probe, EngineConfig.Cluster cluster) {
        this.probe = probe;
        this.cluster = cluster;
    }

    /** {@return whether engines merge their state ({@code cluster.state_subject} is set)} */
    static boolean merges(EngineConfig c) {
        return c.cluster() != null && c.cluster().stateSubject() != null;
    }

    /**
     * A task's settings with the cluster's sketch seed, unless the task sets its own: the states of every engine
     * then merge.
     */
    static Map<String, String> seeded(EngineConfig c, Map<String, String> settings) {
        if (c.cluster() == null || c.cluster().seed() == null || settings.containsKey("seed")) {
            return settings;
        }
        Map<String, String> out = new LinkedHashMap<>(settings);
        out.put("seed", Long.toString(ClusterSeed.of(c.cluster().seed()).sketchSeed()));
        return out;
    }

    /**
     * Sets the builder's source (and, when merging, its state listener); connects for state when merging.
     *
     * @param c the engine's configuration, with a probe block
     * @param b the meter's builder
     * @param tasks every aggregator task's name
     * @param onChange told of every state record that changed the cluster's answer (received or published here)
     */
    static EngineCluster open(EngineConfig c, FlowTrace.Builder b, Set<String> tasks, Consumer<ClusterState> onChange)
            throws IOException {
        EngineCluster e = new EngineCluster(c.probe(), c.cluster());
        boolean merging = merges(c);
        Map<String, String> nats = new LinkedHashMap<>();
        nats.put("url", e.probe.url());
        nats.put("format", e.probe.format());
        String durable = e.cluster != null ? e.cluster.durable() : "flowtrace-engine";
        if (!merging || !e.probe.jetStream()) {
            Map<String, String> plain = new LinkedHashMap<>(nats);
            plain.put("subject", e.probe.subject());
            if (e.probe.queueGroup() != null) {
                plain.put("queue_group", e.probe.queueGroup());
            }
            if (e.probe.jetStream()) {
                plain.put("jetstream", "on");
                plain.put("durable", durable);
            }
            b.source("nats", plain);
        }
        if (!merging) {
            return e;
        }
        Duration period = Duration.ZERO;
        if (c.flow().containsKey("period")) {
            period = io.flowtrace.core.Durations.parse(c.flow().get("period").text());
        }
        if (!period.isZero() && e.probe.jetStream()) {
            // a restarted node adds its last state to what it meters next: that holds only while state never resets
            throw new io.flowtrace.core.ConfigurationException(c.located(c.flow().get("period").where())
                    + ": a reset period with cluster.state_subject over JetStream is not supported (engines resume "
                    + "from their cumulative state): leave period out, or use core NATS (jetstream off)");
        }
        try {
            e.connection = Nats.connect(NatsClientSettings.read(new PluginConfig("cluster", Map.of("url",
                    e.probe.url()))).options("flowtrace-state").build());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to NATS", ie);
        }
        e.state = new ClusterState(period);
        ClusterState st = e.state;
        e.exchange = StateExchange.open(e.connection, e.cluster.stateSubject(), e.probe.jetStream(), st,
                r -> onChange.accept(st));
        ClusterSource[] src = new ClusterSource[1];
        e.node = new ClusterNode(e.cluster.node(), e.exchange, st, tasks,
                end -> src[0] != null ? src[0].coverage(end) : ClusterNode.Coverage.NONE, Duration.ofSeconds(10));
        if (e.probe.jetStream()) {
            List<Integer> owns = e.cluster.owns().isEmpty() ? List.of(0) : e.cluster.owns();
            src[0] = new ClusterSource(nats, e.probe.subject(), durable, e.probe.partitions(), owns,
                    e.cluster.checkpoint(), e.node.resumePoint());
            e.source = src[0];
            b.source(src[0]);
        }
        e.node.onPublished(r -> {
            if (src[0] != null) {
                src[0].acknowledge(r);
            }
            onChange.accept(st);
        });
        b.onState(e.cluster.checkpoint(), e.node);
        onChange.accept(st); // what the stream already held
        return e;
    }

    /** {@return a line naming where packets come from and what is merged, for the start message} */
    String describe() {
        String from = "nats " + probe.subject() + (probe.partitions() > 1 ? ".<0.." + (probe.partitions() - 1) + ">"
                + (cluster != null ? " owning " + cluster.owns() : "") : "") + " (" + probe.format()
                + (probe.jetStream() ? ", JetStream" : "") + (probe.queueGroup() != null ? ", queue group "
                + probe.queueGroup() : "") + ")";
        return state == null ? from : from + ", state merged on " + cluster.stateSubject() + " as node "
                + cluster.node();
    }

    /** Publishes the last state (at most 30 s). */
    void finish() {
        if (node != null) {
            node.close(Duration.ofSeconds(30));
        }
    }

    /** {@return records not published (the server did not confirm them)} */
    long failed() {
        return node == null ? 0 : node.failed();
    }

    @Override
    public void close() {
        finish();
        if (exchange != null) {
            exchange.close();
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
