package io.flowtrace.capture;

import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Several capture files read as one, their packets merged in time order: each file is read on a thread of its own
 * into two reused chunks (packet bytes and their metadata), and {@link #run} hands on, packet by packet, the earliest
 * of the files' next packets (of two at the same time, the one of the file named first). Files that do not overlap
 * in time thus come one after the other; overlapping ones interleave as if captured together. A damaged file ends the
 * run when the merge reaches its damage, after every packet before it. Nothing is allocated per packet.
 *
 * <p>Interface indexes are each file's own (a pcapng file's interfaces); {@link #interfaceName} gives the name the
 * first file that has one at that index gives.
 *
 * <p><b>Thread safety:</b> run by one thread, once; {@link #stop()}, {@link #close()}, {@link #counters()} and
 * {@link #interfaceName} are safe from any thread.
 */
final class MergedCaptureFiles implements PacketSource {
    /** Bytes of packet data per chunk: many packets per hand-over between threads. */
    private static final int CHUNK_BYTES = 4 << 20;
    /** Packets per chunk at most. */
    private static final int CHUNK_PACKETS = 32 * 1024;

    /** Packets of one file, copied out of its reader's buffer. */
    private static final class Chunk {
        final byte[] data = new byte[CHUNK_BYTES];
        final long[] time = new long[CHUNK_PACKETS];
        final int[] offset = new int[CHUNK_PACKETS];
        final int[] captured = new int[CHUNK_PACKETS];
        final int[] wire = new int[CHUNK_PACKETS];
        final int[] link = new int[CHUNK_PACKETS];
        final int[] iface = new int[CHUNK_PACKETS];
        int count;
        int used;
        /** The file's last chunk: it ended, or failed with {@link #error}. */
        boolean last;
        Throwable error;

        void reset() {
            count = 0;
            used = 0;
            last = false;
            error = null;
        }
    }

    /** One file: its source, the thread that reads it, and its two chunks going back and forth. */
    private static final class Lane implements PacketHandler {
        final PacketSource source;
        final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(2);
        final BlockingQueue<Chunk> empty = new ArrayBlockingQueue<>(2);
        Chunk filling;
        /** The merge's side: the chunk being handed on and the next packet in it. */
        Chunk current;
        int next;
        Thread thread;

        Lane(PacketSource source) {
            this.source = source;
            empty.add(new Chunk());
            empty.add(new Chunk());
        }

        /** On the lane's thread: copies the packet into the chunk being filled, handing it over when full. */
        @Override
        public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                             int wireLength, int interfaceIndex) {
            Chunk c = filling;
            if (c.count == CHUNK_PACKETS || CHUNK_BYTES - c.used < capturedLength) {
                handOver(c);
                c = filling;
            }
            int i = c.count++;
            System.arraycopy(data, offset, c.data, c.used, capturedLength);
            c.time[i] = timestampNanos;
            c.offset[i] = c.used;
            c.captured[i] = capturedLength;
            c.wire[i] = wireLength;
            c.link[i] = linkType;
            c.iface[i] = interfaceIndex;
            c.used += capturedLength;
        }

        private void handOver(Chunk c) {
            try {
                full.put(c);
                filling = empty.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                source.stop();
                throw new IllegalStateException("interrupted");
            }
            filling.reset();
        }

        void read() {
            try {
                filling = empty.take();
                filling.reset();
                source.run(this);
            } catch (Throwable e) {
                if (filling != null) {
                    filling.error = e;
                }
            } finally {
                if (filling != null) {
                    filling.last = true;
                    full.offer(filling); // at most two chunks exist, so there is room
                }
            }
        }
    }

    private final List<PacketSource> sources;
    private final Lane[] lanes;
    private volatile boolean stopped;

    MergedCaptureFiles(List<PacketSource> sources) {
        this.sources = List.copyOf(sources);
        this.lanes = new Lane[this.sources.size()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(this.sources.get(i));
        }
    }

    @Override
    public String description() {
        StringBuilder sb = new StringBuilder();
        for (PacketSource s : sources) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.description());
        }
        return sb.toString();
    }

    @Override
    public void run(PacketHandler handler) throws IOException {
        for (int i = 0; i < lanes.length; i++) {
            Lane l = lanes[i];
            l.thread = new Thread(l::read, "flowtrace-file-" + i);
            l.thread.setDaemon(true);
            l.thread.start();
        }
        try {
            for (Lane l : lanes) {
                advance(l);
            }
            while (!stopped) {
                Lane first = null;
                long earliest = Long.MAX_VALUE;
                for (Lane l : lanes) {
                    if (l.current != null && (first == null || l.current.time[l.next] < earliest)) {
                        first = l;
                        earliest = l.current.time[l.next];
                    }
                }
                if (first == null) {
                    return;
                }
                Chunk c = first.current;
                int i = first.next++;
                handler.onPacket(c.time[i], c.link[i], c.data, c.offset[i], c.captured[i], c.wire[i], c.iface[i]);
                if (first.next == c.count) {
                    advance(first);
                }
            }
        } finally {
            stop();
            for (Lane l : lanes) {
                l.thread.interrupt();
            }
        }
    }

    /** Moves a lane on to its next chunk with packets; none when its file has ended (rethrowing its failure). */
    private void advance(Lane l) throws IOException {
        while (true) {
            Chunk done = l.current;
            if (done != null) {
                l.current = null;
                if (done.last) {
                    rethrow(done.error);
                    return;
                }
                l.empty.offer(done);
            }
            Chunk c;
            try {
                c = l.full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + l.source.description());
            }
            l.current = c;
            l.next = 0;
            if (c.count > 0) {
                return;
            }
        }
    }

    private static void rethrow(Throwable e) throws IOException {
        if (e == null) {
            return;
        }
        if (e instanceof IOException) {
            throw (IOException) e;
        }
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
        throw new IOException(e);
    }

    @Override
    public void stop() {
        stopped = true;
        for (PacketSource s : sources) {
            s.stop();
        }
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        for (PacketSource s : sources) {
            String name = s.interfaceName(interfaceIndex);
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    /** {@return the largest snap length the files give that interface index} */
    @Override
    public int snapLength(int interfaceIndex) {
        int n = 0;
        for (PacketSource s : sources) {
            n = Math.max(n, s.snapLength(interfaceIndex));
        }
        return n;
    }

    /** {@return the finest timestamp precision the files give that interface index} */
    @Override
    public int timestampDigits(int interfaceIndex) {
        int n = 0;
        for (PacketSource s : sources) {
            n = Math.max(n, s.timestampDigits(interfaceIndex));
        }
        return n;
    }

    /** The files' counters summed, and {@code files}. */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (PacketSource s : sources) {
            s.counters().forEach((k, v) -> m.merge(k, v, Long::sum));
        }
        m.put("files", (long) sources.size());
        return m;
    }

    @Override
    public void close() {
        stop();
        for (PacketSource s : sources) {
            s.close();
        }
    }
}
