package io.flowtrace.sinks.file;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded queue of frames from one producer thread to one consumer thread, in one byte array allocated up front:
 * {@link #offer} copies a frame in (or counts it dropped when there is no room) and allocates nothing; the consumer
 * reads records in place. A record is a 32-byte header (length, captured and wire length, link type, interface,
 * snap length and timestamp digits, time) and the frame, padded to 8 bytes; a record that does not fit before the
 * end of the array starts at its beginning, after a skip mark.
 */
final class FrameRing {
    static final int HEADER = 32;
    private static final int SKIP = -1;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DROPPED;
    private static final VarHandle OFFERED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DROPPED = l.findVarHandle(FrameRing.class, "dropped", long.class);
            OFFERED = l.findVarHandle(FrameRing.class, "offered", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final byte[] buf;
    private final int capacity;
    /** Published positions (bytes ever written or read), each advanced by its own thread only. */
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();
    /** The producer's own copy of {@link #tail}, and the consumer's of {@link #head}. */
    private long producerTail;
    private long consumerHead;
    /** Written by the producer only; read by any thread. */
    @SuppressWarnings("unused") // through the var handles
    private long dropped;
    @SuppressWarnings("unused")
    private long offered;

    /** @param capacity bytes, rounded down to a multiple of 8 */
    FrameRing(int capacity) {
        this.capacity = capacity & ~7;
        this.buf = new byte[this.capacity];
    }

    /** On the producer's thread: copies the frame in, or counts it dropped when the ring has no room for it. */
    boolean offer(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength, int wireLength,
                  int interfaceIndex, int snapLength, int digits) {
        long n = (long) OFFERED.getOpaque(this);
        OFFERED.setOpaque(this, n + 1);
        if (tryOffer(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex, snapLength,
                digits)) {
            return true;
        }
        countDropped();
        return false;
    }

    /** On the producer's thread: counts a frame handed over that is given up for want of room. */
    void countDropped() {
        long d = (long) DROPPED.getOpaque(this);
        DROPPED.setOpaque(this, d + 1);
    }

    /** On the producer's thread: counts a frame handed over (taken by {@link #tryOffer} or not). */
    void countOffered() {
        long n = (long) OFFERED.getOpaque(this);
        OFFERED.setOpaque(this, n + 1);
    }

    /** On the producer's thread: copies the frame in when there is room; counts nothing. */
    boolean tryOffer(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength, int wireLength,
                     int interfaceIndex, int snapLength, int digits) {
        int length = (HEADER + capturedLength + 7) & ~7;
        long t = producerTail;
        int at = (int) (t % capacity);
        int toEnd = capacity - at;
        long need = length <= toEnd ? length : toEnd + (long) length;
        if (length > capacity || t + need - head.get() > capacity) {
            return false;
        }
        if (length > toEnd) {
            INT.set(buf, at, SKIP);
            t += toEnd;
            at = 0;
        }
        INT.set(buf, at, length);
        INT.set(buf, at + 4, capturedLength);
        INT.set(buf, at + 8, wireLength);
        INT.set(buf, at + 12, linkType);
        INT.set(buf, at + 16, interfaceIndex);
        INT.set(buf, at + 20, (snapLength & 0xffffff) | (digits << 24));
        LONG.set(buf, at + 24, timestampNanos);
        System.arraycopy(data, offset, buf, at + HEADER, capturedLength);
        t += length;
        producerTail = t;
        tail.lazySet(t); // publishes the record's bytes with it
        return true;
    }

    /** Frames handed to {@link #offer}; any thread. */
    long offered() {
        return (long) OFFERED.getOpaque(this);
    }

    /** Frames dropped for want of room; any thread. */
    long dropped() {
        return (long) DROPPED.getOpaque(this);
    }

    /** On the consumer's thread: the offset of the next record in {@link #buf}, or -1 when there is none. */
    int peek() {
        long h = consumerHead;
        if (h == tail.get()) {
            return -1;
        }
        int at = (int) (h % capacity);
        if ((int) INT.get(buf, at) == SKIP) {
            h += capacity - at;
            consumerHead = h;
            head.lazySet(h);
            if (h == tail.get()) {
                return -1;
            }
            at = 0;
        }
        return at;
    }

    /** On the consumer's thread: the record at {@link #peek()} is done with; its room goes back to the producer. */
    void poll() {
        int at = (int) (consumerHead % capacity);
        consumerHead += (int) INT.get(buf, at);
        head.lazySet(consumerHead);
    }

    static int capturedLength(byte[] b, int at) {
        return (int) INT.get(b, at + 4);
    }

    static int wireLength(byte[] b, int at) {
        return (int) INT.get(b, at + 8);
    }

    static int linkType(byte[] b, int at) {
        return (int) INT.get(b, at + 12);
    }

    static int interfaceIndex(byte[] b, int at) {
        return (int) INT.get(b, at + 16);
    }

    static int snapLength(byte[] b, int at) {
        return (int) INT.get(b, at + 20) & 0xffffff;
    }

    static int digits(byte[] b, int at) {
        return (int) INT.get(b, at + 20) >>> 24;
    }

    static long timestamp(byte[] b, int at) {
        return (long) LONG.get(b, at + 24);
    }
}
