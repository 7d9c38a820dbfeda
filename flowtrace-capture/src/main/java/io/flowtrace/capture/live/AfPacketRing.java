package io.flowtrace.capture.live;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One AF_PACKET socket with a TPACKET_V3 receive ring, mapped once and read in place: the kernel fills blocks of
 * frames and marks each block the user's; {@link #run} walks a block's frames, copies each into one reused array
 * (putting back the VLAN tag the kernel took off) for the handler, and gives the block back. It calls
 * {@code poll(2)} only when the next block is not ready, once per block at most, and blocks there while the
 * interface is idle; {@link #stop()} wakes it through an eventfd.
 *
 * <p>The socket is opened unbound (protocol 0: it receives nothing) so that the ring and the filter are in place
 * before the first frame; {@link #bindAlone()} or {@link #joinFanout} and {@link #filter()} attach it to the
 * interface, when the meter is built, so that capture starts there.
 *
 * <p><b>Thread safety:</b> run by one thread, once; {@link #stop()}, {@link #close()} and {@link #counters()} may be
 * called from any thread.
 */
final class AfPacketRing implements PacketSource {
    // struct tpacket_block_desc: version, offset_to_priv, then struct tpacket_hdr_v1
    private static final int BLOCK_STATUS = 8;
    private static final int BLOCK_NUM_PKTS = 12;
    private static final int BLOCK_FIRST_PKT = 16;
    // struct tpacket3_hdr
    private static final int TP_NEXT_OFFSET = 0;
    private static final int TP_SEC = 4;
    private static final int TP_NSEC = 8;
    private static final int TP_SNAPLEN = 12;
    private static final int TP_LEN = 16;
    private static final int TP_STATUS = 20;
    private static final int TP_MAC = 24;
    private static final int TP_VLAN_TCI = 32;
    private static final int TP_VLAN_TPID = 36;
    /** The sockaddr_ll after the header: TPACKET_ALIGN(sizeof(struct tpacket3_hdr)). */
    private static final int TP_SLL = 48;
    private static final int SLL_PKTTYPE = 10;
    private static final int SLL_SIZE = 20;
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    private static final int PACKET_OUTGOING = 4;
    private static final int ETH_P_8021Q = 0x8100;
    /** Frames: any multiple of 16 that holds the headers; TPACKET_V3 fills blocks with frames of any length. */
    private static final int FRAME_SIZE = 2048;
    /** The longest poll(2) while idle: the source then tells the handler the time. */
    private static final int IDLE_POLL_MILLIS = 1_000;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** At stop, how often the block the kernel fills is looked at, and how long past its timeout it is waited for. */
    private static final long DRAIN_POLL_NANOS = 1_000_000L;
    private static final long DRAIN_SLACK_NANOS = 50_000_000L;

    /** Block status: acquire loads and release stores, as the kernel's own barriers pair with. */
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final String plugin;
    private final AfPacketSettings settings;
    private final AfPacketSource.Interface iface;
    private final SocketFilter filter;
    private final LongSupplier wallClock;
    private final int fd;
    private final int wakeFd;
    private final long ringAddress;
    private final ByteBuffer ring;
    private final int blockSize;
    private final int blocks;
    private final Memory pollFds = new Memory(16);
    private final Memory one = new Memory(8);
    private final Memory stats = new Memory(12);
    private final Memory statsLength = new Memory(4);
    /** One frame, with room for a VLAN tag put back. */
    private final byte[] frame;

    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile boolean runEnded;
    private boolean closed; // guarded by this
    private volatile long packetsRead;
    private volatile long bytesRead;
    private long kernelReceived; // guarded by this
    private long kernelDropped;
    private long kernelFreezes;
    private volatile long ringMalformed;

    private AfPacketRing(String plugin, AfPacketSettings settings, AfPacketSource.Interface iface,
                         SocketFilter filter, LongSupplier wallClock, int fd, int wakeFd, long ringAddress) {
        this.plugin = plugin;
        this.settings = settings;
        this.iface = iface;
        this.filter = filter;
        this.wallClock = wallClock;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.ringAddress = ringAddress;
        this.blockSize = settings.blockSize();
        this.blocks = settings.blocks();
        this.ring = new Pointer(ringAddress).getByteBuffer(0, (long) blockSize * blocks).order(ByteOrder.nativeOrder());
        this.frame = new byte[settings.snaplen() + 4];
        pollFds.clear();
        pollFds.setInt(0, fd);
        pollFds.setShort(4, Libc.POLLIN);
        pollFds.setInt(8, wakeFd);
        pollFds.setShort(12, Libc.POLLIN);
        one.setLong(0, 1);
    }

    /**
     * Opens an unbound socket with its ring mapped.
     *
     * @throws FlowTraceException when the process may not open packet sockets, or the ring cannot be had
     */
    static AfPacketRing open(String plugin, AfPacketSettings s, AfPacketSource.Interface iface, SocketFilter filter,
                             LongSupplier wallClock) {
        int fd;
        try {
            fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == Libc.EPERM || errno == Libc.EACCES) {
                throw new FlowTraceException(plugin + ": no permission to open a packet socket on interface '"
                        + iface.name() + "': " + Libc.strerror(errno) + " (expected: "
                        + PcapLiveSource.NEED_PRIVILEGES + ")", e);
            }
            throw new FlowTraceException(plugin + ": cannot open a packet socket: " + Libc.strerror(errno)
                    + (errno == Libc.EAFNOSUPPORT ? " (expected: a Linux kernel with AF_PACKET)" : ""), e);
        }
        int wake = -1;
        long address = 0;
        long length = (long) s.blockSize() * s.blocks();
        try {
            setInt(plugin, fd, Libc.SOL_PACKET, Libc.PACKET_VERSION, Libc.TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            try (Memory req = new Memory(28)) {
                req.setInt(0, s.blockSize());
                req.setInt(4, s.blocks());
                req.setInt(8, FRAME_SIZE);
                req.setInt(12, s.blockSize() / FRAME_SIZE * s.blocks());
                req.setInt(16, s.blockTimeoutMillis());
                req.setInt(20, 0); // no private area per block
                req.setInt(24, 0); // no feature requests
                setsockopt(plugin, fd, Libc.SOL_PACKET, Libc.PACKET_RX_RING, req, 28,
                        "PACKET_RX_RING of " + s.blocks() + " blocks of " + s.blockSize() + " bytes");
            }
            try {
                address = Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            } catch (LastErrorException e) {
                throw new FlowTraceException(plugin + ": cannot map the capture ring of " + length + " bytes: "
                        + Libc.strerror(e.getErrorCode()), e);
            }
            wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            return new AfPacketRing(plugin, s, iface, filter, wallClock, fd, wake, address);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            if (wake >= 0) {
                closeQuietly(wake);
            }
            if (address != 0 && address != -1) {
                try {
                    Libc.munmap(address, length);
                } catch (LastErrorException ignored) {
                    // closing anyway
                }
            }
            throw e;
        }
    }

    private static void setInt(String plugin, int fd, int level, int name, int value, String what) {
        try (Memory m = new Memory(4)) {
            m.setInt(0, value);
            setsockopt(plugin, fd, level, name, m, 4, what);
        }
    }

    private static void setsockopt(String plugin, int fd, int level, int name, Memory value, int length,
                                   String what) {
        try {
            Libc.setsockopt(fd, level, name, Pointer.nativeValue(value), length);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            throw new FlowTraceException(plugin + ": setsockopt " + what + " failed: " + Libc.strerror(errno)
                    + (errno == Libc.ENOMEM ? " (expected: a smaller ring_size or block_size)" : ""), e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // nothing more to do
        }
    }

    /** Attaches the filter and the socket to the interface, alone (no fanout). Capture starts here. */
    void bindAlone() {
        attach(filter);
        bind();
    }

    /**
     * Binds the socket with a filter that drops everything and joins fanout group {@code group}; {@link #filter()}
     * then lets frames in, once every socket of the group has joined, so no flow starts on one socket and moves to
     * another as the group grows.
     *
     * @param uniqueId ask the kernel for a group id no other group has (the first socket); {@code group} is then 0
     * @return the group id
     */
    int joinFanout(int group, boolean uniqueId) {
        attach(SocketFilter.acceptAll(0));
        bind();
        int flags = Libc.PACKET_FANOUT_HASH | Libc.PACKET_FANOUT_FLAG_DEFRAG
                | (uniqueId ? AfPacketSource.PACKET_FANOUT_FLAG_UNIQUEID : 0);
        setInt(plugin, fd, Libc.SOL_PACKET, Libc.PACKET_FANOUT, group & 0xffff | flags << 16,
                "PACKET_FANOUT (hash, defrag" + (uniqueId ? ", unique id" : ", group " + group) + ")");
        if (!uniqueId) {
            return group;
        }
        try (Memory value = new Memory(4); Memory length = new Memory(4)) {
            length.setInt(0, 4);
            Libc.getsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_FANOUT, Pointer.nativeValue(value),
                    Pointer.nativeValue(length));
            return value.getInt(0) & 0xffff;
        } catch (LastErrorException e) {
            throw new FlowTraceException(plugin + ": getsockopt PACKET_FANOUT failed: "
                    + Libc.strerror(e.getErrorCode()), e);
        }
    }

    /** Puts the source's filter in place: frames arrive from here on. */
    void filter() {
        attach(filter);
    }

    private void attach(SocketFilter f) {
        setsockopt(plugin, fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, f.program, 16, "SO_ATTACH_FILTER");
    }

    private void bind() {
        try (Memory sll = new Memory(SLL_SIZE)) {
            sll.clear();
            sll.setShort(0, (short) Libc.AF_PACKET);
            sll.setShort(2, Short.reverseBytes((short) Libc.ETH_P_ALL)); // network byte order
            sll.setInt(4, iface.index());
            try {
                Libc.bind(fd, Pointer.nativeValue(sll), SLL_SIZE);
            } catch (LastErrorException e) {
                throw new FlowTraceException(plugin + ": cannot bind to interface '" + iface.name() + "': "
                        + Libc.strerror(e.getErrorCode()), e);
            }
        }
        if (settings.promiscuous()) {
            try (Memory mreq = new Memory(16)) { // struct packet_mreq
                mreq.clear();
                mreq.setInt(0, iface.index());
                mreq.setShort(4, (short) Libc.PACKET_MR_PROMISC);
                setsockopt(plugin, fd, Libc.SOL_PACKET, Libc.PACKET_ADD_MEMBERSHIP, mreq, 16,
                        "PACKET_ADD_MEMBERSHIP promiscuous");
            }
        }
    }

    @Override
    public String description() {
        return iface.name();
    }

    /**
     * Captures until {@link #stop()}, hands over what the kernel has handed over by then, and closes the socket.
     *
     * @throws IOException           when the interface goes down or away, or the socket fails
     * @throws IllegalStateException when called a second time
     */
    @Override
    public void run(PacketHandler handler) throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException(plugin + ": a live source runs once");
        }
        try {
            capture(handler); // also when stopped already: what arrived since the meter was built is metered
        } finally {
            runEnded = true;
            close();
        }
    }

    private void capture(PacketHandler handler) throws IOException {
        ByteBuffer r = ring;
        int size = blockSize;
        int count = blocks;
        long pendingNanos = settings.blockTimeoutMillis() * 1_000_000L;
        int block = 0;
        while (!stopped) {
            int base = block * size;
            int status = (int) INT.getAcquire(r, base + BLOCK_STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                if (!await()) {
                    // nothing for a while: the clock moves on without packets (less what may wait in the kernel)
                    handler.onIdle(wallClock.getAsLong() - pendingNanos);
                }
                continue;
            }
            walk(handler, r, base, size);
            INT.setRelease(r, base + BLOCK_STATUS, TP_STATUS_KERNEL);
            block = block + 1 == count ? 0 : block + 1;
        }
        // stopped: what the kernel has handed over already is metered too, and the block it is filling once its
        // timeout hands that over, so that every packet captured before the stop is metered (at most a ring's worth,
        // and at most two block timeouts later)
        long deadline = System.nanoTime() + 2 * pendingNanos + DRAIN_SLACK_NANOS;
        for (int i = 0; i < count; ) {
            int base = block * size;
            if (((int) INT.getAcquire(r, base + BLOCK_STATUS) & TP_STATUS_USER) == 0) {
                // the kernel's block: its packet count is the kernel's to change, read only to know whether to wait
                if ((int) INT.getAcquire(r, base + BLOCK_NUM_PKTS) == 0 || System.nanoTime() > deadline) {
                    break;
                }
                LockSupport.parkNanos(DRAIN_POLL_NANOS);
                continue;
            }
            walk(handler, r, base, size);
            INT.setRelease(r, base + BLOCK_STATUS, TP_STATUS_KERNEL);
            block = block + 1 == count ? 0 : block + 1;
            i++;
        }
    }

    /** Hands over every frame of the block at {@code base}. */
    private void walk(PacketHandler handler, ByteBuffer r, int base, int size) {
        int n = r.getInt(base + BLOCK_NUM_PKTS);
        int end = base + size;
        int at = base + r.getInt(base + BLOCK_FIRST_PKT);
        int snaplen = settings.snaplen();
        int linkType = iface.linkType();
        boolean skipOutgoing = iface.loopback();
        byte[] f = frame;
        long packets = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            if (at < base + BLOCK_FIRST_PKT || at > end - TP_SLL - SLL_SIZE) {
                ringMalformed++;
                break;
            }
            int next = r.getInt(at + TP_NEXT_OFFSET);
            int captured = r.getInt(at + TP_SNAPLEN);
            int wire = r.getInt(at + TP_LEN);
            int data = at + (r.getShort(at + TP_MAC) & 0xffff);
            if (captured < 0 || data < at || data > end - captured) {
                ringMalformed++;
                break;
            }
            // the loopback device shows every frame twice, going out and coming in: libpcap keeps one
            if (!skipOutgoing || r.get(at + TP_SLL + SLL_PKTTYPE) != PACKET_OUTGOING) {
                long ts = (r.getInt(at + TP_SEC) & 0xffff_ffffL) * NANOS_PER_SECOND + (r.getInt(at + TP_NSEC)
                        & 0xffff_ffffL);
                int status = r.getInt(at + TP_STATUS);
                int length = Math.min(captured, snaplen);
                if ((status & TP_STATUS_VLAN_VALID) != 0 && linkType == LinkType.ETHERNET && length >= 12) {
                    // the kernel took the tag out of the frame: put it back where it was
                    int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
                            ? r.getShort(at + TP_VLAN_TPID) & 0xffff : ETH_P_8021Q;
                    int tci = r.getInt(at + TP_VLAN_TCI) & 0xffff;
                    r.get(data, f, 0, 12);
                    f[12] = (byte) (tpid >>> 8);
                    f[13] = (byte) tpid;
                    f[14] = (byte) (tci >>> 8);
                    f[15] = (byte) tci;
                    length = Math.min(length + 4, snaplen);
                    r.get(data + 12, f, 16, length - 16);
                    wire += 4;
                } else {
                    r.get(data, f, 0, length);
                }
                handler.onPacket(ts, linkType, f, 0, length, Math.max(wire, length), 0);
                packets++;
                bytes += length;
            }
            if (next <= 0) {
                break;
            }
            at += next;
        }
        packetsRead += packets;
        bytesRead += bytes;
    }

    /**
     * Waits for the next block, at most {@value #IDLE_POLL_MILLIS} ms.
     *
     * @return false when nothing arrived in that time
     * @throws IOException when the socket reports an error (the interface went down or away)
     */
    private boolean await() throws IOException {
        int ready;
        try {
            ready = Libc.poll(Pointer.nativeValue(pollFds), 2, IDLE_POLL_MILLIS);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Libc.EINTR) {
                return true;
            }
            throw new IOException(plugin + ": poll on interface '" + iface.name() + "' failed: "
                    + Libc.strerror(e.getErrorCode()), e);
        }
        if (ready == 0) {
            return false;
        }
        short events = pollFds.getShort(6);
        if ((events & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0 && !stopped) {
            int error = socketError();
            throw new IOException(plugin + ": reading interface '" + iface.name() + "' failed: "
                    + (error == 0 ? "poll events 0x" + Integer.toHexString(events) : Libc.strerror(error))
                    + (error == Libc.ENETDOWN ? " (the interface went down or away)" : ""));
        }
        return true;
    }

    private int socketError() {
        try (Memory value = new Memory(4); Memory length = new Memory(4)) {
            length.setInt(0, 4);
            Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, Pointer.nativeValue(value),
                    Pointer.nativeValue(length));
            return value.getInt(0);
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /** Makes {@link #run} return promptly, waking its poll. Idempotent; any thread. */
    @Override
    public void stop() {
        stopped = true;
        synchronized (this) {
            if (!closed) {
                try {
                    Libc.write(wakeFd, Pointer.nativeValue(one), 8);
                } catch (LastErrorException ignored) {
                    // the counter is full: the capture is being woken already
                }
            }
        }
    }

    /** {@return the socket's snap length} */
    @Override
    public int snapLength(int interfaceIndex) {
        return interfaceIndex == 0 ? settings.snaplen() : 0;
    }

    /** {@return 9: TPACKET_V3 stamps frames in nanoseconds} */
    @Override
    public int timestampDigits(int interfaceIndex) {
        return interfaceIndex == 0 ? 9 : 0;
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        return interfaceIndex == 0 ? iface.name() : null;
    }

    @Override
    public boolean isLive() {
        return true;
    }

    /**
     * {@code packets_read} and {@code bytes_read} (captured bytes) handed to the handler; {@code kernel_received}
     * (frames the filter passed, dropped ones included), {@code kernel_dropped} (no room in the ring) and
     * {@code kernel_freezes} from the socket's {@code PACKET_STATISTICS}, read when asked; {@code ring_malformed}:
     * blocks whose layout made no sense (never expected).
     */
    @Override
    public Map<String, Long> counters() {
        refreshStats();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("packets_read", packetsRead);
        out.put("bytes_read", bytesRead);
        synchronized (this) {
            out.put("kernel_received", kernelReceived);
            out.put("kernel_dropped", kernelDropped);
            out.put("kernel_freezes", kernelFreezes);
        }
        out.put("ring_malformed", ringMalformed);
        return out;
    }

    /** Adds what the kernel counted since the last call (reading resets its counters). */
    private synchronized void refreshStats() {
        if (closed) {
            return;
        }
        statsLength.setInt(0, 12);
        try {
            Libc.getsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_STATISTICS, Pointer.nativeValue(stats),
                    Pointer.nativeValue(statsLength));
        } catch (LastErrorException e) {
            return;
        }
        kernelReceived += stats.getInt(0) & 0xffff_ffffL;
        kernelDropped += stats.getInt(4) & 0xffff_ffffL;
        kernelFreezes += stats.getInt(8) & 0xffff_ffffL;
    }

    /**
     * Releases the socket and the ring: at once when not running, else by the running thread as {@link #run}
     * returns (a socket being polled is not closed under it). Idempotent; any thread.
     */
    @Override
    public void close() {
        stop();
        if (started.get() && !runEnded) {
            return;
        }
        refreshStats();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(fd);
            closeQuietly(wakeFd);
            try {
                Libc.munmap(ringAddress, (long) blockSize * blocks);
            } catch (LastErrorException ignored) {
                // the process keeps a mapping it cannot use; nothing reads it any more
            }
        }
    }

    @Override
    public String toString() {
        return "AfPacketRing[" + iface.name() + ", fd " + fd + "]";
    }
}
