package io.flowtrace.capture.live;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads packets from an open libpcap handle with {@code pcap_next_ex}, copying each into one reused array: no
 * allocation and no call from native code into Java per packet (pcap4j's loop makes a JNA callback, a frame array and
 * a timestamp object for each). libpcap reads its memory-mapped ring in place; the kernel is asked for more only when
 * a block is used up. The calls are bound by JNA's direct mapping, the cheapest call JNA has.
 *
 * <p>Thread safety: one reading thread; the handle must stay open while {@link #next()} runs (the caller's lock
 * ensures it).
 */
final class PacketReader {
    /** {@link #next()}: a packet was read. */
    static final int PACKET = 1;
    /** {@link #next()}: the read timeout expired with no packet. */
    static final int TIMEOUT = 0;
    /** {@link #next()}: {@code pcap_breakloop} was called. */
    static final int BREAK = -2;

    private static final int SIZE_OF_LONG = Native.LONG_SIZE; // C long: the fields of struct timeval
    /** struct pcap_pkthdr: struct timeval ts (two C longs), bpf_u_int32 caplen, bpf_u_int32 len. */
    private static final int HEADER_SIZE = 2 * SIZE_OF_LONG + 8;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    static {
        // the library pcap4j has loaded (the same name, so JNA hands out the same instance)
        Native.register(PacketReader.class, NativeLibrary.getInstance(
                System.getProperty("org.pcap4j.core.pcapLibName", Platform.isWindows() ? "wpcap" : "pcap")));
    }

    private static native int pcap_next_ex(Pointer p, Pointer header, Pointer data);

    private static native Pointer pcap_geterr(Pointer p);

    /** {@code pcap_stats} into {@code stats} (struct pcap_stat: ps_recv, ps_drop, ps_ifdrop); 0 on success. */
    static native int pcap_stats(Pointer p, Pointer stats);

    /** {@code pcap_breakloop}: a read in progress or the next one returns {@link #BREAK}; any thread. */
    static native void pcap_breakloop(Pointer p);

    private final Pointer pcap;
    /** The two pointers pcap_next_ex stores: header, then data. */
    private final Memory out = new Memory(2L * Native.POINTER_SIZE);
    private final Pointer dataOut = out.share(Native.POINTER_SIZE);
    private final MovablePointer at = new MovablePointer();
    private final byte[] header = new byte[HEADER_SIZE];
    private final boolean nanos;

    private byte[] frame;
    private long timestampNanos;
    private int capturedLength;
    private int wireLength;

    /**
     * @param pcap     the open handle ({@code pcap_t *})
     * @param snaplen  the handle's snapshot length: the frame array's size
     * @param nanos    whether the handle's timestamps are in nanoseconds (else microseconds)
     */
    PacketReader(Pointer pcap, int snaplen, boolean nanos) {
        this.pcap = pcap;
        this.frame = new byte[Math.max(64, snaplen)];
        this.nanos = nanos;
    }

    /**
     * Reads the next packet into {@link #frame()}.
     *
     * @return {@link #PACKET}, {@link #TIMEOUT}, {@link #BREAK}, or -1 for an error ({@link #error()})
     */
    int next() {
        int rc = pcap_next_ex(pcap, out, dataOut);
        if (rc != PACKET) {
            return rc;
        }
        at.moveTo(address(0));
        at.read(0, header, 0, HEADER_SIZE);
        long seconds = SIZE_OF_LONG == 8 ? (long) LONG.get(header, 0) : (int) INT.get(header, 0);
        long fraction = SIZE_OF_LONG == 8 ? (long) LONG.get(header, 8) : (int) INT.get(header, 4);
        timestampNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
        int caplen = (int) INT.get(header, 2 * SIZE_OF_LONG);
        wireLength = (int) INT.get(header, 2 * SIZE_OF_LONG + 4);
        if (caplen < 0) {
            caplen = 0; // beyond what any snapshot length allows: nothing to read
        }
        if (caplen > frame.length) {
            frame = new byte[caplen]; // only if libpcap hands over more than its snapshot length
        }
        at.moveTo(address(Native.POINTER_SIZE));
        at.read(0, frame, 0, caplen);
        capturedLength = caplen;
        return PACKET;
    }

    private long address(int offset) {
        return Native.POINTER_SIZE == 8 ? out.getLong(offset) : out.getInt(offset) & 0xFFFF_FFFFL;
    }

    /** The array holding the last packet read, from offset 0; overwritten by the next read. */
    byte[] frame() {
        return frame;
    }

    long timestampNanos() {
        return timestampNanos;
    }

    int capturedLength() {
        return capturedLength;
    }

    int wireLength() {
        return wireLength;
    }

    /** libpcap's message for the last error. */
    String error() {
        Pointer message = pcap_geterr(pcap);
        return message == null ? "unknown error" : message.getString(0);
    }

    /** A pointer whose address can be changed, so reading at a new address allocates nothing. */
    private static final class MovablePointer extends Pointer {
        MovablePointer() {
            super(0);
        }

        void moveTo(long address) {
            peer = address;
        }
    }
}
