package io.flowtrace.cluster;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

/**
 * Provides {@code nats}: packets described by {@code PacketInfo} messages on a NATS subject, as the analysis
 * engine's probe publishes them, or flowtrace's batches (see {@link NatsPacketSource}).
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}, {@code token}, {@code user}, {@code password}, {@code credentials}, {@code tls},
 *     {@code truststore}, {@code truststore-password}, {@code connect-timeout}, {@code reconnect-wait},
 *     {@code max-reconnects}, {@code reconnect-buffer}</td><td>as the {@code nats} sink</td><td>the server and how
 *     to connect to it</td></tr>
 * <tr><td>{@code subject}</td><td>{@code gons.packets.raw}</td><td>the subject (wildcards allowed)</td></tr>
 * <tr><td>{@code format}</td><td>{@code thrift}</td><td>{@code thrift} (the probe's), {@code protobuf} (its older
 *     one) or {@code batch} (flowtrace's)</td></tr>
 * <tr><td>{@code queue_group}</td><td>(none: every engine gets every message)</td><td>engines with the same queue
 *     group share the messages: each gets some, none twice (core NATS)</td></tr>
 * <tr><td>{@code jetstream}</td><td>{@code off}</td><td>read through a durable JetStream pull consumer, acknowledging
 *     each message once its packets are handed to the pipeline: a restarted engine goes on where it stopped</td></tr>
 * <tr><td>{@code stream}</td><td>(found by subject)</td><td>JetStream: the stream holding the subject</td></tr>
 * <tr><td>{@code durable}</td><td>(required with JetStream)</td><td>the durable consumer's name, made when missing;
 *     engines binding the same one share the stream</td></tr>
 * <tr><td>{@code fetch}</td><td>{@code 1024}</td><td>JetStream: messages asked for at once</td></tr>
 * <tr><td>{@code max_ack_pending}</td><td>{@code 65536}</td><td>JetStream: messages delivered and not yet
 *     acknowledged, for a new consumer</td></tr>
 * <tr><td>{@code ack_wait}</td><td>{@code 30s}</td><td>JetStream: redelivery after this long without an
 *     acknowledgement, for a new consumer</td></tr>
 * <tr><td>{@code pending_messages}, {@code pending_bytes}</td><td>{@code 524288}, {@code 64MiB}</td><td>core NATS:
 *     messages held for the pipeline; beyond, the client drops them (counted as
 *     {@code slow_consumer_dropped})</td></tr>
 * <tr><td>{@code idle_exit}</td><td>{@code 0} (never)</td><td>once a message has arrived, end the run after this long without
 *     one (for replays)</td></tr>
 * <tr><td>{@code live}</td><td>{@code on}</td><td>packets carry the sensor's wall clock: the pipeline's heartbeat
 *     moves time on when none arrive; {@code off} for replays of old captures, whose packet time is the only
 *     clock</td></tr>
 * </table>
 *
 * @since 0.1
 */
public final class NatsPacketSourceProvider implements PacketSourceProvider {

    /** Stable name of this source. */
    public static final String NAME = "nats";

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public NatsPacketSourceProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Reads and checks the settings; connects when the source runs.
     *
     * @throws io.flowtrace.core.ConfigurationException listing every bad value and unknown key
     */
    @Override
    public PacketSource create(PluginConfig config) {
        return new NatsPacketSource(NatsSourceSettings.from(config), NatsPacketSource.AckHook.AT_ONCE);
    }

    /**
     * Builds a source whose JetStream acknowledgements go through {@code acks} (for an engine that acknowledges
     * only what its published state holds).
     *
     * @param config the source's settings
     * @param acks   decides when handed messages are acknowledged
     * @return the source
     * @throws io.flowtrace.core.ConfigurationException listing every bad value and unknown key
     */
    public NatsPacketSource create(PluginConfig config, NatsPacketSource.AckHook acks) {
        return new NatsPacketSource(NatsSourceSettings.from(config), acks);
    }
}
