package io.flowtrace.cluster;

import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PacketListener;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.nats.NatsClientSettings;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes every packet the meter decodes to a NATS subject as the probe does: one {@code PacketInfo} per message
 * in Thrift or Protobuf, or many per message in flowtrace's batched form. Give it to the builder with
 * {@code FlowTrace.builder().packetListener(publisher)}: each worker encodes its packets into chunks of its own
 * (no allocation, no lock per packet) and hands a chunk to the publishing thread when it is full, or at the end of
 * a worker batch once it is older than {@code linger}, and at the end of the run.
 *
 * <p>Drop policy: each worker has {@code chunks} chunks of {@code chunk_size} bytes. When all of a worker's chunks
 * wait for the publishing thread (NATS slow, or down and the client's reconnect buffer full), its new packets are
 * dropped and counted ({@code dropped}): live capture never waits for NATS. With {@code on_full=block} (for capture
 * files, whose reading may wait) the worker waits for a chunk instead. A publish the client refuses is counted
 * ({@code failed}). Settings, read once:
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}, {@code token}, {@code user}, {@code password}, {@code credentials}, {@code tls},
 *     {@code truststore}, {@code truststore-password}, {@code connect-timeout}, {@code reconnect-wait},
 *     {@code max-reconnects}, {@code reconnect-buffer}</td><td>as the {@code nats} sink</td><td>the server</td></tr>
 * <tr><td>{@code subject}</td><td>{@code gons.packets.raw}</td><td>where packets go</td></tr>
 * <tr><td>{@code format}</td><td>{@code thrift}</td><td>{@code thrift}, {@code protobuf} or {@code batch}</td></tr>
 * <tr><td>{@code chunk_size}</td><td>{@code 64KiB}</td><td>bytes of one chunk (with {@code batch}: the largest
 *     message)</td></tr>
 * <tr><td>{@code chunks}</td><td>{@code 16}</td><td>chunks per worker: the bound on what waits for NATS</td></tr>
 * <tr><td>{@code on_full}</td><td>{@code drop}</td><td>{@code drop}: packets no chunk can take are counted
 *     and dropped; {@code block}: the worker waits (the meter slows down to what NATS takes)</td></tr>
 * <tr><td>{@code linger}</td><td>{@code 20ms}</td><td>the longest a chunk waits for more packets once a worker
 *     batch ends</td></tr>
 * </table>
 *
 * <p>Threads: {@link #forWorker} is called when the meter is built; each listener on its worker's thread; one
 * publishing thread of the publisher's own; {@link #counters()} from any thread; {@link #close()} once, after the
 * meter ran.
 *
 * @since 0.1
 */
public final class PacketPublisher implements PacketListener.Factory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PacketPublisher.class);

    private final String subject;
    private final PacketInfoFormat format;
    private final int chunkSize;
    private final int chunksPerWorker;
    private final long lingerNanos;
    private final boolean block;
    private final Connection conn;
    private final BlockingQueue<Chunk> full = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closing;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean quietProblems =
            new java.util.concurrent.atomic.AtomicBoolean();

    private PacketPublisher(NatsClientSettings client, String subject, PacketInfoFormat format, int chunkSize,
                            int chunks, Duration linger, boolean block) {
        this.block = block;
        this.subject = subject;
        this.format = format;
        this.chunkSize = chunkSize;
        this.chunksPerWorker = chunks;
        this.lingerNanos = linger.toNanos();
        try {
            this.conn = Nats.connect(client.options("flowtrace-probe")
                    .connectionListener((c, e) -> {
                        if (e == ConnectionListener.Events.DISCONNECTED) {
                            disconnects.incrementAndGet();
                        } else if (e == ConnectionListener.Events.RECONNECTED) {
                            reconnects.incrementAndGet();
                            quietProblems.set(false);
                        }
                    })
                    .errorListener(new ErrorListener() {
                        @Override
                        public void exceptionOccurred(Connection c, Exception e) {
                            if (!quietProblems.getAndSet(true)) {
                                // once until reconnected: every failed attempt would log the same again
                                LOG.warn("probe: NATS connection problem (reconnecting; logged once until"
                                        + " reconnected): {}", e.toString());
                            }
                        }
                    })
                    .build());
        } catch (IOException e) {
            throw new FlowTraceException("probe: cannot connect to NATS " + client + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlowTraceException("probe: interrupted while connecting to NATS", e);
        }
        thread = new Thread(this::publishLoop, "flowtrace-probe-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Connects to NATS with the given settings (see the class comment) and starts the publishing thread.
     *
     * @param config the publisher's settings
     * @return the publisher, to be {@linkplain #close() closed} after the meter ran
     * @throws io.flowtrace.core.ConfigurationException listing every bad value and unknown key
     * @throws FlowTraceException when the server cannot be reached
     */
    public static PacketPublisher create(PluginConfig config) {
        NatsClientSettings client = NatsClientSettings.read(config);
        String subject = config.getString("subject", NatsSourceSettings.DEFAULT_SUBJECT).trim();
        if (subject.isEmpty() || subject.contains(" ") || subject.contains("*") || subject.contains(">")) {
            config.error("subject: '" + subject + "' (expected: a NATS subject without wildcards)");
        }
        PacketInfoFormat format = PacketInfoFormat.valueOf(
                config.getChoice("format", "thrift", "thrift", "protobuf", "batch").toUpperCase(Locale.ROOT));
        int chunkSize = (int) config.getSize("chunk_size", 64 << 10, 1024, 8 << 20);
        int chunks = config.getInt("chunks", 16, 2, 4096);
        Duration linger = config.getDuration("linger", Duration.ofMillis(20));
        boolean block = "block".equals(config.getChoice("on_full", "drop", "drop", "block"));
        config.validate();
        return new PacketPublisher(client, subject, format, chunkSize, chunks, linger, block);
    }

    /** {@return where packets go} */
    public String subject() {
        return subject;
    }

    /** {@return the format packets are published in} */
    public PacketInfoFormat format() {
        return format;
    }

    @Override
    public PacketListener forWorker(int worker, int workers) {
        return new Lane();
    }

    /** A chunk of encoded packets: one batch message, or length-prefixed single messages. */
    private final class Chunk {
        final Lane owner;
        final byte[] buf;
        final PacketInfoCodec.BatchWriter batch;
        int pos;
        int count;
        long startNanos;

        Chunk(Lane owner) {
            this.owner = owner;
            if (format == PacketInfoFormat.BATCH) {
                batch = new PacketInfoCodec.BatchWriter(chunkSize);
                buf = null;
            } else {
                batch = null;
                buf = new byte[chunkSize];
            }
        }

        /** Adds a packet; false when full. */
        boolean add(PacketInfo p) {
            if (batch != null) {
                if (!batch.add(p)) {
                    return false;
                }
            } else {
                if (buf.length - pos < 1 + PacketInfoCodec.MAX_ENCODED) {
                    return false;
                }
                int n = PacketInfoCodec.encode(format, p, buf, pos + 1);
                buf[pos] = (byte) n;
                pos += 1 + n;
            }
            count++;
            return true;
        }

        void reset() {
            pos = 0;
            count = 0;
            if (batch != null) {
                batch.reset();
            }
        }
    }

    /** One worker's side: its chunks, one being filled. */
    private final class Lane implements PacketListener {
        private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(chunksPerWorker);
        private final PacketInfo info = new PacketInfo();
        private Chunk current;

        Lane() {
            for (int i = 0; i < chunksPerWorker; i++) {
                free.add(new Chunk(this));
            }
        }

        @Override
        public void onPacket(PacketView packet) {
            info.set(packet);
            if (current == null && !take()) {
                dropped.incrementAndGet();
                return;
            }
            if (!current.add(info)) {
                handOff();
                if (!take() || !current.add(info)) {
                    dropped.incrementAndGet();
                }
            }
        }

        private boolean take() {
            Chunk c = free.poll();
            while (c == null && block && !closing) {
                try {
                    c = free.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            if (c == null) {
                return false;
            }
            c.startNanos = System.nanoTime();
            current = c;
            return true;
        }

        private void handOff() {
            Chunk c = current;
            current = null;
            if (c != null) {
                if (c.count == 0) {
                    free.add(c);
                } else {
                    full.add(c); // unbounded queue, bounded by the chunks that exist
                }
            }
        }

        @Override
        public void onBatchEnd(long clockNanos) {
            Chunk c = current;
            if (c != null && c.count > 0 && System.nanoTime() - c.startNanos >= lingerNanos) {
                handOff();
            }
        }

        @Override
        public void onEnd() {
            handOff();
        }
    }

    private void publishLoop() {
        while (true) {
            Chunk c;
            try {
                c = full.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (c == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            try {
                publish(c);
            } finally {
                c.reset();
                c.owner.free.add(c);
            }
        }
    }

    private void publish(Chunk c) {
        int done = 0;
        try {
            if (c.batch != null) {
                byte[] msg = Arrays.copyOf(c.batch.array(), c.batch.size()); // jnats keeps the array until sent
                conn.publish(subject, msg);
                messages.incrementAndGet();
                published.addAndGet(c.count);
                return;
            }
            int p = 0;
            while (p < c.pos) {
                int n = c.buf[p] & 0xff;
                conn.publish(subject, Arrays.copyOfRange(c.buf, p + 1, p + 1 + n));
                p += 1 + n;
                done++;
                published.incrementAndGet();
                messages.incrementAndGet();
            }
        } catch (IllegalStateException e) {
            // closed, or disconnected with the reconnect buffer full: the chunk's unsent packets are lost
            failed.addAndGet(c.count - done);
        }
    }

    /**
     * {@code published} packets and {@code messages} handed to the client, {@code dropped} (no free chunk: NATS
     * behind), {@code failed} (the client refused), {@code disconnects}, {@code reconnects}.
     *
     * @return the counters by name
     */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("published", published.get());
        m.put("messages", messages.get());
        m.put("dropped", dropped.get());
        m.put("failed", failed.get());
        m.put("disconnects", disconnects.get());
        m.put("reconnects", reconnects.get());
        return m;
    }

    /**
     * Publishes what the workers handed over, waits (up to 10 s) until the server has it, and disconnects. Call
     * after the meter ran (its workers flush at the end of the run). Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            Chunk left;
            while ((left = full.poll()) != null) {
                failed.addAndGet(left.count); // the publishing thread gave up (30 s): counted, not lost silently
            }
            if (conn.getStatus() == Connection.Status.CONNECTED) {
                conn.flush(Duration.ofSeconds(10)); // disconnected: what the client holds is lost with it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("probe: NATS did not confirm the last messages within 10 s");
        } finally {
            try {
                conn.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
