package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.internal.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Exports each event as one data record per direction that has packets (or, with {@code biflow}, as one biflow
 * record), packed into messages that are sent when
 * full and whenever the queue runs empty ({@link #flush()}). Templates lead a message over UDP when they have not
 * been sent for {@code template-interval} or {@code template-packets} messages (a collector that restarts learns
 * them again), and lead the first message of every TCP connection. A message that cannot be sent is counted, by
 * its data records, in {@code failed}, and never thrown: the sequence numbers of later messages show the gap.
 * Called from one delivery thread; {@link #counters()} from any thread.
 */
final class IpfixSink implements Sink {
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(IpfixSink.class));
    private final String name;
    private final IpfixSettings s;
    private final Transport transport;
    private final LongSupplier nanoTime;
    private final Clock wallClock;
    private final MessageWriter writer;

    private boolean templatesSent;
    private long templatesAtNanos;
    private int messagesSinceTemplates;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong templates = new AtomicLong();

    IpfixSink(String name, IpfixSettings settings, Transport transport, LongSupplier nanoTime, Clock wallClock) {
        this.name = name;
        this.s = settings;
        this.transport = transport;
        this.nanoTime = nanoTime;
        this.wallClock = wallClock;
        this.writer = new MessageWriter(ExportFormat.of(settings), settings.mtu(), settings.ipBytes(),
                settings.biflow());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent event) {
        long ingress = ingressInterface(event.interfaceName());
        if (s.biflow()) {
            add(event, false, ingress);
            return;
        }
        if (event.packetsForward() > 0) {
            add(event, false, ingress);
        }
        if (event.packetsReverse() > 0) {
            add(event, true, ingress);
        }
    }

    /** The host's index of each interface name met so far (0: none of that name); bounded, as names come from files. */
    private final Map<String, Long> ifIndexes = new HashMap<>();
    private static final int MAX_IF_INDEXES = 1024;

    private long ingressInterface(String interfaceName) {
        if (s.ingressInterface() != IpfixSettings.INGRESS_FROM_HOST) {
            return s.ingressInterface();
        }
        if (interfaceName == null) {
            return 0;
        }
        Long known = ifIndexes.get(interfaceName);
        if (known != null) {
            return known;
        }
        long index = 0;
        try {
            NetworkInterface nif = NetworkInterface.getByName(interfaceName);
            if (nif != null && nif.getIndex() > 0) {
                index = nif.getIndex();
            }
        } catch (SocketException | RuntimeException e) {
            // no index for this name: 0, unknown
        }
        if (ifIndexes.size() < MAX_IF_INDEXES) {
            ifIndexes.put(interfaceName, index);
        }
        return index;
    }

    private void add(FlowEvent event, boolean reverse, long ingress) {
        if (writer.isEmpty()) {
            begin();
        }
        if (!writer.add(event, reverse, ingress)) {
            send();
            begin();
            if (!writer.add(event, reverse, ingress)) {
                throw new IllegalStateException("a record of " + event.key() + " does not fit an empty message");
            }
        }
    }

    /** Starts a message, with the templates first when the collector may not have them. */
    private void begin() {
        writer.reset();
        boolean newConnection = transport.open();
        if (newConnection || !s.tcp() && templatesDue()) {
            writer.putTemplates();
        }
    }

    private boolean templatesDue() {
        return !templatesSent || messagesSinceTemplates >= s.templatePackets()
                || nanoTime.getAsLong() - templatesAtNanos >= s.templateInterval().toNanos();
    }

    private void send() {
        int records = writer.dataRecords();
        int templateRecords = writer.templateRecords();
        ByteBuffer message = writer.finish(wallClock.millis());
        try {
            transport.send(message);
            sent.addAndGet(records);
            messages.incrementAndGet();
            if (templateRecords > 0) {
                templates.addAndGet(templateRecords);
                templatesSent = true;
                templatesAtNanos = nanoTime.getAsLong();
                messagesSinceTemplates = 0;
            } else {
                messagesSinceTemplates++;
            }
        } catch (IOException | RuntimeException e) {
            failed.addAndGet(records);
            log.warn("sink '" + name + "': " + records + " record(s) not sent to " + s.target() + ": " + e);
        } finally {
            writer.reset();
        }
    }

    /** Sends the message being filled, if any: the queue ran empty, so nothing more is coming soon. */
    @Override
    public void flush() {
        if (!writer.isEmpty()) {
            send();
        }
    }

    @Override
    public void close() {
        flush();
        transport.close();
    }

    /**
     * Data records {@code sent} (handed to the network), {@code messages} sent, records {@code failed} (a send
     * error, or no TCP connection), template records sent ({@code templates}), TCP {@code connects} made and
     * {@code connect-failures}.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sent", sent.get());
        m.put("messages", messages.get());
        m.put("failed", failed.get());
        m.put("templates", templates.get());
        m.put("connects", transport.connects());
        m.put("connect-failures", transport.connectFailures());
        return m;
    }
}
