package io.flowtrace.cluster;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.nats.NatsClientSettings;

import java.time.Duration;
import java.util.Locale;

/** The validated settings of one {@code nats} source (see {@link NatsPacketSourceProvider} for their meaning). */
record NatsSourceSettings(NatsClientSettings client, String subject, PacketInfoFormat format, String queueGroup,
                          boolean jetStream, String stream, String durable, int fetch, int maxAckPending,
                          Duration ackWait, int pendingMessages, long pendingBytes, Duration idleExit,
                          boolean live) {

    static final String DEFAULT_SUBJECT = "gons.packets.raw";

    static NatsSourceSettings from(PluginConfig config) {
        NatsClientSettings client = NatsClientSettings.read(config);
        String subject = config.getString("subject", DEFAULT_SUBJECT).trim();
        if (subject.isEmpty() || subject.contains(" ") || subject.startsWith(".") || subject.endsWith(".")) {
            config.error("subject: '" + subject + "' (expected: a NATS subject such as gons.packets.raw)");
        }
        PacketInfoFormat format = PacketInfoFormat.valueOf(
                config.getChoice("format", "thrift", "thrift", "protobuf", "batch").toUpperCase(Locale.ROOT));
        String queue = config.getString("queue_group", null);
        if (queue != null && (queue.isBlank() || queue.contains(" "))) {
            config.error("queue_group: '" + queue + "' (expected: a name without spaces)");
        }
        boolean jetStream = config.getBoolean("jetstream", false);
        String stream = config.getString("stream", null);
        String durable = config.getString("durable", null);
        int fetch = config.getInt("fetch", 1024, 1, 100_000);
        int maxAckPending = config.getInt("max_ack_pending", 65_536, 1, 10_000_000);
        Duration ackWait = config.getDuration("ack_wait", Duration.ofSeconds(30));
        int pendingMessages = config.getInt("pending_messages", 524_288, 1, Integer.MAX_VALUE);
        long pendingBytes = config.getSize("pending_bytes", 64L << 20, 1024, 1L << 40);
        Duration idleExit = config.getDuration("idle_exit", Duration.ZERO);
        boolean live = config.getBoolean("live", true);
        if (jetStream) {
            if (durable == null || durable.isBlank()) {
                config.error("durable: missing (required with jetstream: the consumer's name, shared by the engines"
                        + " that split the stream)");
            }
            if (queue != null) {
                config.error("queue_group: not with jetstream (engines share a stream by binding the same durable"
                        + " consumer)");
            }
        } else {
            if (stream != null || durable != null) {
                config.error("stream and durable: only with jetstream=on");
            }
        }
        if (ackWait.isZero()) {
            config.error("ack_wait: 0 (expected: > 0)");
        }
        config.validate();
        return new NatsSourceSettings(client, subject, format, queue, jetStream, stream, durable, fetch,
                maxAckPending, ackWait, pendingMessages, pendingBytes, idleExit, live);
    }
}
