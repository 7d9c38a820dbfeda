package io.flowtrace.cluster;

import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.nats.NatsClientSettings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An engine's share of a partitioned JetStream subject, with nothing lost and nothing counted twice: one durable
 * pull consumer per partition it owns ({@code SUBJECT.<n>}, durable {@code DURABLE-<n>}; the subject itself and
 * {@code DURABLE-0} when there is one partition), packet time as the only clock, and acknowledgements held until
 * the state that holds a message's packets is durably published ({@link #acknowledge}, from
 * {@link ClusterNode#onPublished}).
 *
 * <p>It knows where each snapshot window of the state schedule ends in every partition ({@link #coverage}): the
 * pipeline closes a window before the first packet whose time reaches the window's end joins a batch, and this
 * source sees every packet, in the order the pipeline does, before handing it on. After a restart it skips what the
 * node's last published state holds ({@link ClusterNode#resumePoint()}): messages before the position, and the
 * first packets of the message at it; the rest, delivered again, is metered: each partition's durable consumer is made
 * anew to start at that position, so that what the old one had delivered comes back in stream order. A message delivered again while this
 * process runs (its acknowledgement waits for a snapshot) is not handed on twice. When no packet has come for a
 * moment and messages wait for their acknowledgement, the clock is moved to the next window's end so that a
 * snapshot is taken (a quiet stream, or one held back by the server's limit of unacknowledged messages).
 *
 * <p>Thread-safe: each partition is read on a thread of its own, and their packets reach the pipeline one at a time.
 *
 * @since 0.1
 */
public final class ClusterSource implements PacketSource {
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Object lock = new Object();
    private final int[] partitions;
    private final List<NatsPacketSource> parts = new ArrayList<>();
    private final long interval;
    private final ClusterNode.Coverage resume;
    private final String description;
    private final List<Map<String, String>> configs = new ArrayList<>();
    // the mirror of the pipeline's clock and each partition's position, under lock
    private long clock = Long.MIN_VALUE;
    private final long[] current;
    private final long[] packetsOfCurrent;
    private final long[] skip;
    private final long[] maxBegun;
    /** The last sequence whose packets were all handed on. */
    private final long[] complete;
    private final long[] ackedBelow;
    private final List<TreeMap<Long, Message>> pending = new ArrayList<>();
    private final NavigableMap<Long, ClusterNode.Coverage> crossings = new TreeMap<>();
    private boolean ended;
    private long lastPacket = System.nanoTime();
    private boolean nudged;
    private PacketHandler handler;
    private volatile boolean stopping;
    private long skippedResumed;
    private long redelivered;
    private long acked;
    private long nudges;

    /**
     * A source over the partitions an engine owns.
     *
     * @param nats the {@code nats} source settings shared by every partition (server, format, {@code fetch}, ...);
     *             {@code subject}, {@code durable}, {@code jetstream} and {@code live} are set here
     * @param subject the configured subject: partition {@code n} is {@code subject.n} when there are several
     * @param durable the durable consumers' name prefix
     * @param partitionCount how many partitions the subject has ({@code 1}: the subject itself)
     * @param owned the partitions this engine owns, each in {@code 0..partitionCount-1}
     * @param stateInterval the state schedule's interval ({@link io.flowtrace.core.FlowTrace.Builder#onState})
     * @param resume where this node's last published state ends ({@link ClusterNode#resumePoint()})
     * @throws io.flowtrace.core.ConfigurationException when the settings are refused
     */
    public ClusterSource(Map<String, String> nats, String subject, String durable, int partitionCount, List<Integer> owned,
                         Duration stateInterval, ClusterNode.Coverage resume) {
        if (owned.isEmpty()) {
            throw new IllegalArgumentException("partitions: none owned (expected: some of 0.." + (partitionCount - 1)
                    + ")");
        }
        if (stateInterval.isZero() || stateInterval.isNegative()) {
            throw new IllegalArgumentException("state interval: " + stateInterval + " (expected: > 0)");
        }
        this.interval = stateInterval.toNanos();
        this.resume = resume == null ? ClusterNode.Coverage.NONE : resume;
        this.partitions = owned.stream().mapToInt(Integer::intValue).toArray();
        int n = partitions.length;
        current = new long[n];
        packetsOfCurrent = new long[n];
        skip = new long[n];
        maxBegun = new long[n];
        complete = new long[n];
        ackedBelow = new long[n];
        java.util.Arrays.fill(current, -1);
        FlowPartitioner names = new FlowPartitioner(partitionCount, 0);
        NatsPacketSourceProvider provider = new NatsPacketSourceProvider();
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int p = partitions[i];
            if (p < 0 || p >= partitionCount) {
                throw new IllegalArgumentException("partition " + p + " (expected: 0.." + (partitionCount - 1) + ")");
            }
            pending.add(new TreeMap<>());
            Map<String, String> cfg = new LinkedHashMap<>(nats);
            cfg.put("subject", names.subject(subject, p));
            cfg.put("durable", durable + "-" + p);
            cfg.put("jetstream", "on");
            cfg.put("live", "off");
            subjects.add(cfg.get("subject"));
            configs.add(cfg);
            int index = i;
            parts.add(provider.create(new PluginConfig("nats", cfg), new NatsPacketSource.AckHook() {
                @Override
                public boolean begin(Message m) {
                    return ClusterSource.this.begin(index, m);
                }

                @Override
                public void handed(List<Message> messages) {
                    ClusterSource.this.handed(index, messages); // acknowledged once a published state holds them
                }
            }));
        }
        description = "nats " + String.join(", ", subjects) + " (JetStream, acknowledged after published state)";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void run(PacketHandler h) throws IOException {
        synchronized (lock) {
            handler = h;
        }
        if (!resume.covered().isEmpty()) {
            startConsumersAtResumePoint();
        }
        List<Thread> threads = new ArrayList<>();
        IOException[] io = new IOException[parts.size()];
        RuntimeException[] rt = new RuntimeException[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            int index = i;
            PacketHandler mine = new PacketHandler() {
                @Override
                public void onPacket(long ts, int linkType, byte[] data, int offset, int cap, int wire, int ifc) {
                    packet(index, ts, linkType, data, offset, cap, wire, ifc);
                }
            };
            Thread t = new Thread(() -> {
                try {
                    parts.get(index).run(mine);
                } catch (IOException e) {
                    io[index] = e;
                } catch (RuntimeException e) {
                    rt[index] = e;
                }
            }, "flowtrace-cluster-partition-" + partitions[i]);
            t.start();
            threads.add(t);
        }
        Thread nudger = new Thread(this::nudgeWhileRunning, "flowtrace-cluster-clock");
        nudger.setDaemon(true);
        nudger.start();
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        } finally {
            synchronized (lock) {
                ended = true;
            }
            nudger.interrupt();
        }
        for (int i = 0; i < parts.size(); i++) {
            if (io[i] != null) {
                throw io[i];
            }
            if (rt[i] != null) {
                throw rt[i];
            }
        }
    }

    /**
     * Makes each partition's durable consumer start where this node's state ends: messages the old consumer had
     * delivered and not acknowledged would otherwise come back mixed with newer ones, out of stream order.
     */
    private void startConsumersAtResumePoint() throws IOException {
        PluginConfig base = new PluginConfig("nats", configs.get(0));
        try (Connection c = Nats.connect(NatsClientSettings.read(base).options("flowtrace-resume").build())) {
            JetStreamManagement jsm = c.jetStreamManagement();
            for (int i = 0; i < partitions.length; i++) {
                Long s = resume.covered().get(partitions[i]);
                if (s == null) {
                    continue;
                }
                PluginConfig cfg = new PluginConfig("nats", configs.get(i));
                String subject = configs.get(i).get("subject");
                String durable = configs.get(i).get("durable");
                String stream = cfg.getString("stream", null);
                if (stream == null) {
                    List<String> names = jsm.getStreamNames(subject);
                    if (names.isEmpty()) {
                        throw new FlowTraceException("source nats: no JetStream stream holds '" + subject + "'");
                    }
                    stream = names.get(0);
                }
                long start = resume.partial().containsKey(partitions[i]) ? s : s + 1;
                try {
                    jsm.deleteConsumer(stream, durable);
                } catch (JetStreamApiException missing) {
                    // a consumer not made yet
                }
                jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(durable)
                        .filterSubject(subject).deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(start)
                        .ackPolicy(AckPolicy.Explicit)
                        .maxAckPending(cfg.getInt("max_ack_pending", 65_536, 1, 10_000_000))
                        .ackWait(cfg.getDuration("ack_wait", Duration.ofSeconds(30))).build());
            }
        } catch (JetStreamApiException e) {
            throw new FlowTraceException("source nats: the consumers could not be set to the resume point: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting the consumers to the resume point", e);
        }
    }

    private boolean begin(int i, Message m) {
        long seq = m.metaData().streamSequence();
        int p = partitions[i];
        synchronized (lock) {
            Long s = resume.covered().get(p);
            if (s != null) {
                Long k = resume.partial().get(p);
                if (seq < s || seq == s && k == null) {
                    skippedResumed++;
                    ack(m);
                    return false;
                }
            }
            if (seq <= maxBegun[i]) {
                redelivered++;
                if (seq < ackedBelow[i]) {
                    ack(m);
                } else {
                    pending.get(i).put(seq, m); // the newest delivery is the one to acknowledge
                }
                return false;
            }
            maxBegun[i] = seq;
            current[i] = seq;
            packetsOfCurrent[i] = 0;
            skip[i] = 0;
            if (s != null && seq == s) {
                long k = resume.partial().get(p);
                skip[i] = k;
                packetsOfCurrent[i] = k;
            }
            pending.get(i).put(seq, m);
            return true;
        }
    }

    private void handed(int i, List<Message> messages) {
        synchronized (lock) {
            for (Message m : messages) {
                long seq = m.metaData().streamSequence();
                if (seq <= maxBegun[i]) {
                    complete[i] = Math.max(complete[i], seq);
                }
            }
        }
    }

    private void packet(int i, long ts, int linkType, byte[] data, int offset, int cap, int wire, int ifc) {
        synchronized (lock) {
            if (skip[i] > 0) {
                skip[i]--;
                return;
            }
            if (ts > clock) {
                if (clock != Long.MIN_VALUE && Math.floorDiv(ts, interval) > Math.floorDiv(clock, interval)) {
                    // the pipeline closes the windows up to here before this packet joins a batch
                    crossings.put(Math.floorDiv(ts, interval) * interval, position());
                }
                clock = ts;
            }
            handler.onPacket(ts, linkType, data, offset, cap, wire, ifc);
            packetsOfCurrent[i]++;
            lastPacket = System.nanoTime();
            nudged = false;
        }
    }

    private ClusterNode.Coverage position() {
        Map<Integer, Long> covered = new TreeMap<>();
        Map<Integer, Long> partial = new TreeMap<>();
        for (int i = 0; i < partitions.length; i++) {
            if (current[i] >= 0) {
                covered.put(partitions[i], current[i]);
                if (complete[i] < current[i]) {
                    partial.put(partitions[i], packetsOfCurrent[i]);
                }
            }
        }
        return new ClusterNode.Coverage(covered, partial);
    }

    private void nudgeWhileRunning() {
        while (!stopping) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (ended || nudged || clock == Long.MIN_VALUE || System.nanoTime() - lastPacket < QUIET_NANOS) {
                    continue;
                }
                boolean waiting = false;
                for (TreeMap<Long, Message> m : pending) {
                    waiting |= !m.isEmpty();
                }
                if (!waiting) {
                    continue;
                }
                long end = Math.floorDiv(clock, interval) * interval + interval;
                crossings.put(end, position());
                clock = end;
                handler.onIdle(end);
                nudged = true;
                nudges++;
            }
        }
    }

    /**
     * {@return where the state of the window ending at {@code endNanos} ends in each partition} For
     * {@link ClusterNode}'s {@code coverage}.
     *
     * @param endNanos a window's end
     */
    public ClusterNode.Coverage coverage(long endNanos) {
        synchronized (lock) {
            if (ended) {
                return position(); // the last windows hold everything handed on
            }
            Map.Entry<Long, ClusterNode.Coverage> e = crossings.ceilingEntry(endNanos);
            crossings.headMap(endNanos, false).clear();
            return e != null ? e.getValue() : position();
        }
    }

    /**
     * Acknowledges every message a durably published record holds whole: those before its position in each
     * partition, and the one at it unless only its first packets are held. For {@link ClusterNode#onPublished}.
     *
     * @param r a record this node published and the server stored
     */
    public void acknowledge(StateRecord r) {
        synchronized (lock) {
            for (int i = 0; i < partitions.length; i++) {
                Long s = r.covered().get(partitions[i]);
                if (s == null) {
                    continue;
                }
                TreeMap<Long, Message> waiting = pending.get(i);
                boolean whole = !r.partial().containsKey(partitions[i]);
                Map<Long, Message> done = waiting.headMap(s, whole);
                for (Message m : done.values()) {
                    ack(m);
                }
                done.clear();
                ackedBelow[i] = Math.max(ackedBelow[i], whole ? s + 1 : s);
            }
        }
    }

    private void ack(Message m) {
        m.ack();
        acked++;
    }

    @Override
    public void stop() {
        stopping = true;
        for (NatsPacketSource s : parts) {
            s.stop();
        }
    }

    /**
     * The partitions' counters summed ({@link NatsPacketSource#counters()}), with {@code acked} (after published
     * state), {@code skipped_resumed} (held by the state this node resumed from), {@code redelivered} (delivered
     * again while waiting for a snapshot, not handed on twice) and {@code clock_nudges}.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (NatsPacketSource s : parts) {
            s.counters().forEach((k, v) -> m.merge(k, v, Long::sum));
        }
        synchronized (lock) {
            m.put("acked", acked);
            m.put("skipped_resumed", skippedResumed);
            m.put("redelivered", redelivered);
            m.put("clock_nudges", nudges);
        }
        return m;
    }

    @Override
    public void close() {
        for (NatsPacketSource s : parts) {
            try {
                s.close();
            } catch (RuntimeException e) {
                throw new FlowTraceException("source nats: " + e.getMessage(), e);
            }
        }
    }
}
