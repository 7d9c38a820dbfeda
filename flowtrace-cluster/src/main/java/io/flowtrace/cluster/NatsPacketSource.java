package io.flowtrace.cluster;

import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.Subscription;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The {@code nats} packet source: subscribes to a subject and hands each packet a message describes to the pipeline
 * as a raw IP frame of the packet's 5-tuple, length and time (see {@link NatsPacketSourceProvider} for settings).
 * Core NATS with an optional queue group (engines share the messages), or a durable JetStream pull consumer
 * (acknowledged after the packets are handed on, through an {@link AckHook}). A message that is not the configured
 * format is counted ({@code malformed}, and by reason) and never metered; messages the client dropped because the
 * pipeline fell behind are counted ({@code slow_consumer_dropped}). Threads as {@link PacketSource} says.
 *
 * @since 0.1
 */
public final class NatsPacketSource implements PacketSource {
    private static final Logger LOG = LoggerFactory.getLogger(NatsPacketSource.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * Decides when JetStream messages whose packets were handed to the pipeline are acknowledged, on the source's
     * thread. An engine that publishes its state may hold them until that state is durable.
     *
     * @since 0.1
     */
    @FunctionalInterface
    public interface AckHook {
        /** Acknowledges every message at once. */
        AckHook AT_ONCE = messages -> {
            for (Message m : messages) {
                m.ack();
            }
        };

        /**
         * Called before a JetStream message's packets are handed to the pipeline, on the source's thread: an engine
         * that resumes from published state skips what that state already holds.
         *
         * @param message the message
         * @return whether to hand its packets on (false: skipped, though still passed to {@link #handed})
         */
        default boolean begin(Message message) {
            return true;
        }

        /**
         * Messages whose packets were all handed to the pipeline, in stream order (malformed ones included: they
         * were counted).
         *
         * @param messages the messages; the list is the source's and valid only during the call
         */
        void handed(List<Message> messages);
    }

    private final NatsSourceSettings s;
    private final AckHook acks;
    private final PacketInfo info = new PacketInfo();
    private final RawFrames frames = new RawFrames();
    private final PacketInfoCodec.BatchReader batch = new PacketInfoCodec.BatchReader();
    private volatile boolean stopping;
    private volatile Connection conn;
    private volatile Subscription sub;

    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLongArray malformedBy = new AtomicLongArray(PacketInfoCodec.Status.values().length);
    private final AtomicLong batchPacketsLost = new AtomicLong();
    private final AtomicLong slowConsumerEvents = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean quietProblems =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final EnumMap<PacketInfoCodec.Status, Boolean> warned = new EnumMap<>(PacketInfoCodec.Status.class);

    NatsPacketSource(NatsSourceSettings settings, AckHook acks) {
        this.s = settings;
        this.acks = acks;
    }

    @Override
    public String description() {
        return "nats " + s.subject() + " (" + s.format().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public boolean isLive() {
        return s.live();
    }

    @Override
    public void run(PacketHandler handler) throws IOException {
        try {
            Connection c = Nats.connect(s.client().options("flowtrace-source")
                    .connectionListener(this::event)
                    .errorListener(new ErrorListener() {
                        @Override
                        public void slowConsumerDetected(Connection c, Consumer consumer) {
                            slowConsumerEvents.incrementAndGet();
                        }

                        @Override
                        public void errorOccurred(Connection c, String error) {
                            LOG.warn("source nats: server error: {}", error.replaceAll("\\p{Cntrl}", "?"));
                        }

                        @Override
                        public void exceptionOccurred(Connection c, Exception e) {
                            if (!quietProblems.getAndSet(true)) {
                                // once until reconnected: every failed attempt would log the same again
                                LOG.warn("source nats: connection problem (reconnecting; logged once until"
                                        + " reconnected): {}", e.toString());
                            }
                        }
                    })
                    .build());
            conn = c;
            if (s.jetStream()) {
                runJetStream(c, handler);
            } else {
                runCore(c, handler);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (JetStreamApiException e) {
            throw new FlowTraceException("source nats: JetStream refused the consumer '" + s.durable() + "' on '"
                    + s.subject() + "': " + e.getMessage() + " (a stream must hold the subject: nats stream add)",
                    e);
        }
    }

    private void runCore(Connection c, PacketHandler handler) throws InterruptedException {
        Subscription sb = s.queueGroup() == null ? c.subscribe(s.subject()) : c.subscribe(s.subject(), s.queueGroup());
        sb.setPendingLimits(s.pendingMessages(), s.pendingBytes());
        sub = sb;
        long lastMessage = NONE;
        while (!stopping) {
            Message m = sb.nextMessage(POLL);
            if (m == null) {
                if (idleOver(lastMessage)) {
                    return;
                }
                continue;
            }
            lastMessage = System.nanoTime();
            handle(m.getData(), handler);
        }
    }

    private void runJetStream(Connection c, PacketHandler handler)
            throws IOException, JetStreamApiException, InterruptedException {
        JetStream js = c.jetStream();
        PullSubscribeOptions.Builder o = PullSubscribeOptions.builder().durable(s.durable())
                .configuration(ConsumerConfiguration.builder()
                        .ackPolicy(AckPolicy.Explicit)
                        .maxAckPending(s.maxAckPending())
                        .ackWait(s.ackWait())
                        .build());
        if (s.stream() != null) {
            o.stream(s.stream());
        }
        JetStreamSubscription sb = js.subscribe(s.subject(), o.build());
        sub = sb;
        long lastMessage = NONE;
        while (!stopping) {
            List<Message> ms = sb.fetch(s.fetch(), POLL);
            if (ms.isEmpty()) {
                if (idleOver(lastMessage)) {
                    return;
                }
                continue;
            }
            lastMessage = System.nanoTime();
            for (Message m : ms) {
                if (acks.begin(m)) {
                    handle(m.getData(), handler);
                }
            }
            acks.handed(ms);
            acked.addAndGet(ms.size());
        }
    }

    /** No message yet: {@code idle_exit} counts from the first one, so a run waits for its sender to start. */
    private static final long NONE = Long.MIN_VALUE;

    private boolean idleOver(long lastMessage) {
        return !s.idleExit().isZero() && lastMessage != NONE
                && System.nanoTime() - lastMessage >= s.idleExit().toNanos();
    }

    /** One message: its packets to the pipeline, or counted as malformed. */
    private void handle(byte[] data, PacketHandler handler) {
        messages.incrementAndGet();
        if (data == null) {
            data = new byte[0];
        }
        if (s.format() == PacketInfoFormat.BATCH) {
            PacketInfoCodec.Status st = batch.begin(data, 0, data.length);
            if (st != PacketInfoCodec.Status.OK) {
                bad(st);
                return;
            }
            while (batch.remaining() > 0) {
                st = batch.next(info);
                if (st != PacketInfoCodec.Status.OK) {
                    batchPacketsLost.addAndGet(batch.remaining());
                    bad(st);
                    return;
                }
                feed(handler);
            }
            return;
        }
        PacketInfoCodec.Status st = PacketInfoCodec.decode(s.format(), data, 0, data.length, info);
        if (st != PacketInfoCodec.Status.OK) {
            bad(st);
            return;
        }
        feed(handler);
    }

    private void feed(PacketHandler handler) {
        int cap = frames.write(info);
        int wire = (int) info.length;
        handler.onPacket(info.timestampNanos, LinkType.RAW, frames.array(), 0, cap, Math.max(wire, cap), 0);
        packets.incrementAndGet();
        bytes.addAndGet(wire);
    }

    private void bad(PacketInfoCodec.Status st) {
        malformed.incrementAndGet();
        malformedBy.incrementAndGet(st.ordinal());
        if (warned.put(st, Boolean.TRUE) == null) {
            LOG.warn("source nats: a message on '{}' is not {} PacketInfo ({}); such messages are counted as"
                    + " malformed, not metered (logged once per reason)", s.subject(),
                    s.format().name().toLowerCase(java.util.Locale.ROOT), st);
        }
    }

    private void event(Connection c, ConnectionListener.Events e) {
        if (e == ConnectionListener.Events.DISCONNECTED) {
            disconnects.incrementAndGet();
        } else if (e == ConnectionListener.Events.RECONNECTED) {
            reconnects.incrementAndGet();
            quietProblems.set(false);
        }
    }

    @Override
    public void stop() {
        stopping = true;
    }

    /**
     * {@code messages}, {@code packets} and {@code bytes} handed on, {@code malformed} messages (and
     * {@code malformed_<reason>}), {@code batch_packets_lost} (announced in a damaged batch, not read),
     * {@code slow_consumer_dropped} (messages the client dropped: the pipeline fell behind) and
     * {@code slow_consumer_events}, {@code acked} (JetStream), {@code disconnects}, {@code reconnects}.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("messages", messages.get());
        m.put("packets", packets.get());
        m.put("bytes", bytes.get());
        m.put("malformed", malformed.get());
        for (PacketInfoCodec.Status st : PacketInfoCodec.Status.values()) {
            long n = malformedBy.get(st.ordinal());
            if (n > 0) {
                m.put("malformed_" + st.name().toLowerCase(java.util.Locale.ROOT), n);
            }
        }
        m.put("batch_packets_lost", batchPacketsLost.get());
        Subscription sb = sub;
        long dropped = 0;
        if (sb != null && !s.jetStream()) {
            try {
                dropped = sb.getDroppedCount();
            } catch (IllegalStateException closed) {
                dropped = lastDropped;
            }
            lastDropped = dropped;
        }
        m.put("slow_consumer_dropped", dropped);
        m.put("slow_consumer_events", slowConsumerEvents.get());
        if (s.jetStream()) {
            m.put("acked", acked.get());
        }
        m.put("disconnects", disconnects.get());
        m.put("reconnects", reconnects.get());
        return m;
    }

    private volatile long lastDropped;

    @Override
    public void close() {
        Subscription sb = sub;
        if (sb != null && !s.jetStream()) {
            try {
                lastDropped = sb.getDroppedCount();
            } catch (IllegalStateException ignored) {
                // already closed: the count read last stands
            }
        }
        Connection c = conn;
        conn = null;
        if (c != null) {
            try {
                if (s.jetStream() && c.getStatus() == Connection.Status.CONNECTED) {
                    // jnats drops what its writer still queues when it closes: the last acknowledgements would be
                    // lost, and their messages delivered again to the next run after the ack wait
                    c.flush(Duration.ofSeconds(5));
                }
            } catch (java.util.concurrent.TimeoutException | IllegalStateException e) {
                LOG.warn("source nats: the server did not confirm the last acknowledgements before closing ({}); "
                        + "their messages may be delivered again", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
