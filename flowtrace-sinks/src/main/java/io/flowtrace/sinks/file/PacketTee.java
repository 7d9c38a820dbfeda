package io.flowtrace.sinks.file;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.IpText;
import io.flowtrace.core.internal.DecodeStatus;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.RawFrameTap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A packet tee: keeps every raw frame the meter reads, in pcap, pcapng or text files, rotated by size and time
 * through the file sink's rotating writer. Give it to {@code FlowTrace.Builder.rawFrameTap}.
 *
 * <ul>
 * <li><b>pcap</b>: the capture's own link type and snap length (from the source), nanosecond timestamps (magic
 *     {@code a1b23c4d}) when the source has them, else microseconds. One link type per file: the first frame's;
 *     frames of another link type are not written and are counted {@code other_link_type} (use pcapng).</li>
 * <li><b>pcapng</b>: one section per file, one interface description block per interface and link type of the
 *     source (its name, snap length and timestamp resolution), written before its first packet in each file.</li>
 * <li><b>text</b>: one line per IP packet in the traffic-analysis engine's form
 *     {@code 2006-01-02 15:04:05.000 - src:sport -> dst:dport, Proto: N, Len: L} (UTC, wire length); frames without
 *     IP are counted {@code not_ip}.</li>
 * </ul>
 *
 * <p>The source's threads copy each frame into a bounded queue of the tee's own (one per source part, so that a
 * split source's threads never share one), allocating nothing. From a live source they never wait: when a queue is
 * full the frame is dropped and counted ({@code dropped}), so the tee never slows capture. From a capture file, whose
 * packets lose nothing by being read more slowly, a full queue makes the reader wait for room, so the tee of a file
 * is whole. One writer thread of the tee's own takes
 * frames from the queues in time order and writes them; files are written under a temporary name and renamed when
 * complete; with rotation at most {@code keep} files are kept (the oldest removed, counted). A write that fails (a
 * full disk) is counted ({@code failed}, {@code write_errors}) and tried again later; metering goes on.
 *
 * <p>Keys ({@link #create}): {@code path} (required), {@code format} ({@code auto}: by the extension, {@code .pcapng}
 * pcapng, {@code .txt} or {@code .log} text, else pcap), {@code rotate-size}, {@code rotate-interval}, {@code keep},
 * {@code queue} (bytes of frames held, default 16MiB), {@code buffer} (write buffer, default 1MiB).
 *
 * @since 0.1
 */
public final class PacketTee implements RawFrameTap {
    private static final Logger LOG = LoggerFactory.getLogger(PacketTee.class);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** libpcap's MAXIMUM_SNAPLEN: the snap length written when the source gives none. */
    static final int DEFAULT_SNAPLEN = 262_144;
    static final long DEFAULT_QUEUE = 16L << 20;
    private static final int MIN_PART_QUEUE = 512 * 1024;
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    /** The file formats. */
    enum Format { PCAP, PCAPNG, TEXT }

    private final Path path;
    private final Format format;
    private final long rotateBytes;
    private final long rotateMillis;
    private final int keep;
    private final long queueBytes;
    private final int bufferSize;
    private final Clock clock;

    private volatile List<PacketSource> parts;
    private FrameRing[] rings;
    /** Per part, the source's snap length and timestamp digits for its last interface and link type seen. */
    private int[] lastIf;
    private int[] lastLink;
    private int[] lastSnap;
    private int[] lastDigits;
    private Thread writer;
    private volatile boolean closing;
    /** The source is not live (a capture file): a full queue makes it wait instead of dropping. */
    private boolean waitWhenFull;

    // the writer's state
    private RollingFile file;
    private byte[] scratch = new byte[DEFAULT_SNAPLEN + 512];
    private int pcapLinkType = -1;
    private long[] interfaces = new long[8];
    private int interfaceCount;
    private long fileNumber = -1;
    private PacketDecoder decoder;
    private DecodedPacket decoded;
    private StringBuilder line;
    private boolean failing;
    private long lastWarnNanos;
    private long appended;
    private long refused;

    // published by the writer for counters()
    private volatile long written;
    private volatile long failed;
    private volatile long writeErrors;
    private volatile long otherLinkType;
    private volatile long notIp;
    private volatile long files;
    private volatile long filesRemoved;
    private volatile long bytes;

    private PacketTee(Path path, Format format, long rotateBytes, long rotateMillis, int keep, long queueBytes,
                      int bufferSize, Clock clock) {
        this.path = path;
        this.format = format;
        this.rotateBytes = rotateBytes;
        this.rotateMillis = rotateMillis;
        this.keep = keep;
        this.queueBytes = queueBytes;
        this.bufferSize = bufferSize;
        this.clock = clock;
    }

    /**
     * A tee from its settings: {@code path} (required; an existing directory gets {@code packets.pcap}, or the
     * format's extension, inside), {@code format} ({@code auto}, {@code pcap}, {@code pcapng}, {@code text}; the
     * engine's {@code gob} is refused), {@code rotate-size} (e.g. {@code 100MiB}; 0 never), {@code rotate-interval}
     * (e.g. {@code 1h}; 0 never), {@code keep} (with rotation, the most files kept; 0 all), {@code queue} (bytes of
     * frames waiting to be written, shared between the source's parts; default 16MiB), {@code buffer} (the file's
     * write buffer; default 1MiB). Nothing is opened until the run starts.
     *
     * @param config the settings
     * @return the tee
     * @throws ConfigurationException naming every setting that is wrong
     */
    public static PacketTee create(Map<String, ?> config) {
        PluginConfig c = new PluginConfig("tee", config);
        String p = c.requireString("path");
        String f = c.getString("format", "auto").trim().toLowerCase(Locale.ROOT);
        long rotateSize = c.getSize("rotate-size", 0, 0, Long.MAX_VALUE);
        Duration interval = c.getDuration("rotate-interval", Duration.ZERO);
        int keep = c.getInt("keep", 0, 0, Integer.MAX_VALUE);
        long queue = c.getSize("queue", DEFAULT_QUEUE, 1L << 20, 1L << 34);
        int buffer = (int) c.getSize("buffer", 1L << 20, 4096, 64L << 20);
        Format format = null;
        switch (f) {
            case "auto": break;
            case "pcap": format = Format.PCAP; break;
            case "pcapng": format = Format.PCAPNG; break;
            case "text": format = Format.TEXT; break;
            case "gob":
                c.error("format: 'gob' is Go's own serialisation, which only the engine's Go code reads: not written "
                        + "by flowtrace (expected: pcap, pcapng or text)");
                break;
            default:
                c.error("format: '" + f + "' (expected: auto, pcap, pcapng or text)");
        }
        if (interval.isNegative()) {
            c.error("rotate-interval: " + interval + " (expected: 0 or more)");
        }
        if (keep > 0 && rotateSize == 0 && interval.isZero()) {
            c.error("keep: " + keep + " files, but no rotate-size or rotate-interval: one file is written");
        }
        c.validate();
        Path target = Path.of(p);
        if (Files.isDirectory(target)) {
            target = target.resolve("packets" + extension(format == null ? Format.PCAP : format));
        }
        if (format == null) {
            format = byExtension(target.getFileName().toString());
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ConfigurationException("tee: path: " + p + ": the directory " + dir + " does not exist");
        }
        return new PacketTee(target, format, rotateSize, interval.toMillis(), keep, queue, buffer, Clock.systemUTC());
    }

    /** The format a file name asks for: {@code .pcapng} pcapng, {@code .txt} or {@code .log} text, else pcap. */
    static Format byExtension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".pcapng") || n.endsWith(".ntar")) {
            return Format.PCAPNG;
        }
        if (n.endsWith(".txt") || n.endsWith(".log")) {
            return Format.TEXT;
        }
        return Format.PCAP;
    }

    private static String extension(Format f) {
        return f == Format.PCAPNG ? ".pcapng" : f == Format.TEXT ? ".txt" : ".pcap";
    }

    /** {@return the configured file (with rotation, the stem of the files' names)} */
    public Path path() {
        return path;
    }

    /** {@return the format written: pcap, pcapng or text} */
    public String format() {
        return format.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Makes one queue per part (the queue's bytes shared between them, at least 512 KiB each) and starts the writer
     * thread.
     */
    @Override
    public void open(List<PacketSource> sources) {
        if (parts != null) {
            throw new IllegalStateException("tee " + path + ": opened once");
        }
        int n = sources.size();
        FrameRing[] r = new FrameRing[n];
        int each = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(MIN_PART_QUEUE, queueBytes / n));
        for (int i = 0; i < n; i++) {
            r[i] = new FrameRing(each);
        }
        rings = r;
        lastIf = new int[n];
        lastLink = new int[n];
        java.util.Arrays.fill(lastLink, -1);
        lastSnap = new int[n];
        lastDigits = new int[n];
        boolean live = false;
        for (PacketSource s : sources) {
            live |= s.isLive();
        }
        waitWhenFull = !live;
        parts = List.copyOf(sources);
        writer = new Thread(this::writeLoop, "flowtrace-tee");
        writer.setDaemon(true);
        writer.start();
    }

    /** On the part's thread: copies the frame into the part's queue, or counts it dropped. Never waits. */
    @Override
    public void onFrame(int part, long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                       int wireLength, int interfaceIndex) {
        if (lastIf[part] != interfaceIndex || lastLink[part] != linkType) {
            // a new interface or link type: ask the source once, not per frame
            PacketSource s = parts.get(part);
            int snap = s.snapLength(interfaceIndex);
            lastSnap[part] = snap <= 0 || snap > DEFAULT_SNAPLEN ? DEFAULT_SNAPLEN : snap;
            lastDigits[part] = Math.max(0, Math.min(9, s.timestampDigits(interfaceIndex)));
            lastIf[part] = interfaceIndex;
            lastLink[part] = linkType;
        }
        FrameRing ring = rings[part];
        ring.countOffered();
        if (!ring.tryOffer(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex,
                lastSnap[part], lastDigits[part])) {
            if (!waitWhenFull || !waitForRoom(ring, timestampNanos, linkType, data, offset, capturedLength,
                    wireLength, interfaceIndex, lastSnap[part], lastDigits[part])) {
                ring.countDropped();
            }
        }
        if (writerParked) {
            writerParked = false;
            LockSupport.unpark(writer);
        }
    }

    /**
     * A capture file's reader waits for room (reading slower loses nothing); gives up only when the writer has
     * ended. Never for a live source, whose packets do not wait.
     */
    private boolean waitForRoom(FrameRing ring, long timestampNanos, int linkType, byte[] data, int offset,
                                int capturedLength, int wireLength, int interfaceIndex, int snap, int digits) {
        while (writer.isAlive()) {
            if (writerParked) {
                writerParked = false;
                LockSupport.unpark(writer);
            }
            LockSupport.parkNanos(50_000L);
            if (ring.tryOffer(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex,
                    snap, digits)) {
                return true;
            }
        }
        return false;
    }

    /** Set by the writer before it parks for long: the next frame wakes it. */
    private volatile boolean writerParked;

    /**
     * {@code frames} (handed to the tee), {@code written}, {@code dropped} (its queue was full), {@code failed}
     * (not written: a write failed), {@code write_errors} (failed writes), {@code files} (completed),
     * {@code files_removed} (beyond {@code keep}), {@code bytes} (in the files), and when above 0
     * {@code other_link_type} (pcap) and {@code not_ip} (text).
     */
    @Override
    public Map<String, Long> counters() {
        long frames = 0;
        long dropped = 0;
        FrameRing[] r = parts != null ? rings : null; // parts is written last when opened
        if (r != null) {
            for (FrameRing ring : r) {
                frames += ring.offered();
                dropped += ring.dropped();
            }
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("frames", frames);
        m.put("written", written);
        m.put("dropped", dropped);
        m.put("failed", failed);
        m.put("write_errors", writeErrors);
        m.put("files", files);
        m.put("files_removed", filesRemoved);
        m.put("bytes", bytes);
        if (otherLinkType > 0) {
            m.put("other_link_type", otherLinkType);
        }
        if (notIp > 0) {
            m.put("not_ip", notIp);
        }
        return m;
    }

    /** Waits for the writer to write every frame held, complete the file and end. */
    @Override
    public void close() {
        closing = true;
        Thread w = writer;
        if (w == null) {
            return;
        }
        LockSupport.unpark(w);
        boolean interrupted = false;
        while (true) {
            try {
                w.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Map<String, Long> c = counters();
        long lost = c.get("dropped") + c.get("failed");
        if (lost > 0) {
            LOG.warn("tee {}: {} of {} frames not written ({} dropped: queue full, {} failed: writes failed)", path,
                    lost, c.get("frames"), c.get("dropped"), c.get("failed"));
        }
    }

    @Override
    public String toString() {
        return "tee " + path + " (" + format() + ")";
    }

    // ------------------------------------------------------------------------------------------- the writer thread

    private void writeLoop() {
        long idleSince = System.nanoTime();
        long lastFlush = idleSince;
        try {
            while (true) {
                boolean last = closing;
                int n = drain(4096);
                long now = System.nanoTime();
                if (n > 0) {
                    idleSince = now;
                    if (now - lastFlush > 1_000_000_000L) {
                        flush();
                        lastFlush = now;
                    }
                    continue;
                }
                if (last) {
                    break;
                }
                if (now - lastFlush > 200_000_000L) {
                    flush(); // idle: what was written reaches the file, and a file whose time is up is completed
                    lastFlush = now;
                }
                if (now - idleSince > 100_000_000L) {
                    writerParked = true;
                    LockSupport.parkNanos(200_000_000L);
                    writerParked = false;
                } else {
                    LockSupport.parkNanos(1_000_000L);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.error("tee {}: the writer failed; frames are no longer written: {}", path, e.toString());
        } finally {
            finish();
        }
    }

    /** Writes up to {@code max} records, earliest first across the parts' queues; returns how many. */
    private int drain(int max) {
        FrameRing[] r = rings;
        int done = 0;
        while (done < max) {
            FrameRing first = null;
            int firstAt = -1;
            long earliest = Long.MAX_VALUE;
            for (FrameRing ring : r) {
                int at = ring.peek();
                if (at >= 0) {
                    long t = FrameRing.timestamp(ring.buf, at);
                    if (first == null || t < earliest) {
                        first = ring;
                        firstAt = at;
                        earliest = t;
                    }
                }
            }
            if (first == null) {
                break;
            }
            write(first, first.buf, firstAt);
            first.poll();
            done++;
        }
        if (done > 0) {
            publish();
        }
        return done;
    }

    private void write(FrameRing ring, byte[] b, int at) {
        int caplen = FrameRing.capturedLength(b, at);
        int link = FrameRing.linkType(b, at);
        try {
            switch (format) {
                case PCAP: writePcap(b, at, caplen, link); break;
                case PCAPNG: writePcapng(ring, b, at, caplen, link); break;
                default: writeText(b, at, caplen, link);
            }
            if (failing) {
                failing = false;
                LOG.warn("tee {}: writing again", path);
            }
        } catch (IOException e) {
            refused++;
            if (!failing) {
                failing = true;
                writeErrors++;
                long now = System.nanoTime();
                if (lastWarnNanos == 0 || now - lastWarnNanos > WARN_EVERY_NANOS) {
                    lastWarnNanos = now;
                    LOG.warn("tee {}: a write failed, frames are counted and not written until one goes through: {}",
                            path, e.getMessage());
                }
            }
        }
    }

    private void writePcap(byte[] b, int at, int caplen, int link) throws IOException {
        if (pcapLinkType < 0) {
            pcapLinkType = link;
            boolean nanos = FrameRing.digits(b, at) > 6;
            byte[] h = new byte[24];
            INT.set(h, 0, nanos ? 0xa1b23c4d : 0xa1b2c3d4);
            SHORT.set(h, 4, (short) 2);
            SHORT.set(h, 6, (short) 4);
            INT.set(h, 16, Math.max(FrameRing.snapLength(b, at), caplen));
            INT.set(h, 20, link);
            file = new RollingFile(path, rotateBytes, rotateMillis, bufferSize, h, clock, keep);
            pcapNanos = nanos;
        }
        if (link != pcapLinkType) {
            otherLinkType++;
            if (otherLinkType == 1) {
                LOG.warn("tee {}: a frame of link type {} is not written: a pcap file has one link type ({} here); "
                        + "pcapng keeps every link type (--tee-format pcapng)", path, link, pcapLinkType);
            }
            return;
        }
        int n = 16 + caplen;
        byte[] s = scratch(n);
        long ts = FrameRing.timestamp(b, at);
        long sec = Math.floorDiv(ts, 1_000_000_000L);
        long frac = Math.floorMod(ts, 1_000_000_000L);
        INT.set(s, 0, (int) sec);
        INT.set(s, 4, (int) (pcapNanos ? frac : frac / 1000));
        INT.set(s, 8, caplen);
        INT.set(s, 12, FrameRing.wireLength(b, at));
        System.arraycopy(b, at + FrameRing.HEADER, s, 16, caplen);
        file.rollFor(n);
        file.append(s, n);
        appended++;
    }

    private boolean pcapNanos;

    private void writePcapng(FrameRing ring, byte[] b, int at, int caplen, int link) throws IOException {
        if (file == null) {
            byte[] shb = new byte[28];
            INT.set(shb, 0, 0x0a0d0d0a);
            INT.set(shb, 4, 28);
            INT.set(shb, 8, 0x1a2b3c4d);
            SHORT.set(shb, 12, (short) 1);
            SHORT.set(shb, 14, (short) 0);
            LONG.set(shb, 16, -1L);
            INT.set(shb, 24, 28);
            file = new RollingFile(path, rotateBytes, rotateMillis, bufferSize, shb, clock, keep);
        }
        int part = partOf(ring);
        int iface = FrameRing.interfaceIndex(b, at);
        boolean nanos = FrameRing.digits(b, at) > 6;
        String name = parts.get(part).interfaceName(iface);
        byte[] nameBytes = name == null ? null : name.getBytes(StandardCharsets.UTF_8);
        int idbLength = 20 + 8 + (nameBytes == null ? 0 : 4 + ((nameBytes.length + 3) & ~3)) + 4;
        int epbLength = 32 + ((caplen + 3) & ~3);
        if (file.rollFor(idbLength + epbLength) || file.filesOpened() != fileNumber) {
            fileNumber = file.filesOpened();
            interfaceCount = 0; // a new file: its interfaces are described again
        }
        long key = ((long) part << 48) | ((long) (iface & 0xffffffffL) << 16) | (link & 0xffff);
        int id = -1;
        for (int i = 0; i < interfaceCount; i++) {
            if (interfaces[i] == key) {
                id = i;
                break;
            }
        }
        byte[] s = scratch(idbLength + epbLength);
        int o = 0;
        if (id < 0) {
            if (interfaceCount == interfaces.length) {
                interfaces = java.util.Arrays.copyOf(interfaces, interfaceCount * 2);
            }
            id = interfaceCount;
            interfaces[interfaceCount++] = key;
            INT.set(s, 0, 1);
            INT.set(s, 4, idbLength);
            SHORT.set(s, 8, (short) link);
            SHORT.set(s, 10, (short) 0);
            INT.set(s, 12, Math.max(FrameRing.snapLength(b, at), caplen));
            int p = 16;
            if (nameBytes != null) {
                SHORT.set(s, p, (short) 2);
                SHORT.set(s, p + 2, (short) nameBytes.length);
                System.arraycopy(nameBytes, 0, s, p + 4, nameBytes.length);
                int padded = (nameBytes.length + 3) & ~3;
                java.util.Arrays.fill(s, p + 4 + nameBytes.length, p + 4 + padded, (byte) 0);
                p += 4 + padded;
            }
            SHORT.set(s, p, (short) 9); // if_tsresol
            SHORT.set(s, p + 2, (short) 1);
            INT.set(s, p + 4, 0);
            s[p + 4] = (byte) (nanos ? 9 : 6);
            p += 8;
            INT.set(s, p, 0); // opt_endofopt
            p += 4;
            INT.set(s, p, idbLength);
            o = idbLength;
            idbNanos = java.util.Arrays.copyOf(idbNanos, Math.max(idbNanos.length, interfaceCount));
            idbNanos[id] = nanos;
        }
        long ts = FrameRing.timestamp(b, at);
        long units = idbNanos[id] ? ts : Math.floorDiv(ts, 1000L);
        INT.set(s, o, 6);
        INT.set(s, o + 4, epbLength);
        INT.set(s, o + 8, id);
        INT.set(s, o + 12, (int) (units >>> 32));
        INT.set(s, o + 16, (int) units);
        INT.set(s, o + 20, caplen);
        INT.set(s, o + 24, FrameRing.wireLength(b, at));
        System.arraycopy(b, at + FrameRing.HEADER, s, o + 28, caplen);
        int padded = (caplen + 3) & ~3;
        java.util.Arrays.fill(s, o + 28 + caplen, o + 28 + padded, (byte) 0);
        INT.set(s, o + 28 + padded, epbLength);
        int total = o + epbLength;
        try {
            file.append(s, total);
        } catch (IOException e) {
            if (o > 0) {
                interfaceCount--; // its description did not go in: the next packet of it carries it again
            }
            throw e;
        }
        appended++;
    }

    private boolean[] idbNanos = new boolean[8];

    private int partOf(FrameRing ring) {
        FrameRing[] r = rings;
        for (int i = 0; i < r.length; i++) {
            if (r[i] == ring) {
                return i;
            }
        }
        return 0;
    }

    private void writeText(byte[] b, int at, int caplen, int link) throws IOException {
        if (file == null) {
            file = new RollingFile(path, rotateBytes, rotateMillis, bufferSize, null, clock, keep);
            decoder = new PacketDecoder(false, false);
            decoded = new DecodedPacket();
            line = new StringBuilder(128);
        }
        long ts = FrameRing.timestamp(b, at);
        int wire = FrameRing.wireLength(b, at);
        DecodeStatus st = decoder.decode(b, at + FrameRing.HEADER, caplen, wire, ts, link, decoded);
        if (!st.metered()) {
            notIp++;
            return;
        }
        StringBuilder sb = line;
        sb.setLength(0);
        appendTime(sb, ts);
        sb.append(" - ");
        IpText.append(sb, decoded.ipVersion, decoded.srcHi, decoded.srcLo);
        sb.append(':').append(decoded.srcPort).append(" -> ");
        IpText.append(sb, decoded.ipVersion, decoded.dstHi, decoded.dstLo);
        sb.append(':').append(decoded.dstPort).append(", Proto: ").append(decoded.protocol).append(", Len: ")
                .append(wire).append('\n');
        int n = sb.length();
        byte[] s = scratch(n);
        for (int i = 0; i < n; i++) {
            s[i] = (byte) sb.charAt(i); // digits, dots, colons, hex and spaces: ASCII
        }
        file.rollFor(n);
        file.append(s, n);
        appended++;
    }

    /** {@code 2006-01-02 15:04:05.000} in UTC, as the engine's Go layout writes it. */
    static void appendTime(StringBuilder sb, long epochNanos) {
        long millis = Math.floorDiv(epochNanos, 1_000_000L);
        long days = Math.floorDiv(millis, 86_400_000L);
        long ms = Math.floorMod(millis, 86_400_000L);
        java.time.LocalDate d = java.time.LocalDate.ofEpochDay(days);
        pad(sb, d.getYear(), 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append(' ');
        pad(sb, (int) (ms / 3_600_000), 2).append(':');
        pad(sb, (int) (ms / 60_000 % 60), 2).append(':');
        pad(sb, (int) (ms / 1000 % 60), 2).append('.');
        pad(sb, (int) (ms % 1000), 3);
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }

    private byte[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new byte[n];
        }
        return scratch;
    }

    private void flush() {
        RollingFile f = file;
        if (f == null) {
            return;
        }
        try {
            f.flush();
        } catch (IOException e) {
            if (!failing) {
                failing = true;
                writeErrors++;
                LOG.warn("tee {}: a write failed: {}", path, e.getMessage());
            }
        }
        publish();
    }

    private void finish() {
        RollingFile f = file;
        if (f != null) {
            try {
                f.close();
            } catch (IOException e) {
                writeErrors++;
                LOG.warn("tee {}: completing the file failed: {}", path, e.getMessage());
            }
        }
        publish();
    }

    private void publish() {
        RollingFile f = file;
        long lost = f == null ? 0 : f.linesLost();
        written = appended - lost;
        failed = refused + lost;
        if (f != null) {
            files = f.filesCompleted();
            filesRemoved = f.filesRemoved();
            bytes = f.bytesWritten();
        }
    }
}
