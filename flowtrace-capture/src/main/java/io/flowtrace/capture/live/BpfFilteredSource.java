package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A capture read through a BPF filter, as tcpdump's {@code -r FILE EXPR}: the expression is compiled by libpcap
 * ({@code pcap_compile_nopcap}, through pcap4j) once per link type the capture holds, and run on each frame
 * ({@code bpf_filter}); frames it rejects are counted ({@code bpf_rejected}) and not handed on. Needs libpcap; the
 * capture file reader itself does not. Nothing is allocated per packet (the frame is copied into a reused array
 * about its size, because the filter reads from the start of an array and its native call copies all of it).
 *
 * <p><b>Thread safety:</b> as the source it wraps.
 */
public final class BpfFilteredSource implements PacketSource, PacketHandler {
    /** libpcap's MAXIMUM_SNAPLEN: filters look at the whole frame. */
    private static final int SNAPLEN = 262_144;
    private static final String LIBPCAP_MISSING = "libpcap not found; install the Debian package libpcap0.8";
    /** DLT_RAW as libpcap has it on Linux; capture files say LINKTYPE_RAW (101). */
    private static final int DLT_RAW = 12;
    /** libpcap's PCAP_NETMASK_UNKNOWN: a capture file has no interface netmask ("broadcast" then fails to compile). */
    private static final java.net.Inet4Address NETMASK_UNKNOWN = netmaskUnknown();

    private final PacketSource source;
    private final String expression;
    /** By link type: the compiled program, made at the first frame of that type. */
    private final Map<Integer, BpfProgram> programs = new LinkedHashMap<>();
    /**
     * Reused arrays of 64 bytes, 128, ... up to {@link #SNAPLEN}: a frame is copied into the smallest that holds it,
     * because the filter's native call copies the whole array it is given.
     */
    private final byte[][] frames = new byte[Integer.numberOfTrailingZeros(SNAPLEN) - 5][];
    private PacketHandler handler;
    private int lastLinkType = -1;
    private BpfProgram last;
    private volatile long rejected;

    private static java.net.Inet4Address netmaskUnknown() {
        try {
            return (java.net.Inet4Address) java.net.InetAddress.getByAddress(new byte[] {-1, -1, -1, -1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are an address
        }
    }

    private BpfFilteredSource(PacketSource source, String expression) {
        this.source = source;
        this.expression = expression;
    }

    /**
     * {@code source} through {@code expression}, which is compiled here for Ethernet so a mistake is found at once.
     *
     * @throws ConfigurationException when the expression does not compile
     * @throws ConfigurationException also when libpcap (or pcap4j, JNA) cannot be loaded: the filter cannot be had
     */
    public static BpfFilteredSource of(PacketSource source, String expression) {
        Module self = BpfFilteredSource.class.getModule();
        if (self.isNamed()) {
            // pcap4j is on the class path (see module-info): let this module read it
            self.addReads(BpfFilteredSource.class.getClassLoader().getUnnamedModule());
        }
        BpfFilteredSource f = new BpfFilteredSource(source, expression);
        f.program(LinkType.ETHERNET);
        return f;
    }

    private BpfProgram program(int linkType) {
        BpfProgram p = programs.get(linkType);
        if (p != null) {
            return p;
        }
        try {
            int dlt = linkType == LinkType.RAW ? DLT_RAW : linkType;
            p = Pcaps.compileFilter(SNAPLEN, DataLinkType.getInstance(dlt), expression,
                    BpfProgram.BpfCompileMode.OPTIMIZE, NETMASK_UNKNOWN);
        } catch (PcapNativeException e) {
            throw new ConfigurationException("bpf-filter: '" + expression + "' (expected: a BPF filter expression "
                    + "for link type " + linkType + "; libpcap says: " + e.getMessage() + ")", e);
        } catch (LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String cause = String.valueOf(root.getMessage());
            int eol = cause.indexOf('\n');
            throw new ConfigurationException("bpf-filter: '" + expression + "' needs libpcap to filter a capture file: "
                    + LIBPCAP_MISSING + " (" + (eol < 0 ? cause : cause.substring(0, eol)).strip() + ")", e);
        }
        programs.put(linkType, p);
        return p;
    }

    @Override
    public void run(PacketHandler handler) throws IOException {
        this.handler = handler;
        try {
            source.run(this);
        } finally {
            for (BpfProgram p : programs.values()) {
                p.free();
            }
        }
    }

    /** On the source's thread: the frame goes on when the filter for its link type passes it. */
    @Override
    public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                         int wireLength, int interfaceIndex) {
        BpfProgram p = last;
        if (linkType != lastLinkType) {
            p = program(linkType);
            last = p;
            lastLinkType = linkType;
        }
        int bucket = Math.max(0, 32 - Integer.numberOfLeadingZeros(Math.max(capturedLength, 1) - 1) - 6);
        byte[] frame = frames[bucket];
        if (frame == null) {
            frame = new byte[64 << bucket];
            frames[bucket] = frame;
        }
        System.arraycopy(data, offset, frame, 0, capturedLength);
        if (p.applyFilter(frame, wireLength, capturedLength)) {
            handler.onPacket(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex);
        } else {
            rejected++;
        }
    }

    @Override
    public void onIdle(long nowNanos) {
        handler.onIdle(nowNanos);
    }

    @Override
    public String description() {
        return source.description() + " (filter '" + expression + "')";
    }

    @Override
    public boolean isLive() {
        return source.isLive();
    }

    @Override
    public void stop() {
        source.stop();
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        return source.interfaceName(interfaceIndex);
    }

    @Override
    public int snapLength(int interfaceIndex) {
        return source.snapLength(interfaceIndex);
    }

    @Override
    public int timestampDigits(int interfaceIndex) {
        return source.timestampDigits(interfaceIndex);
    }

    /** The source's counters and {@code bpf_rejected}: frames the filter did not pass. */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>(source.counters());
        m.put("bpf_rejected", rejected);
        return m;
    }

    @Override
    public void close() {
        source.close();
    }
}
