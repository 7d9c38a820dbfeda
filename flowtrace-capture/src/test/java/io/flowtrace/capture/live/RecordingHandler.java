package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PacketHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a summary of every Ethernet/IPv4 TCP or UDP frame it is handed, and every idle heartbeat. Thread-safe, so the
 * test thread can wait on it while the capture thread fills it.
 */
final class RecordingHandler implements PacketHandler {

    /** One frame: its transport header fields, payload length, and what the source said about it. */
    record Seen(long timestampNanos, int linkType, int capturedLength, int wireLength, int protocol, int srcPort,
                int dstPort, int tcpFlags, int payloadLength) {
        static final int FIN = 0x01;
        static final int SYN = 0x02;
        static final int ACK = 0x10;

        boolean has(int flag) {
            return (tcpFlags & flag) != 0;
        }
    }

    private final List<Seen> seen = new ArrayList<>();
    private final List<Long> idle = new ArrayList<>();
    private final List<Thread> idleThreads = new ArrayList<>();
    private int other;

    @Override
    public synchronized void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                                      int wireLength, int interfaceIndex) {
        if (interfaceIndex != 0 || linkType != 1 || capturedLength < 14 + 20
                || ((data[offset + 12] & 0xff) << 8 | (data[offset + 13] & 0xff)) != 0x0800) {
            other++;
            notifyAll();
            return;
        }
        int ip = offset + 14;
        int ihl = (data[ip] & 0x0f) * 4;
        int total = (data[ip + 2] & 0xff) << 8 | (data[ip + 3] & 0xff);
        int protocol = data[ip + 9] & 0xff;
        int l4 = ip + ihl;
        int src = (data[l4] & 0xff) << 8 | (data[l4 + 1] & 0xff);
        int dst = (data[l4 + 2] & 0xff) << 8 | (data[l4 + 3] & 0xff);
        int flags = 0;
        int payload;
        if (protocol == 6) {
            int dataOffset = ((data[l4 + 12] & 0xff) >> 4) * 4;
            flags = data[l4 + 13] & 0xff;
            payload = total - ihl - dataOffset;
        } else if (protocol == 17) {
            payload = ((data[l4 + 4] & 0xff) << 8 | (data[l4 + 5] & 0xff)) - 8;
        } else {
            other++;
            notifyAll();
            return;
        }
        seen.add(new Seen(timestampNanos, linkType, capturedLength, wireLength, protocol, src, dst, flags, payload));
        notifyAll();
    }

    @Override
    public synchronized void onIdle(long nowNanos) {
        idle.add(nowNanos);
        idleThreads.add(Thread.currentThread());
        notifyAll();
    }

    synchronized List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    synchronized List<Long> idle() {
        return new ArrayList<>(idle);
    }

    synchronized List<Thread> idleThreads() {
        return new ArrayList<>(idleThreads);
    }

    synchronized int other() {
        return other;
    }

    /** Waits until {@code done} holds for the frames seen so far, or the time is up. */
    synchronized void awaitUntil(java.util.function.Predicate<List<Seen>> done, long timeoutMillis)
            throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!done.test(seen)) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    /** Waits until {@code packets} frames or {@code heartbeats} idle calls have been seen, or the time is up. */
    synchronized void awaitAtLeast(int packets, int heartbeats, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (seen.size() < packets || idle.size() < heartbeats) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }
}
