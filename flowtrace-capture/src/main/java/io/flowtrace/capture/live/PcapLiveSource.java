package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Live capture on one interface through pcap4j and libpcap.
 *
 * <p>The interface is opened through pcap4j; packets are read by {@link #run} with {@code pcap_next_ex}
 * ({@link PacketReader}, each copied into one reused array) and handed one by one to the {@link PacketHandler}, with
 * the handle's timestamp (nanosecond precision where libpcap supports it), the
 * frame's original length and the handle's link type. A heartbeat thread watches the packet count: when no packet
 * has arrived for one heartbeat interval it breaks the loop, and {@link #run} calls
 * {@link PacketHandler#onIdle(long)} with the wall clock (less the read timeout when packets may still wait in the
 * kernel's buffer) on its own thread before re-entering the loop; the same
 * thread refreshes libpcap's drop counters. {@link #stop()} breaks the loop too: libpcap 1.10 wakes its blocking
 * poll for that, and the read timeout bounds the wait on older versions.
 *
 * <p><b>Thread safety:</b> run by one thread, once; {@link #stop()}, {@link #close()}, {@link #counters()} and
 * {@link #interfaceName(int)} may be called from any thread.
 */
final class PcapLiveSource implements PacketSource {
    private static final Logger LOG = LoggerFactory.getLogger(PcapLiveSource.class);

    /** The part of the error message for a missing native library that says what to install. */
    static final String LIBPCAP_MISSING = "libpcap not found; install the Debian package libpcap0.8";
    /** The part of the error message for missing privileges that says what to do. */
    static final String NEED_PRIVILEGES = "run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** Wall clock in epoch nanoseconds. */
    static final LongSupplier SYSTEM_CLOCK = () -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * NANOS_PER_SECOND + now.getNano();
    };

    // libpcap return codes (pcap/pcap.h)
    private static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    private static final int PCAP_ERROR_PERM_DENIED = -8;
    private static final int PCAP_ERROR_IFACE_NOT_UP = -9;
    private static final int PCAP_ERROR_PROMISC_PERM_DENIED = -11;

    private final String plugin;
    private final LiveCaptureSettings settings;
    private final PcapHandle handle;
    /** The handle's {@code pcap_t *}, for the calls made without pcap4j. */
    private final Pointer pcap;
    /** struct pcap_stat, filled by {@link #refreshStats()}. */
    private final Memory stats = new Memory(3 * 4);
    private final int linkType;
    private final LongSupplier wallClock;
    private final long heartbeatNanos;
    /** How long a packet may wait in the kernel's buffer before libpcap hands it over. */
    private final long pendingNanos;

    private final boolean nanosecondTimestamps;
    /** Held while the capture loop reads the handle: closing waits for it. */
    private final Object reading = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopped;
    /** Set by the heartbeat thread before it breaks the loop because nothing arrived. */
    private volatile boolean idleBreak;
    private final AtomicLong packetsRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private volatile long kernelReceived;
    private volatile long kernelDropped;
    private volatile long interfaceDropped;

    private PcapLiveSource(String plugin, LiveCaptureSettings settings, PcapHandle handle, Pointer pcap, int linkType,
                           LongSupplier wallClock, Duration heartbeat) {
        this.plugin = plugin;
        this.settings = settings;
        this.handle = handle;
        this.pcap = pcap;
        this.linkType = linkType;
        this.wallClock = wallClock;
        this.heartbeatNanos = heartbeat.toNanos();
        this.pendingNanos = settings.immediate() ? 0 : settings.timeoutMillis() * 1_000_000L;
        this.nanosecondTimestamps = handle.getTimestampPrecision() == PcapHandle.TimestampPrecision.NANO;
    }

    /**
     * Opens the interface and installs the filter, so that every configuration or environment problem shows here,
     * before any thread is started.
     *
     * @param plugin    what is being configured, for messages
     * @param wallClock epoch nanoseconds handed to {@link PacketHandler#onIdle(long)}
     * @param heartbeat how long without packets before the handler hears of the wall clock
     * @throws ConfigurationException when the interface does not exist or the filter does not compile
     * @throws FlowTraceException     when libpcap is missing, privileges are missing, or the interface cannot be opened
     */
    static PcapLiveSource open(String plugin, LiveCaptureSettings settings, LongSupplier wallClock,
                               Duration heartbeat) {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("heartbeat: " + heartbeat + " (expected: > 0)");
        }
        try {
            PcapHandle handle = openHandle(plugin, settings);
            int linkType;
            Pointer pcap;
            try {
                installFilter(plugin, settings, handle);
                linkType = linkTypeOf(handle.getDlt().value());
                pcap = pcapPointer(handle);
            } catch (RuntimeException | Error e) {
                handle.close();
                throw e;
            }
            LOG.info("{}: capturing on '{}' (link type {}, snaplen {}, promiscuous {}, immediate {}, buffer {} bytes,"
                            + " timestamps {}, filter '{}'; {})", plugin, settings.interfaceName(), linkType,
                    settings.snaplen(), settings.promiscuous(), settings.immediate(), settings.bufferSize(),
                    handle.getTimestampPrecision(), settings.filter(), Pcaps.libVersion());
            return new PcapLiveSource(plugin, settings, handle, pcap, linkType, wallClock, heartbeat);
        } catch (LinkageError e) {
            // JNA throws UnsatisfiedLinkError while pcap4j's native mappings initialise; later uses of the same
            // class see NoClassDefFoundError. JNA's own native part failing (no writable temporary directory, say)
            // looks the same and must not be blamed on libpcap.
            String cause = firstLine(rootCause(e));
            if (cause.contains("jnidispatch") || cause.contains("JNA ")) {
                throw new FlowTraceException(plugin + ": JNA, through which pcap4j calls libpcap, cannot load its own"
                        + " native library (" + cause + "; expected: a writable java.io.tmpdir or jna.tmpdir)", e);
            }
            throw new FlowTraceException(plugin + ": " + LIBPCAP_MISSING + " (" + cause + ")", e);
        }
    }

    private static PcapHandle openHandle(String plugin, LiveCaptureSettings s) {
        try {
            return build(s, PcapHandle.TimestampPrecision.NANO);
        } catch (PcapNativeException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.contains("tstamp_precision")) {
                throw translate(plugin, s.interfaceName(), e);
            }
            // a libpcap before 1.5 has no nanosecond timestamps
            try {
                return build(s, PcapHandle.TimestampPrecision.MICRO);
            } catch (PcapNativeException again) {
                throw translate(plugin, s.interfaceName(), again);
            }
        }
    }

    private static PcapHandle build(LiveCaptureSettings s, PcapHandle.TimestampPrecision precision)
            throws PcapNativeException {
        return new PcapHandle.Builder(s.interfaceName())
                .snaplen(s.snaplen())
                .promiscuousMode(s.promiscuous() ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                        : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                .immediateMode(s.immediate())
                .bufferSize(s.bufferSize())
                .timeoutMillis(s.timeoutMillis())
                .timestampPrecision(precision)
                .build();
    }

    private static void installFilter(String plugin, LiveCaptureSettings s, PcapHandle handle) {
        if (s.filter().isEmpty()) {
            return;
        }
        try {
            handle.setFilter(s.filter(), BpfProgram.BpfCompileMode.OPTIMIZE);
        } catch (PcapNativeException e) {
            // pcap4j's message is libpcap's (pcap_geterr) followed by the expression
            throw new ConfigurationException(plugin + ": " + InterfaceKeys.FILTER + ": '" + s.filter()
                    + "' (expected: a BPF filter expression; libpcap says: " + e.getMessage() + ")", e);
        } catch (NotOpenException e) {
            throw new IllegalStateException("handle closed while opening", e);
        }
    }

    private static FlowTraceException translate(String plugin, String name, PcapNativeException e) {
        Integer rc = e.getReturnCode();
        String libpcap = e.getMessage();
        int code = rc == null ? 0 : rc;
        if (code == PCAP_ERROR_NO_SUCH_DEVICE) {
            return new ConfigurationException(plugin + ": " + InterfaceKeys.INTERFACE + ": '" + name
                    + "' (expected: one of " + interfaceNames() + "; libpcap says: " + libpcap + ")", e);
        }
        if (code == PCAP_ERROR_PERM_DENIED || code == PCAP_ERROR_PROMISC_PERM_DENIED) {
            return new FlowTraceException(plugin + ": no permission to capture on interface '" + name + "': "
                    + libpcap + " (expected: " + NEED_PRIVILEGES + ")", e);
        }
        if (code == PCAP_ERROR_IFACE_NOT_UP) {
            return new FlowTraceException(plugin + ": interface '" + name + "' is down: " + libpcap
                    + " (expected: an interface that is up, e.g. ip link set " + name + " up)", e);
        }
        return new FlowTraceException(plugin + ": cannot open interface '" + name + "': " + libpcap
                + (rc == null ? "" : " (libpcap error " + rc + ")"), e);
    }

    /** The interfaces libpcap can open here, for messages. */
    static List<String> interfaceNames() {
        List<String> names = new ArrayList<>();
        try {
            for (PcapNetworkInterface nif : Pcaps.findAllDevs()) {
                names.add(nif.getName());
            }
        } catch (PcapNativeException e) {
            names.add("(interfaces could not be listed: " + e.getMessage() + ")");
        }
        return names;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** JNA's messages list every path it tried, one per line: the first says enough. */
    private static String firstLine(Throwable t) {
        String text = t.toString();
        int eol = text.indexOf('\n');
        return (eol < 0 ? text : text.substring(0, eol)).trim();
    }

    static int linkTypeOf(int dlt) {
        return dlt == LinkType.DLT_RAW ? LinkType.RAW : dlt; // capture files call it LINKTYPE_RAW
    }

    @Override
    public String description() {
        return settings.interfaceName();
    }

    /**
     * Captures until {@link #stop()} or {@link #close()} is called, then closes the interface.
     *
     * @throws IOException           when libpcap fails while reading (for example, the interface went away)
     * @throws IllegalStateException when called a second time
     */
    @Override
    public void run(PacketHandler handler) throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException(plugin + ": a live source runs once");
        }
        Heartbeat heartbeat = new Heartbeat();
        Thread beat = new Thread(heartbeat, "flowtrace-pcap-live-heartbeat-" + settings.interfaceName());
        beat.setDaemon(true);
        beat.start();
        try {
            synchronized (reading) {
                if (!closed.get()) {
                    read(handler);
                }
            }
        } finally {
            heartbeat.finish();
            LockSupport.unpark(beat);
            joinQuietly(beat);
            refreshStats();
            close();
        }
    }

    /** The capture loop; the caller holds {@link #reading}, so the handle stays open. */
    private void read(PacketHandler handler) throws IOException {
        int snaplen;
        try {
            snaplen = handle.getSnapshot();
        } catch (NotOpenException e) {
            return; // closed from another thread
        }
        PacketReader reader = new PacketReader(pcap, snaplen, nanosecondTimestamps);
        long packets = 0;
        long bytes = 0;
        while (!stopped) {
            int rc = reader.next();
            if (rc == PacketReader.PACKET) {
                int captured = reader.capturedLength();
                handler.onPacket(reader.timestampNanos(), linkType, reader.frame(), 0, captured,
                        reader.wireLength(), 0);
                packetsRead.lazySet(++packets);
                bytesRead.lazySet(bytes += captured);
            } else if (rc == PacketReader.BREAK || rc == PacketReader.TIMEOUT) {
                // pcap_breakloop: stop(), or the heartbeat because nothing arrived
                if (idleBreak) {
                    idleBreak = false;
                    if (!stopped) {
                        // minus the longest a packet can still be waiting in the kernel, so that no packet handed
                        // over after the heartbeat is older than the time it announced
                        handler.onIdle(wallClock.getAsLong() - pendingNanos);
                    }
                }
            } else {
                if (stopped) {
                    break;
                }
                throw new IOException(plugin + ": reading interface '" + settings.interfaceName() + "' failed: "
                        + reader.error());
            }
        }
    }

    /** The handle's {@code pcap_t *}, which pcap4j keeps to itself. */
    private static Pointer pcapPointer(PcapHandle handle) {
        try {
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            return (Pointer) f.get(handle);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new FlowTraceException("pcap4j " + PcapHandle.class.getPackage().getImplementationVersion()
                    + " keeps its libpcap handle where this version of flowtrace does not look (expected: pcap4j "
                    + "1.8.2): " + e, e);
        }
    }

    /** Breaks the loop; {@link #run} returns promptly even when no packet arrives. Idempotent; any thread. */
    @Override
    public void stop() {
        stopped = true;
        breakLoop();
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        return interfaceIndex == 0 ? settings.interfaceName() : null;
    }

    /** {@return the handle's snap length} */
    @Override
    public int snapLength(int interfaceIndex) {
        return interfaceIndex == 0 ? settings.snaplen() : 0;
    }

    /** {@return 9 when the handle gives nanosecond timestamps, else 6} */
    @Override
    public int timestampDigits(int interfaceIndex) {
        return interfaceIndex != 0 ? 0 : nanosecondTimestamps ? 9 : 6;
    }

    @Override
    public boolean isLive() {
        return true;
    }

    /**
     * {@code packets_read} and {@code bytes_read} (captured bytes) handed to the handler; {@code kernel_received},
     * {@code kernel_dropped} (no room in the capture buffer) and {@code interface_dropped} from libpcap's
     * {@code pcap_stats}, refreshed about once per heartbeat interval and when the capture ends.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("packets_read", packetsRead.get());
        out.put("bytes_read", bytesRead.get());
        out.put("kernel_received", kernelReceived);
        out.put("kernel_dropped", kernelDropped);
        out.put("interface_dropped", interfaceDropped);
        return out;
    }

    /** Stops the capture and releases the interface. Idempotent; any thread. */
    @Override
    public void close() {
        stop();
        // waits for a running capture loop to leave; stop() has just broken it
        synchronized (reading) {
            synchronized (this) { // not while the heartbeat breaks the loop or reads the counters
                if (closed.compareAndSet(false, true)) {
                    handle.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "PcapLiveSource[" + settings.interfaceName() + "]";
    }

    private synchronized void breakLoop() {
        if (!closed.get()) {
            PacketReader.pcap_breakloop(pcap);
        }
    }

    private synchronized void refreshStats() {
        if (closed.get()) {
            return;
        }
        if (PacketReader.pcap_stats(pcap, stats) == 0) {
            kernelReceived = stats.getInt(0) & 0xFFFF_FFFFL;
            kernelDropped = stats.getInt(4) & 0xFFFF_FFFFL;
            interfaceDropped = stats.getInt(8) & 0xFFFF_FFFFL;
        }
    }

    private static void joinQuietly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Breaks the loop when nothing arrived for a heartbeat interval, and refreshes libpcap's counters. */
    private final class Heartbeat implements Runnable {
        private volatile boolean finished;

        void finish() {
            finished = true;
        }

        @Override
        public void run() {
            long seen = packetsRead.get();
            long deadline = System.nanoTime() + heartbeatNanos;
            while (!finished && !stopped) {
                long wait = deadline - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                deadline += heartbeatNanos;
                refreshStats();
                long now = packetsRead.get();
                if (now == seen && !finished) {
                    idleBreak = true;
                    breakLoop();
                }
                seen = now;
            }
        }
    }
}
