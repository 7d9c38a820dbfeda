package io.flowtrace.capture;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.spi.PacketHandler;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Streams one capture file through a reusable byte array and parses pcap records or pcapng blocks by offset.
 * Offsets are {@code long} throughout (files over 4 GiB are fine); the array is refilled in large chunks, so the
 * per-packet path is a few array reads and one call to the handler.
 *
 * <p>Run by one thread; {@link #stop()}, {@link #close()}, {@link #counters()} and {@link #interfaceName(int)} may be
 * called from any thread.
 */
final class CaptureFileReader {

    /** Largest record accepted (libpcap's MAXIMUM_SNAPLEN): anything longer is damage, never an allocation. */
    static final int MAX_CAPLEN = 262_144;
    /** Smallest buffer that still holds the largest record with its header. */
    static final int MIN_BUFFER_SIZE = MAX_CAPLEN + 64;
    /** Default size of the reusable read buffer: small enough to stay in the L2 cache between copy and parse. */
    static final int DEFAULT_BUFFER_SIZE = 320 * 1024;
    /** Bound on pcapng interfaces per file: each costs a few array slots. */
    static final int MAX_INTERFACES = 1 << 16;

    private static final int GZIP_BUFFER_SIZE = 256 * 1024;

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    // pcap magics as read little-endian from the first four bytes
    private static final int PCAP_MICRO = 0xa1b2c3d4;
    private static final int PCAP_MICRO_SWAPPED = 0xd4c3b2a1;
    private static final int PCAP_NANO = 0xa1b23c4d;
    private static final int PCAP_NANO_SWAPPED = 0x4d3cb2a1;
    private static final int PCAP_MODIFIED = 0xa1b2cd34; // Alexey Kuznetzov's patched libpcap: 24-byte records
    private static final int PCAP_MODIFIED_SWAPPED = 0x34cdb2a1;
    private static final int PCAPNG_SHB = 0x0a0d0d0a;
    private static final int PCAPNG_BOM = 0x1a2b3c4d;
    private static final int PCAPNG_BOM_SWAPPED = 0x4d3c2b1a;

    private static final int BLOCK_IDB = 1;
    private static final int BLOCK_PB = 2;
    private static final int BLOCK_SPB = 3;
    private static final int BLOCK_EPB = 6;

    private static final int OPT_IF_NAME = 2;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;

    private static final int TS_MULTIPLY = 0;
    private static final int TS_DIVIDE = 1;
    private static final int TS_BINARY = 2;

    private final String file;
    /** The file, or {@code null} when reading a stream. */
    private final FileChannel channel;
    /** A stream (standard input, a pipe, a FIFO), or {@code null} when reading a file. */
    private final InputStream stream;
    private final boolean gzip;
    private final byte[] buf;
    private final ByteBuffer view;
    private InputStream gzipStream;

    /** Read position and end of valid data in {@link #buf}. */
    private int pos;
    private int limit;
    /** Offset in the (decompressed) stream of {@code buf[0]}. */
    private long base;
    private boolean eof;
    /** A read error met after the bytes needed were already in hand: thrown when more are needed. */
    private IOException pendingError;

    private volatile boolean stopRequested;
    private volatile boolean closed;

    // byte order of the pcap file or of the current pcapng section
    private boolean swap;

    // counters: written by the reading thread, published to the volatile copies at each refill and at the end
    private long packets;
    private long capturedBytes;
    private long caplenOverWirelen;
    private long blocksSkipped;
    private long sections;
    private long badOptions;
    private volatile long[] published = new long[8];

    // pcapng interfaces, indexed by file-wide interface number (sections are numbered on from the previous ones)
    private int interfaceCount;
    private int sectionBase;
    private int[] ifLinkType = new int[4];
    private int[] ifSnaplen = new int[4];
    private int[] ifTsKind = new int[4];
    private long[] ifTsFactor = new long[4];
    private long[] ifTsOffsetNanos = new long[4];
    /** Written by the reading thread and published by the volatile write; read by any thread (records name it). */
    private volatile String[] interfaceNames = new String[4];
    private long lastTimestamp;

    private CaptureFileReader(String file, FileChannel channel, InputStream stream, boolean gzip, int bufferSize) {
        this.file = file;
        this.channel = channel;
        this.stream = stream;
        this.gzip = gzip;
        this.buf = new byte[bufferSize];
        this.view = ByteBuffer.wrap(buf);
    }

    /**
     * Opens {@code channel} for reading; compression is told by the first two bytes (1f 8b), not by the name.
     *
     * @param file the file as named to the user, for messages
     */
    static CaptureFileReader open(String file, FileChannel channel, int bufferSize) throws IOException {
        if (bufferSize < MIN_BUFFER_SIZE) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: at least " + MIN_BUFFER_SIZE
                    + ")");
        }
        ByteBuffer magic = ByteBuffer.allocate(2);
        while (magic.hasRemaining()) {
            if (channel.read(magic, magic.position()) < 0) {
                break;
            }
        }
        boolean gzip = magic.position() == 2 && (magic.get(0) & 0xff) == 0x1f && (magic.get(1) & 0xff) == 0x8b;
        return new CaptureFileReader(file, channel, null, gzip, bufferSize);
    }

    /**
     * Opens a stream that cannot seek (standard input, a pipe, a FIFO); compression is told by its first two bytes,
     * which are then read again as the start of the capture.
     *
     * @param file the stream as named to the user, for messages
     */
    static CaptureFileReader open(String file, InputStream in, int bufferSize) throws IOException {
        if (bufferSize < MIN_BUFFER_SIZE) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: at least " + MIN_BUFFER_SIZE
                    + ")");
        }
        java.io.PushbackInputStream pb = new java.io.PushbackInputStream(in, 2);
        byte[] magic = new byte[2];
        int n = pb.readNBytes(magic, 0, 2);
        pb.unread(magic, 0, n);
        boolean gzip = n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        return new CaptureFileReader(file, null, pb, gzip, bufferSize);
    }

    String file() {
        return file;
    }

    void stop() {
        stopRequested = true;
    }

    /** Closes the file; a {@link #run} in progress on another thread returns. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopRequested = true;
        // the gzip stream (and its native inflater) belongs to the reading thread, which ends it when run returns
        try {
            if (channel != null) {
                channel.close();
            } else {
                stream.close();
            }
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Snap length and timestamp digits by interface, published by the reading thread before its first packet. */
    private volatile int[] snapLengths = new int[0];
    private volatile int[] digits = new int[0];

    int snapLength(int interfaceIndex) {
        int[] a = snapLengths;
        return interfaceIndex >= 0 && interfaceIndex < a.length ? a[interfaceIndex] : 0;
    }

    int timestampDigits(int interfaceIndex) {
        int[] a = digits;
        return interfaceIndex >= 0 && interfaceIndex < a.length ? a[interfaceIndex] : 0;
    }

    /** Publishes an interface's snap length and timestamp precision (once per interface: not per packet). */
    private void describe(int interfaceIndex, long snaplen, int timestampDigits) {
        int[] s = Arrays.copyOf(snapLengths, Math.max(snapLengths.length, interfaceIndex + 1));
        int[] d = Arrays.copyOf(digits, s.length);
        s[interfaceIndex] = snaplen <= 0 || snaplen > MAX_CAPLEN ? MAX_CAPLEN : (int) snaplen;
        d[interfaceIndex] = timestampDigits;
        digits = d;
        snapLengths = s;
    }

    String interfaceName(int interfaceIndex) {
        String[] names = interfaceNames;
        return interfaceIndex >= 0 && interfaceIndex < names.length ? names[interfaceIndex] : null;
    }

    Map<String, Long> counters() {
        long[] c = published;
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("packets_read", c[0]);
        m.put("bytes_read", c[1]);
        m.put("captured_bytes", c[2]);
        m.put("caplen_exceeds_wirelen", c[3]);
        m.put("blocks_skipped", c[4]);
        m.put("sections", c[5]);
        m.put("interfaces", c[6]);
        m.put("bad_options", c[7]);
        return Collections.unmodifiableMap(m);
    }

    private void publish() {
        published = new long[] {packets, base + pos, capturedBytes, caplenOverWirelen, blocksSkipped, sections,
            interfaceCount, badOptions};
    }

    /**
     * Reads the whole file, handing every packet to {@code handler}, until the end, {@link #stop()} or damage.
     *
     * @throws CaptureFileException when the file is damaged, after every packet before the damage was handed on
     */
    void run(PacketHandler handler) throws IOException {
        try {
            if (!fill(4)) {
                throw damage(0, limit == 0 ? "not a capture file (empty)"
                        : "not a capture file (only " + limit + " bytes)");
            }
            int magic = (int) INT_LE.get(buf, 0);
            switch (magic) {
                case PCAP_MICRO: case PCAP_MICRO_SWAPPED: case PCAP_NANO: case PCAP_NANO_SWAPPED:
                case PCAP_MODIFIED: case PCAP_MODIFIED_SWAPPED:
                    readPcap(handler, magic);
                    break;
                case PCAPNG_SHB:
                    readPcapng(handler);
                    break;
                default:
                    throw damage(0, String.format("not a capture file (magic 0x%08x)", Integer.reverseBytes(magic)));
            }
        } catch (IOException e) {
            if (!stopRequested) {
                throw e;
            }
            // closed by stop()/close() from another thread (a closed channel or stream): a normal end
        } finally {
            publish();
            release();
        }
    }

    /** Ends the inflater and closes the file once reading is over; runs on the reading thread. */
    private void release() {
        try {
            if (gzipStream != null) {
                gzipStream.close();
            }
        } catch (IOException ignored) {
            // closing a read-only stream: nothing was written that could be lost
        }
        close();
    }

    // ---------------------------------------------------------------------------------------------------- pcap

    private void readPcap(PacketHandler handler, int magic) throws IOException {
        if (!fill(24)) {
            throw damage(0, "truncated global header (" + (limit - pos) + " of 24 bytes)");
        }
        swap = magic == PCAP_MICRO_SWAPPED || magic == PCAP_NANO_SWAPPED || magic == PCAP_MODIFIED_SWAPPED;
        final long fracToNanos = magic == PCAP_NANO || magic == PCAP_NANO_SWAPPED ? 1 : 1000;
        final int recordHeader = magic == PCAP_MODIFIED || magic == PCAP_MODIFIED_SWAPPED ? 24 : 16;
        final long snaplen = u32(16);
        // upper bits of the link-type field carry the FCS length (pcap file format draft, section 4.1)
        final int linkType = i32(20) & 0xffff;
        describe(0, snaplen, fracToNanos == 1 ? 9 : 6);
        final byte[] b = buf;
        pos = 24;
        while (!stopRequested) {
            int p = pos;
            if (limit - p < recordHeader) {
                if (!fill(recordHeader)) {
                    if (limit == pos) {
                        return; // clean end of file
                    }
                    throw damage(base + pos, "record header cut short (" + (limit - pos) + " of " + recordHeader
                            + " bytes)");
                }
                p = pos;
            }
            long sec = u32(p);
            long frac = u32(p + 4);
            long caplen = u32(p + 8);
            long origlen = u32(p + 12);
            if (caplen > MAX_CAPLEN) {
                throw damage(base + p, "caplen " + caplen + " exceeds snaplen/maximum (snaplen " + snaplen
                        + ", maximum " + MAX_CAPLEN + ")");
            }
            int cap = (int) caplen;
            int need = recordHeader + cap;
            if (limit - p < need) {
                if (!fill(need)) {
                    throw damage(base + pos, "packet data cut short (caplen " + cap + ", "
                            + Math.max(0, limit - pos - recordHeader) + " bytes left)");
                }
                p = pos;
            }
            int wire;
            if (origlen < caplen) {
                caplenOverWirelen++;
                wire = cap;
            } else {
                wire = origlen > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) origlen;
            }
            long ts = sec * 1_000_000_000L + frac * fracToNanos;
            handler.onPacket(ts, linkType, b, p + recordHeader, cap, wire, 0);
            packets++;
            capturedBytes += cap;
            pos = p + need;
        }
    }

    // -------------------------------------------------------------------------------------------------- pcapng

    private void readPcapng(PacketHandler handler) throws IOException {
        final byte[] b = buf;
        while (!stopRequested) {
            int p = pos;
            if (limit - p < 12) {
                if (!fill(12)) {
                    if (limit == pos) {
                        return; // clean end of file
                    }
                    throw damage(base + pos, "block header cut short (" + (limit - pos) + " of 12 bytes)");
                }
                p = pos;
            }
            int type = i32(p);
            if (type == PCAPNG_SHB) {
                int bom = (int) INT_LE.get(b, p + 8);
                if (bom == PCAPNG_BOM) {
                    swap = false;
                } else if (bom == PCAPNG_BOM_SWAPPED) {
                    swap = true;
                } else {
                    throw damage(base + p, String.format("section header byte-order magic 0x%08x invalid "
                            + "(expected: 0x1a2b3c4d in either byte order)", Integer.reverseBytes(bom)));
                }
            }
            long len = u32(p + 4);
            if (len < 12 || (len & 3) != 0) {
                throw damage(base + p, "block length " + len + " invalid (expected: a multiple of 4, at least 12)");
            }
            int minimum = minimumBlockLength(type);
            if (len < minimum) {
                throw damage(base + p, "block length " + len + " invalid for block type " + type
                        + " (expected: at least " + minimum + ")");
            }
            // hold the whole block when it fits the buffer; a longer one is held in part and the rest skipped
            int hold = (int) Math.min(len, b.length);
            if (limit - p < hold) {
                if (!fill(hold)) {
                    throw damage(base + pos, "block cut short (block length " + len + ", " + (limit - pos)
                            + " bytes left)");
                }
                p = pos;
            }
            if (hold == len) {
                long trailer = u32(p + hold - 4);
                if (trailer != len) {
                    throw damage(base + p, "block trailer length " + trailer + " does not match block length "
                            + len);
                }
            }
            int end = hold == len ? p + hold - 4 : p + hold; // end of body (and options) in the buffer
            switch (type) {
                case BLOCK_EPB:
                    enhancedPacket(handler, p, len, i32(p + 8));
                    break;
                case BLOCK_PB:
                    enhancedPacket(handler, p, len, u16(p + 8));
                    break;
                case BLOCK_SPB:
                    simplePacket(handler, p, len);
                    break;
                case BLOCK_IDB:
                    interfaceDescription(p, end);
                    break;
                case PCAPNG_SHB:
                    sectionHeader(p);
                    break;
                default:
                    blocksSkipped++;
                    break;
            }
            pos = p + hold;
            if (hold != len && !skip(len - hold)) {
                throw damage(base + pos, "block cut short (block length " + len + ")");
            }
        }
    }

    private static int minimumBlockLength(int type) {
        switch (type) {
            case PCAPNG_SHB: return 28;
            case BLOCK_IDB: return 20;
            case BLOCK_EPB: case BLOCK_PB: return 32;
            case BLOCK_SPB: return 16;
            default: return 12;
        }
    }

    /** Enhanced (type 6) and obsolete (type 2) packet blocks share their layout after the interface id. */
    private void enhancedPacket(PacketHandler handler, int p, long len, int localInterface) {
        long caplen = u32(p + 20);
        long origlen = u32(p + 24);
        if (caplen > len - 32) {
            throw damage(base + p, "caplen " + caplen + " exceeds block length " + len);
        }
        if (caplen > MAX_CAPLEN) {
            throw damage(base + p, "caplen " + caplen + " exceeds maximum " + MAX_CAPLEN);
        }
        int g = globalInterface(p, localInterface);
        long units = (u32(p + 12) << 32) | u32(p + 16);
        long ts = toNanos(g, units);
        lastTimestamp = ts;
        int cap = (int) caplen;
        deliver(handler, ts, g, p + 28, cap, origlen);
    }

    private void simplePacket(PacketHandler handler, int p, long len) {
        int g = globalInterface(p, 0);
        long origlen = u32(p + 8);
        long caplen = Math.min(origlen, len - 16);
        int snaplen = ifSnaplen[g];
        if (snaplen > 0 && caplen > snaplen) {
            caplen = snaplen;
        }
        if (caplen > MAX_CAPLEN) {
            throw damage(base + p, "caplen " + caplen + " exceeds maximum " + MAX_CAPLEN);
        }
        // a simple packet block has no timestamp: the previous packet's time keeps the packet clock moving forward
        deliver(handler, lastTimestamp, g, p + 12, (int) caplen, origlen);
    }

    private void deliver(PacketHandler handler, long ts, int g, int dataOffset, int cap, long origlen) {
        int wire;
        if (origlen < cap) {
            caplenOverWirelen++;
            wire = cap;
        } else {
            wire = origlen > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) origlen;
        }
        handler.onPacket(ts, ifLinkType[g], buf, dataOffset, cap, wire, g);
        packets++;
        capturedBytes += cap;
    }

    private int globalInterface(int p, int localInterface) {
        int defined = interfaceCount - sectionBase;
        if (localInterface < 0 || localInterface >= defined) {
            throw damage(base + p, "interface id " + Integer.toUnsignedString(localInterface) + " not defined ("
                    + defined + " interface description blocks in this section)");
        }
        return sectionBase + localInterface;
    }

    /**
     * The latest packet time a pcapng file can give: later timestamps (a huge count of units, an offset of many
     * centuries) are clamped here instead of overflowing into 1969; a year's margin below {@code Long.MAX_VALUE}
     * keeps the pipeline's window arithmetic from overflowing.
     */
    static final long MAX_TIMESTAMP_NANOS = Long.MAX_VALUE - 366L * 86_400 * 1_000_000_000L;

    private long toNanos(int g, long units) {
        long factor = ifTsFactor[g];
        long nanos;
        switch (ifTsKind[g]) {
            case TS_MULTIPLY:
                // units is unsigned: a negative long is above 2^63
                nanos = units < 0 || units > MAX_TIMESTAMP_NANOS / factor ? MAX_TIMESTAMP_NANOS : units * factor;
                break;
            case TS_DIVIDE:
                nanos = Math.min(Long.divideUnsigned(units, factor), MAX_TIMESTAMP_NANOS);
                break;
            default: {
                int k = (int) factor;
                long seconds = units >>> k;
                long fraction = units & ((1L << k) - 1);
                long fractionNanos = k <= 30 ? (fraction * 1_000_000_000L) >>> k
                        : ((fraction >>> (k - 30)) * 1_000_000_000L) >>> 30;
                nanos = seconds > MAX_TIMESTAMP_NANOS / 1_000_000_000L ? MAX_TIMESTAMP_NANOS
                        : Math.min(seconds * 1_000_000_000L + fractionNanos, MAX_TIMESTAMP_NANOS);
                break;
            }
        }
        long offset = ifTsOffsetNanos[g];
        long t = nanos + offset;
        if (((nanos ^ t) & (offset ^ t)) < 0) { // overflow: both operands have the sign the sum lost
            t = offset < 0 ? -MAX_TIMESTAMP_NANOS : MAX_TIMESTAMP_NANOS;
        }
        return Math.max(-MAX_TIMESTAMP_NANOS, Math.min(t, MAX_TIMESTAMP_NANOS));
    }

    private void sectionHeader(int p) {
        int major = u16(p + 12);
        int minor = u16(p + 14);
        if (major != 1) {
            throw damage(base + p, "unsupported pcapng version " + major + "." + minor + " (expected: 1.x)");
        }
        sections++;
        sectionBase = interfaceCount;
    }

    private void interfaceDescription(int p, int end) {
        if (interfaceCount >= MAX_INTERFACES) {
            throw damage(base + p, "more than " + MAX_INTERFACES + " interface description blocks");
        }
        int g = interfaceCount;
        if (g == ifLinkType.length) {
            int n = g * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnaplen = Arrays.copyOf(ifSnaplen, n);
            ifTsKind = Arrays.copyOf(ifTsKind, n);
            ifTsFactor = Arrays.copyOf(ifTsFactor, n);
            ifTsOffsetNanos = Arrays.copyOf(ifTsOffsetNanos, n);
        }
        ifLinkType[g] = u16(p + 8);
        long snaplen = u32(p + 12);
        ifSnaplen[g] = snaplen > Integer.MAX_VALUE ? 0 : (int) snaplen;
        int tsresol = 6;
        long tsoffset = 0;
        String name = null;
        int o = p + 16;
        while (o + 4 <= end) {
            int code = u16(o);
            int olen = u16(o + 2);
            if (code == 0) {
                break;
            }
            if (o + 4 + olen > end) {
                badOptions++;
                break;
            }
            int v = o + 4;
            if (code == OPT_IF_NAME) {
                int n = olen;
                while (n > 0 && buf[v + n - 1] == 0) {
                    n--;
                }
                name = new String(buf, v, n, StandardCharsets.UTF_8);
            } else if (code == OPT_IF_TSRESOL) {
                if (olen >= 1) {
                    tsresol = buf[v] & 0xff;
                } else {
                    badOptions++;
                }
            } else if (code == OPT_IF_TSOFFSET) {
                if (olen >= 8) {
                    long hi = u32(swap ? v : v + 4);
                    long lo = u32(swap ? v + 4 : v);
                    tsoffset = (hi << 32) | lo;
                } else {
                    badOptions++;
                }
            }
            o = v + ((olen + 3) & ~3);
        }
        setResolution(g, tsresol);
        // a binary resolution 2^-n has ceil(n * log10 2) decimal digits
        describe(g, ifSnaplen[g], (tsresol & 0x80) != 0 ? (int) Math.ceil((tsresol & 0x7f) * 0.30103) : tsresol);
        long maxSeconds = MAX_TIMESTAMP_NANOS / 1_000_000_000L;
        ifTsOffsetNanos[g] = tsoffset > maxSeconds ? MAX_TIMESTAMP_NANOS
                : tsoffset < -maxSeconds ? -MAX_TIMESTAMP_NANOS : tsoffset * 1_000_000_000L;
        if (name != null) {
            String[] names = interfaceNames;
            if (g >= names.length) {
                names = Arrays.copyOf(names, Math.max(g + 1, names.length * 2));
            }
            names[g] = name;
            interfaceNames = names;
        }
        interfaceCount++;
    }

    private void setResolution(int g, int tsresol) {
        if ((tsresol & 0x80) != 0) {
            ifTsKind[g] = TS_BINARY;
            ifTsFactor[g] = Math.min(tsresol & 0x7f, 63);
        } else if (tsresol <= 9) {
            ifTsKind[g] = TS_MULTIPLY;
            ifTsFactor[g] = pow10(9 - tsresol);
        } else {
            ifTsKind[g] = TS_DIVIDE;
            ifTsFactor[g] = pow10(Math.min(tsresol - 9, 18));
        }
    }

    private static long pow10(int n) {
        long r = 1;
        for (int i = 0; i < n; i++) {
            r *= 10;
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------------- buffer

    private int i32(int p) {
        int v = (int) INT_LE.get(buf, p);
        return swap ? Integer.reverseBytes(v) : v;
    }

    private long u32(int p) {
        return i32(p) & 0xffffffffL;
    }

    private int u16(int p) {
        short v = (short) SHORT_LE.get(buf, p);
        return (swap ? Short.reverseBytes(v) : v) & 0xffff;
    }

    /**
     * Moves the unread bytes to the front of the buffer and reads until at least {@code need} bytes are in hand
     * or the file ends. Reads as much as the buffer holds, so refills are rare and large.
     *
     * @return whether {@code need} bytes are now available from {@link #pos}
     */
    private boolean fill(int need) throws IOException {
        if (pos > 0) {
            int remaining = limit - pos;
            System.arraycopy(buf, pos, buf, 0, remaining);
            base += pos;
            limit = remaining;
            pos = 0;
        }
        if (pendingError != null && limit < need) {
            IOException e = pendingError;
            pendingError = null;
            throw translate(e);
        }
        while (limit < buf.length && !eof && pendingError == null) {
            int n;
            try {
                n = read(buf, limit, buf.length - limit);
            } catch (IOException e) {
                if (limit >= need && !(e instanceof ClosedChannelException)) {
                    pendingError = e;
                    break;
                }
                throw translate(e);
            }
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
            }
        }
        publish();
        return limit >= need;
    }

    /** Skips {@code n} bytes past the buffer's content, reading through them. */
    private boolean skip(long n) throws IOException {
        long left = n;
        while (true) {
            int inHand = limit - pos;
            if (left <= inHand) {
                pos += (int) left;
                return true;
            }
            left -= inHand;
            pos = limit;
            if (!fill(1)) {
                return false;
            }
        }
    }

    private int read(byte[] into, int off, int len) throws IOException {
        if (stream != null && !gzip) {
            return stream.read(into, off, len);
        }
        if (!gzip) {
            view.limit(off + len).position(off);
            return channel.read(view);
        }
        if (gzipStream == null) {
            InputStream compressed = stream;
            if (compressed == null) {
                channel.position(0);
                compressed = Channels.newInputStream(channel);
            }
            // GZIPInputStream reads concatenated members on as one stream
            gzipStream = new GZIPInputStream(compressed, GZIP_BUFFER_SIZE);
        }
        return gzipStream.read(into, off, len);
    }

    /** A read failure inside a gzip stream is damage in the file (thrown as such); any other stays an I/O error. */
    private IOException translate(IOException e) {
        if (gzip && (e instanceof ZipException || e instanceof EOFException)) {
            String what = e instanceof EOFException ? "gzip stream cut short" : "gzip data damaged";
            throw new CaptureFileException(file, base + limit,
                    what + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
        return e;
    }

    private CaptureFileException damage(long offset, String problem) {
        return new CaptureFileException(file, offset, problem);
    }
}
