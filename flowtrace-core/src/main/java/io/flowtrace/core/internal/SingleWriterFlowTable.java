package io.flowtrace.core.internal;

import io.flowtrace.core.Durations;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.PortTimeouts;
import io.flowtrace.core.TcpFin;
import io.flowtrace.core.spi.HeapRoom;
import io.flowtrace.core.spi.PacketView;

import java.util.function.LongPredicate;

/**
 * The flow table of one worker: open addressing over primitive arrays, one writer thread, no locks and no
 * allocation per packet (a {@link FlowEvent} is allocated once per finished flow).
 *
 * <p>Layout: each flow is 16 longs (128 bytes) in one {@code long[]}, so an update touches two cache lines; the
 * index is an {@code int[]} of {@code (8-bit hash tag << 24) | (slot + 1)} at load factor at most 3/4, so a probe
 * rarely touches a flow that is not the one sought. The hash is seeded per process ({@link FlowHash}), and no flow
 * sits more than {@link #MAX_PROBE} entries from its hash's position: a new flow that finds that window full
 * replaces (evicts) the flow at its own position, so that a lookup never walks further. The table grows four times over (twice when the heap cannot hold
 * that) up to its bound and never beyond, nor beyond what leaves the heap room for the rest of the meter
 * ({@link HeapRoom}); a full table evicts the flow nearest its deadline.
 *
 * <p>Expiry runs on packet time only. Every flow sits in a timing wheel at its deadline (idle, active or TCP linger
 * end), placed lazily: a packet never moves a flow in the wheel, and a flow found in a bucket whose deadline has
 * moved on is re-filed. Whether a flow ends on the arrival of its next packet or in a sweep, its record is the
 * same, so records do not depend on how packets are spread over workers.
 *
 * <p>The default {@link FlowCache}, with its single-writer contract: one thread calls {@link #update},
 * {@link #advance} and {@link #flush}; others may read {@link #size()} and {@link #counters()} as approximate figures.
 */
public final class SingleWriterFlowTable implements FlowCache {
    /** Made at the first message. */
    private static final class Log {
        static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SingleWriterFlowTable.class);
    }
    /** Longs a flow takes (public for the benchmarks that model this layout). */
    public static final int STRIDE = 16;
    /**
     * Longs before the first flow: 6 longs after the 16-byte array header put every flow on a 128-byte boundary
     * when the array starts on one (a large array is a G1 humongous object, which starts a region), so a flow is
     * exactly two cache lines, a pair the adjacent-line prefetcher fetches together.
     */
    public static final int BASE = 6;
    // field offsets within a flow's 16 longs
    private static final int A_HI = 0;
    private static final int A_LO = 1;
    private static final int B_HI = 2;
    private static final int B_LO = 3;
    /** ports (A 0-15, B 16-31), protocol 32-39, ip version 40-43, state 44-47, TCP flags of A 48-55, of B 56-63 */
    private static final int META = 4;
    /** vlan 0-11, interface 12-27, empty 28, attempt 29, wheel next (slot + 1) 32-63 */
    private static final int LINK = 5;
    private static final int FIRST = 6;
    private static final int LAST = 7;
    private static final int PKTS_A = 8;
    private static final int PKTS_B = 9;
    private static final int BYTES_A = 10;
    private static final int BYTES_B = 11;
    private static final int IPB_A = 12;
    private static final int IPB_B = 13;
    private static final int CLOSE_TS = 14;
    /** flow hash 0-31, wheel prev (slot + 1) 32-63 */
    private static final int HASH = 15;

    private static final long ST_CLOSING = 1L << 44;
    private static final long ST_FIN_A = 1L << 45;
    private static final long ST_FIN_B = 1L << 46;
    private static final long ST_RST = 1L << 47;
    private static final long ST_MASK = 0xFL << 44;
    /** A flow that was reported at its active timeout and has had no packet since: no record when it ends. */
    private static final long LINK_EMPTY = 1L << 28;
    /** A TCP flow that began with a SYN: while its responder has sent nothing it ends at the attempt timeout. */
    private static final long LINK_ATTEMPT = 1L << 29;
    private static final long LINK_LOW_MASK = 0xFFFF_FFFFL;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;

    /** Largest slot count the 24-bit index entries can address. */
    public static final int MAX_CAPACITY = (1 << 24) - 2;

    private static final int WHEEL_BITS = 12;
    private static final int WHEEL_SIZE = 1 << WHEEL_BITS;
    private static final int WHEEL_MASK = WHEEL_SIZE - 1;

    /**
     * Index entries a lookup walks at most: about twice the longest probe random keys make at load 3/4 in an
     * index of 2^24 entries, so it binds only on keys made to collide.
     */
    static final int MAX_PROBE = 512;

    /** Packets whose table lines {@link #update(PacketView[], int, int)} loads together before updating them. */
    private static final int TOUCH = 32;

    private final FlowCache.Context context;
    private final int maxFlows;
    /** {@link #maxFlows}, or less once the heap had no room to grow the table. */
    private int bound;
    /** Whether the heap has room for a growth of so many bytes; asked only when growing. */
    private LongPredicate heapRoom = HeapRoom::allows;
    private final boolean bidirectional;
    private final boolean vlanInKey;
    private final boolean tcpClose;
    private final long idleTcp;
    private final long idleUdp;
    private final long idleIcmp;
    private final long idleOther;
    private final long active;
    private final long linger;
    /** Idle timeouts of services, looked up only when there are some. */
    private final PortTimeouts services;
    private final boolean byService;
    /** Nanoseconds after its SYN that an unanswered TCP attempt ends; Long.MAX_VALUE: no such rule. */
    private final long attempt;
    private final boolean finFirst;
    private final boolean finSeenSides;

    private long[] data;
    private int[] index;
    private int indexMask;
    /** {@link #MAX_PROBE}, or the index's size when that is smaller. */
    private int window;
    private int capacity;
    private int size;
    private int nextUnused;
    /** free slots, linked through LINK's upper half; -1 when empty */
    private int freeHead = -1;

    private final int[] wheelHead = new int[WHEEL_SIZE]; // slot + 1, 0 = empty
    private final int[] wheelTail = new int[WHEEL_SIZE];
    private final int wheelShift;
    private long wheelPos = Long.MIN_VALUE; // absolute bucket number processed next
    private long now = Long.MIN_VALUE;

    // counters, written by the owner thread only; read by others as approximate figures
    private long created;
    private long expiredIdle;
    private long expiredActive;
    private long closedFin;
    private long closedRst;
    private long evicted;
    /** Flows evicted because their probe window was full; also in {@link #evicted}. */
    private long probeEvicted;
    /** flows ended by {@link #flush}'s reason, by its ordinal */
    private final long[] flushed = new long[EndReason.values().length];

    /** A table for one worker, as {@link FlowCache.Factory} makes it. */
    public SingleWriterFlowTable(FlowCache.Context context) {
        int maxFlows = context.maxFlows();
        if (maxFlows < 1 || maxFlows > MAX_CAPACITY) {
            throw new IllegalArgumentException("maxFlows per worker: " + maxFlows + " (expected: 1.." + MAX_CAPACITY + ")");
        }
        FlowOptions options = context.options();
        int initialCapacity = context.initialCapacity();
        this.context = context;
        this.maxFlows = maxFlows;
        this.bound = maxFlows;
        this.bidirectional = options.bidirectional();
        this.vlanInKey = options.vlanInKey();
        this.tcpClose = options.tcpClose();
        this.idleTcp = options.idleTimeoutNanos(6);
        this.idleUdp = options.idleTimeoutNanos(17);
        this.idleIcmp = options.idleTimeoutNanos(1);
        this.idleOther = options.idleTimeoutNanos(0);
        this.active = Durations.nanosOrNever(options.activeTimeout());
        this.linger = options.tcpLinger().toNanos();
        this.services = options.portIdleTimeouts();
        this.byService = !services.isEmpty();
        this.attempt = Durations.nanosOrNever(options.tcpAttemptTimeout());
        this.finFirst = options.tcpFin() == TcpFin.FIRST;
        this.finSeenSides = options.tcpFin() == TcpFin.SEEN_SIDES;
        this.wheelShift = wheelShiftFor(options);
        allocate(Math.max(16, Math.min(maxFlows, Math.max(initialCapacity, 16))));
    }

    /**
     * @param options  flow semantics
     * @param maxFlows this table's bound (the pipeline divides the global bound between workers)
     * @param emitter  receives every finished record
     * @param context  interface names, hostname and local addresses for records
     */
    public SingleWriterFlowTable(FlowOptions options, int maxFlows, int initialCapacity, FlowEmitter emitter,
                                 RecordContext context) {
        this(new CacheContext(options, 0, maxFlows, initialCapacity, emitter, context));
    }

    /** Wheel resolution: a power of two of nanoseconds near an eighth of the shortest timeout, 1 ms to ~1 s. */
    private static int wheelShiftFor(FlowOptions o) {
        long min = Long.MAX_VALUE;
        for (long t : new long[] {o.idleTimeoutNanos(6), o.idleTimeoutNanos(17), o.idleTimeoutNanos(1),
                o.idleTimeoutNanos(0), Durations.nanosOrNever(o.activeTimeout()),
                o.portIdleTimeouts().shortestNanos(), Durations.nanosOrNever(o.tcpAttemptTimeout()),
                o.tcpLinger().isZero() ? Long.MAX_VALUE : o.tcpLinger().toNanos()}) {
            min = Math.min(min, t);
        }
        long target = min == Long.MAX_VALUE ? 1L << 30 : Math.max(1, min / 8);
        int shift = 63 - Long.numberOfLeadingZeros(target);
        return Math.max(20, Math.min(30, shift));
    }

    private void allocate(int newCapacity) {
        int indexSize = indexSizeFor(newCapacity);
        // both arrays first: when the heap cannot hold them, the table is left as it was
        long[] newData = new long[newCapacity * STRIDE + BASE];
        int[] newIndex = new int[indexSize];
        long[] old = data;
        if (old != null) {
            System.arraycopy(old, 0, newData, 0, old.length);
        }
        data = newData;
        capacity = newCapacity;
        index = newIndex;
        indexMask = indexSize - 1;
        window = Math.min(MAX_PROBE, indexSize);
        if (old != null) {
            // re-index every live flow
            for (int s = 0; s < nextUnused; s++) {
                if (isLive(s)) {
                    indexInsert(s, (int) data[s * STRIDE + BASE + HASH]);
                }
            }
        }
    }

    /**
     * Grows the table four times over towards its bound, or twice when the heap has no room for that. Each growth
     * stops the worker while it allocates, copies and re-indexes (mostly the first touch of the new memory), so fewer,
     * larger steps cost less. A step is taken only when the heap keeps a margin after it ({@link HeapRoom}), so that
     * other workers' tables, aggregators and sinks still have room. When the heap has no room for even twice the
     * table (a flood in a small heap), the table stays as it is, its size becomes its bound from then on, and it
     * says so once: a full table evicts, which ends flows early but loses no packet, where running out of memory
     * would stop capture.
     */
    private boolean grow() {
        int twice = (int) Math.min(bound, (long) capacity * 2);
        int larger = (int) Math.min(bound, (long) capacity * 4);
        if (larger > twice && tryAllocate(larger) || tryAllocate(twice)) {
            return true;
        }
        bound = capacity;
        Log.LOG.warn("a flow table stays at {} flows ({} MiB): the heap has no room to grow it to {} (maxFlows per "
                + "worker {}); the flow nearest its deadline is evicted to make room from now on. Raise the heap "
                + "(-Xmx) or lower maxFlows.", capacity, memoryBytes() >> 20, twice, maxFlows);
        return false;
    }

    /**
     * {@link #allocate}, or false when the heap has no room for the arrays with the margin, or cannot hold them at
     * all (the table is then as it was).
     */
    private boolean tryAllocate(int newCapacity) {
        if (!heapRoom.test(bytesFor(newCapacity))) {
            return false;
        }
        try {
            allocate(newCapacity);
            return true;
        } catch (OutOfMemoryError e) {
            return false;
        }
    }

    /** Bytes of the arrays {@link #allocate} makes for {@code newCapacity} flows. */
    private static long bytesFor(int newCapacity) {
        return ((long) newCapacity * STRIDE + BASE) * 8 + (long) indexSizeFor(newCapacity) * 4;
    }

    /** The index's entries for {@code newCapacity} flows: a power of two that keeps its load at most 3/4. */
    private static int indexSizeFor(int newCapacity) {
        return Integer.highestOneBit(Math.max(4, (int) Math.min(1 << 30, (long) newCapacity * 4 / 3 + 1)) - 1) << 1;
    }

    /** Replaces the heap check (tests: a heap whose room they choose, whatever the JVM's). */
    void heapRoom(LongPredicate check) {
        this.heapRoom = check;
    }

    private boolean isLive(int slot) {
        return data[slot * STRIDE + BASE + META] != 0; // ip version is never 0 for a live flow
    }

    /** Flows tracked now. */
    @Override
    public int size() {
        return size;
    }

    /** Slots allocated now (grows four times over, or twice, up to the bound). */
    @Override
    public int capacity() {
        return capacity;
    }

    /** Bytes held by this table's arrays. */
    public long memoryBytes() {
        return (long) data.length * 8 + (long) index.length * 4 + (long) wheelHead.length * 8;
    }

    /** The table's packet clock: the latest timestamp seen. */
    public long now() {
        return now;
    }

    /** Sink for the loads of {@link #touch}, so that they are not optimised away. */
    private long touched;

    /**
     * Loads the index entries, then the first line of each flow they name (the flow's second line comes with it), of
     * the first 64 of {@code packets[from..to)} without changing anything, so that their cache misses are in flight
     * together instead of one after another; {@link #update(PacketView[], int, int)} calls this for a small group
     * before updating it packet by packet. The loops are kept short so that many packets' loads fit in the
     * processor's reorder window at once. Purely a speed hint: {@link #update} gives the same result without it.
     */
    public void touch(DecodedPacket[] packets, int from, int to) {
        int[] idx = index;
        int mask = indexMask;
        int[] es = touchEntries;
        int n = Math.min(to - from, es.length);
        for (int i = 0; i < n; i++) {
            es[i] = idx[packets[from + i].flowHash & mask];
        }
        long[] d = data;
        long acc = 0;
        for (int i = 0; i < n; i++) {
            int e = es[i];
            if (e != 0) {
                acc += d[((e & 0xFFFFFF) - 1) * STRIDE + BASE + META];
            }
        }
        touched += acc;
    }

    /** {@link #touch}'s index entries of the batch. */
    private final int[] touchEntries = new int[64];

    /** Holds a packet that came as another kind of view. */
    private final DecodedPacket copied = new DecodedPacket();

    /**
     * Updates the packets in groups of {@link #TOUCH}, each {@link #touch}ed first, so that the cache misses of a
     * group overlap; the pipeline's batches are {@link DecodedPacket}s.
     */
    @Override
    public void update(PacketView[] packets, int from, int to) {
        if (!(packets instanceof DecodedPacket[])) {
            FlowCache.super.update(packets, from, to);
            return;
        }
        DecodedPacket[] ps = (DecodedPacket[]) packets;
        for (int start = from; start < to; start += TOUCH) {
            int end = Math.min(to, start + TOUCH);
            touch(ps, start, end);
            for (int i = start; i < end; i++) {
                update(ps[i]);
            }
        }
    }

    @Override
    public void update(PacketView packet) {
        if (packet instanceof DecodedPacket) {
            update((DecodedPacket) packet);
            return;
        }
        DecodedPacket p = copied;
        p.timestampNanos = packet.timestampNanos();
        p.ipVersion = packet.ipVersion();
        p.srcHi = packet.srcHi();
        p.srcLo = packet.srcLo();
        p.dstHi = packet.dstHi();
        p.dstLo = packet.dstLo();
        p.srcPort = packet.srcPort();
        p.dstPort = packet.dstPort();
        p.protocol = packet.protocol();
        p.vlan = packet.vlan();
        p.wireLength = packet.wireLength();
        p.ipLength = packet.ipLength();
        p.tcpFlags = packet.tcpFlags();
        p.interfaceIndex = packet.interfaceIndex();
        p.flowHash = packet.flowHash();
        update(p);
    }

    /**
     * Counts one decoded packet.
     */
    public void update(DecodedPacket p) {
        long ts = p.timestampNanos;
        // no branch on the order of timestamps: which way it goes changes with the capture, and a branch the
        // compiled code has never seen taken costs a recompilation when it first is
        now = Math.max(now, ts);
        if (wheelPos == Long.MIN_VALUE) {
            wheelPos = now >>> wheelShift;
        }
        int hash = p.flowHash;
        int vlan = vlanInKey ? p.vlan : 0;
        long ports = (p.srcPort & 0xffffL) | ((p.dstPort & 0xffffL) << 16);
        long rports = (p.dstPort & 0xffffL) | ((p.srcPort & 0xffffL) << 16);
        long protoVer = ((long) p.protocol << 32) | ((long) p.ipVersion << 40);
        long[] d = data;
        int[] idx = index;
        int mask = indexMask;
        int tag = hash >>> 24;
        int home = hash & mask;
        int pos = home;
        // the first position past the window (home itself when the index is no longer than a window: never reached)
        int limit = (home + window) & mask;
        int slot = -1;
        boolean forward = true;
        while (true) {
            int e = idx[pos];
            if (e == 0) {
                break;
            }
            if ((e >>> 24) == tag) {
                int s = (e & 0xFFFFFF) - 1;
                int b = s * STRIDE + BASE;
                long meta = d[b + META];
                if (((meta >>> 32) & 0xFFF) == (protoVer >>> 32) && (int) (d[b + LINK] & 0xFFF) == vlan) {
                    long mports = meta & 0xFFFF_FFFFL;
                    long aLo = d[b + A_LO];
                    long bLo = d[b + B_LO];
                    long aHi = d[b + A_HI];
                    long bHi = d[b + B_HI];
                    // both orientations compared without branches: which one a packet has is a coin toss
                    boolean fwd = (mports == ports) & (aLo == p.srcLo) & (bLo == p.dstLo) & (aHi == p.srcHi)
                            & (bHi == p.dstHi);
                    boolean rev = bidirectional & (mports == rports) & (aLo == p.dstLo) & (bLo == p.srcLo)
                            & (aHi == p.dstHi) & (bHi == p.srcHi);
                    if (fwd | rev) {
                        slot = s;
                        forward = fwd;
                        break;
                    }
                }
            }
            pos = (pos + 1) & mask;
            if (pos == limit) {
                replace(home, p, hash, vlan);
                return;
            }
        }
        if (slot < 0) {
            create(p, hash, vlan);
            return;
        }
        int b = slot * STRIDE + BASE;
        long meta = d[b + META];
        long link = d[b + LINK];
        if ((meta & ST_CLOSING) != 0) {
            boolean newSyn = (p.tcpFlags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
            if (ts - d[b + CLOSE_TS] >= linger || newSyn) {
                emit(slot, (meta & ST_RST) != 0 ? EndReason.TCP_RST : EndReason.TCP_FIN);
                if ((meta & ST_RST) != 0) {
                    closedRst++;
                } else {
                    closedFin++;
                }
                restart(slot, p, true);
                return;
            }
        } else if ((link & LINK_EMPTY) != 0) {
            // reported at its active timeout; a packet within the idle timeout continues the conversation
            restart(slot, p, ts - d[b + LAST] >= idleFor(meta));
            return;
        } else {
            long idleDl = satAdd(d[b + LAST], idleFor(meta));
            if ((link & LINK_ATTEMPT) != 0 && d[b + PKTS_B] == 0) {
                idleDl = Math.min(idleDl, satAdd(d[b + FIRST], attempt));
            }
            long activeDl = satAdd(d[b + FIRST], active);
            if (ts >= idleDl || ts >= activeDl) {
                // the same reason a sweep would give: whichever deadline came first
                if (idleDl <= activeDl) {
                    emit(slot, EndReason.IDLE_TIMEOUT);
                    expiredIdle++;
                    restart(slot, p, true);
                } else {
                    emit(slot, EndReason.ACTIVE_TIMEOUT);
                    expiredActive++;
                    restart(slot, p, ts >= idleDl);
                }
                return;
            }
        }
        account(b, p, forward, ts);
    }

    /** The idle timeout of a flow by its META: its service's, else its protocol's. */
    private long idleFor(long meta) {
        int protocol = (int) (meta >>> 32) & 0xff;
        if (byService) {
            long n = services.nanos(protocol, (int) (meta >>> 16) & 0xffff, (int) meta & 0xffff);
            if (n >= 0) {
                return n;
            }
        }
        switch (protocol) {
            case 6: return idleTcp;
            case 17: return idleUdp;
            case 1: case 58: return idleIcmp;
            default: return idleOther;
        }
    }

    private void account(int b, DecodedPacket p, boolean forward, long ts) {
        long[] d = data;
        int dir = forward ? 0 : 1;
        d[b + PKTS_A + dir]++;
        d[b + BYTES_A + dir] += p.wireLength;
        d[b + IPB_A + dir] += p.ipLength;
        d[b + LAST] = Math.max(d[b + LAST], ts);
        d[b + FIRST] = Math.min(d[b + FIRST], ts);
        int flags = p.tcpFlags;
        if (flags != 0) {
            long meta = d[b + META] | ((long) flags << (forward ? 48 : 56));
            if (tcpClose && (meta & ST_CLOSING) == 0 && p.protocol == 6) {
                if ((flags & TCP_RST) != 0) {
                    meta |= ST_RST | ST_CLOSING;
                } else if ((flags & TCP_FIN) != 0) {
                    meta |= forward ? ST_FIN_A : ST_FIN_B;
                    if (!bidirectional || (meta & (ST_FIN_A | ST_FIN_B)) == (ST_FIN_A | ST_FIN_B) || finFirst
                            || finSeenSides && d[b + (forward ? PKTS_B : PKTS_A)] == 0) {
                        meta |= ST_CLOSING;
                    }
                }
                if ((meta & ST_CLOSING) != 0) {
                    d[b + CLOSE_TS] = ts;
                    d[b + META] = meta;
                    // the deadline moved earlier: re-file the flow so the linger ends on time
                    int slot = (b - BASE) / STRIDE;
                    wheelRemove(slot);
                    wheelInsert(slot, ts + linger);
                    return;
                }
            }
            d[b + META] = meta;
        }
    }

    private void create(DecodedPacket p, int hash, int vlan) {
        if (size >= capacity && !(capacity < bound && grow())) {
            evictOne();
        }
        int slot;
        if (freeHead >= 0) {
            slot = freeHead;
            freeHead = (int) (data[slot * STRIDE + BASE + LINK] >>> 32) - 1;
        } else {
            slot = nextUnused++;
        }
        int b = slot * STRIDE + BASE;
        data[b + HASH] = hash & 0xFFFF_FFFFL;
        data[b + LINK] = (vlan & 0xFFF) | ((long) (p.interfaceIndex & 0xFFFF) << 12);
        size++;
        created++;
        setWheelLinks(b, 0, 0);
        initFlow(b, p);
        indexInsert(slot, hash);
        if (!inWheel(b)) { // a first packet with RST has filed it already
            wheelInsert(slot, deadline(b));
        }
    }

    /**
     * A new flow whose probe window is full of other flows takes the place of the flow at its own index position,
     * which ends as evicted: the window stays full, so every other flow is still found where it was.
     */
    private void replace(int pos, DecodedPacket p, int hash, int vlan) {
        int slot = (index[pos] & 0xFFFFFF) - 1;
        int b = slot * STRIDE + BASE;
        if ((data[b + LINK] & LINK_EMPTY) == 0) {
            emit(slot, EndReason.EVICTED);
            evicted++;
        }
        probeEvicted++;
        wheelRemove(slot);
        index[pos] = ((hash >>> 24) << 24) | (slot + 1);
        data[b + HASH] = hash & 0xFFFF_FFFFL;
        data[b + LINK] = (vlan & 0xFFF) | ((long) (p.interfaceIndex & 0xFFFF) << 12);
        created++;
        setWheelLinks(b, 0, 0);
        initFlow(b, p);
        if (!inWheel(b)) { // a first packet with RST has filed it already
            wheelInsert(slot, deadline(b));
        }
    }

    /** Flows evicted because the window of index entries their hash points to was full. */
    long probeEvicted() {
        return probeEvicted;
    }

    /**
     * Index entries between each flow's position and its hash's, summed over the flows: the entries that finding
     * every flow once walks past, the cost that colliding keys raise. Walks the index (for tests).
     */
    long displacement() {
        long sum = 0;
        for (int pos = 0; pos <= indexMask; pos++) {
            int e = index[pos];
            if (e != 0) {
                int home = (int) data[((e & 0xFFFFFF) - 1) * STRIDE + BASE + HASH] & indexMask;
                sum += (pos - home) & indexMask;
            }
        }
        return sum;
    }

    /** Starts a new record in an existing slot: {@code fresh} re-derives the orientation from this packet. */
    private void restart(int slot, DecodedPacket p, boolean fresh) {
        int b = slot * STRIDE + BASE;
        data[b + LINK] &= ~(LINK_EMPTY | LINK_ATTEMPT);
        if (fresh) {
            created++;
            initFlow(b, p);
        } else {
            // continue the conversation with the same initiator
            boolean forward = p.srcLo == data[b + A_LO] && p.srcHi == data[b + A_HI]
                    && p.srcPort == (int) (data[b + META] & 0xffff);
            clearCounters(b, p.timestampNanos);
            account(b, p, forward, p.timestampNanos);
        }
    }

    private void clearCounters(int b, long ts) {
        long[] d = data;
        d[b + META] &= ~(ST_MASK | (0xFFFFL << 48));
        d[b + FIRST] = ts;
        d[b + LAST] = ts;
        d[b + PKTS_A] = d[b + PKTS_B] = 0;
        d[b + BYTES_A] = d[b + BYTES_B] = 0;
        d[b + IPB_A] = d[b + IPB_B] = 0;
        d[b + CLOSE_TS] = 0;
    }

    private void initFlow(int b, DecodedPacket p) {
        long[] d = data;
        // a SYN-ACK as the first packet means the SYN was missed: the receiver is the initiator
        boolean reversed = p.protocol == 6 && (p.tcpFlags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) && bidirectional;
        long meta = ((long) p.protocol << 32) | ((long) p.ipVersion << 40);
        if (!reversed) {
            d[b + A_HI] = p.srcHi;
            d[b + A_LO] = p.srcLo;
            d[b + B_HI] = p.dstHi;
            d[b + B_LO] = p.dstLo;
            meta |= (p.srcPort & 0xffffL) | ((p.dstPort & 0xffffL) << 16);
        } else {
            d[b + A_HI] = p.dstHi;
            d[b + A_LO] = p.dstLo;
            d[b + B_HI] = p.srcHi;
            d[b + B_LO] = p.srcLo;
            meta |= (p.dstPort & 0xffffL) | ((p.srcPort & 0xffffL) << 16);
        }
        d[b + META] = meta;
        if (attempt != Long.MAX_VALUE && p.protocol == 6
                && (p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN) {
            d[b + LINK] |= LINK_ATTEMPT;
        } else {
            d[b + LINK] &= ~LINK_ATTEMPT;
        }
        clearCounters(b, p.timestampNanos);
        account(b, p, !reversed, p.timestampNanos);
    }

    private long deadline(int b) {
        long[] d = data;
        long meta = d[b + META];
        if ((meta & ST_CLOSING) != 0) {
            return d[b + CLOSE_TS] + linger;
        }
        long idle = idleDeadline(b, meta);
        if ((d[b + LINK] & LINK_EMPTY) != 0) {
            return idle;
        }
        return Math.min(idle, satAdd(d[b + FIRST], active));
    }

    /** The end of a flow's idle time: its last packet plus its idle timeout, or its unanswered attempt's end. */
    private long idleDeadline(int b, long meta) {
        long[] d = data;
        long idle = satAdd(d[b + LAST], idleFor(meta));
        if ((d[b + LINK] & LINK_ATTEMPT) != 0 && d[b + PKTS_B] == 0) {
            idle = Math.min(idle, satAdd(d[b + FIRST], attempt));
        }
        return idle;
    }

    private static long satAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * Ends every flow whose deadline is at or before {@code nowNanos} (packet time, or the heartbeat of a live
     * source). Cost is proportional to the flows that expire.
     */
    @Override
    public void advance(long nowNanos) {
        if (nowNanos > now) {
            now = nowNanos;
        }
        if (wheelPos == Long.MIN_VALUE) {
            return; // no packet yet
        }
        long target = now >>> wheelShift; // buckets strictly before target are due
        if (target - wheelPos > WHEEL_SIZE) {
            // a jump in time longer than the wheel: take every flow out and re-file or expire it once
            int[] heads = wheelHead.clone();
            java.util.Arrays.fill(wheelHead, 0);
            java.util.Arrays.fill(wheelTail, 0);
            wheelPos = target;
            for (int h : heads) {
                drainList(h);
            }
            return;
        }
        while (wheelPos < target) {
            int i = (int) (wheelPos & WHEEL_MASK);
            int h = wheelHead[i];
            wheelHead[i] = 0;
            wheelTail[i] = 0;
            wheelPos++;
            drainList(h);
        }
    }

    private void drainList(int head) {
        int s1 = head;
        while (s1 != 0) {
            int slot = s1 - 1;
            int b = slot * STRIDE + BASE;
            int next = nextOf(b);
            s1 = (next & MARK) != 0 ? 0 : next;
            setWheelLinks(b, 0, 0);
            long dl = deadline(b);
            if (dl <= now) {
                expire(slot);
            } else {
                wheelInsert(slot, dl);
            }
        }
    }

    /** The flow's deadline has passed: report it (unless empty) and free or re-file it. */
    private void expire(int slot) {
        int b = slot * STRIDE + BASE;
        long meta = data[b + META];
        long link = data[b + LINK];
        if ((meta & ST_CLOSING) != 0) {
            emit(slot, (meta & ST_RST) != 0 ? EndReason.TCP_RST : EndReason.TCP_FIN);
            if ((meta & ST_RST) != 0) {
                closedRst++;
            } else {
                closedFin++;
            }
            free(slot);
            return;
        }
        if ((link & LINK_EMPTY) != 0) {
            free(slot); // already reported; idle since
            return;
        }
        long idleDl = idleDeadline(b, meta);
        long activeDl = satAdd(data[b + FIRST], active);
        if (idleDl <= activeDl) {
            emit(slot, EndReason.IDLE_TIMEOUT);
            expiredIdle++;
            free(slot);
        } else {
            emit(slot, EndReason.ACTIVE_TIMEOUT);
            expiredActive++;
            // keep the conversation's orientation for its next packet; free it if none comes within idle
            data[b + LINK] = (data[b + LINK] | LINK_EMPTY) & ~LINK_ATTEMPT;
            long last = data[b + LAST];
            clearCounters(b, last);
            wheelInsert(slot, deadline(b));
        }
    }

    private void evictOne() {
        // the earliest non-empty bucket holds the flows nearest their deadline; a flow whose deadline has moved
        // on is re-filed further ahead, so the scan ends
        long pos = wheelPos;
        long limit = (long) WHEEL_SIZE + size + 1;
        for (long steps = 0; steps < limit; steps++) {
            int i = (int) (pos & WHEEL_MASK);
            int h = wheelHead[i];
            if (h == 0) {
                pos++;
                if (pos >= wheelPos + WHEEL_SIZE) {
                    break;
                }
                continue;
            }
            int slot = h - 1;
            int b = slot * STRIDE + BASE;
            long due = bucketOf(deadline(b));
            wheelRemove(slot);
            if (due > pos) {
                wheelInsert(slot, deadline(b));
                continue;
            }
            if ((data[b + LINK] & LINK_EMPTY) == 0) {
                emit(slot, EndReason.EVICTED);
                evicted++;
            }
            free(slot);
            return;
        }
        throw new IllegalStateException("flow table full and no flow found to evict (size " + size + ")");
    }

    private void free(int slot) {
        int b = slot * STRIDE + BASE;
        indexRemove(slot, (int) data[b + HASH]);
        data[b + META] = 0;
        data[b + HASH] = 0;
        data[b + LINK] = ((long) (freeHead + 1)) << 32;
        freeHead = slot;
        size--;
    }

    /**
     * Ends every open flow with {@code reason} (end of capture, shutdown) and empties the table.
     */
    @Override
    public void flush(EndReason reason) {
        for (int s = 0; s < nextUnused; s++) {
            if (isLive(s)) {
                int b = s * STRIDE + BASE;
                if (deadline(b) <= now) {
                    // its time was up before the end: report it as a sweep would have
                    wheelRemove(s);
                    expire(s);
                    if (!isLive(s)) {
                        continue;
                    }
                }
                long meta = data[b + META];
                if ((meta & ST_CLOSING) != 0) {
                    // closed by FIN or RST and lingering: that is why it ended
                    emit(s, (meta & ST_RST) != 0 ? EndReason.TCP_RST : EndReason.TCP_FIN);
                    if ((meta & ST_RST) != 0) {
                        closedRst++;
                    } else {
                        closedFin++;
                    }
                } else if ((data[b + LINK] & LINK_EMPTY) == 0) {
                    emit(s, reason);
                    flushed[reason.ordinal()]++;
                }
            }
        }
        java.util.Arrays.fill(index, 0);
        java.util.Arrays.fill(wheelHead, 0);
        java.util.Arrays.fill(wheelTail, 0);
        // the flows' longs stay: slots from nextUnused on are never read before create() writes all 16 of them
        size = 0;
        nextUnused = 0;
        freeHead = -1;
    }

    private void emit(int slot, EndReason reason) {
        int b = slot * STRIDE + BASE;
        long[] d = data;
        long meta = d[b + META];
        int version = (int) (meta >>> 40) & 0xF;
        int vlan = (int) (d[b + LINK] & 0xFFF);
        FlowKey key = new FlowKey(version, d[b + A_HI], d[b + A_LO], d[b + B_HI], d[b + B_LO],
                (int) (meta & 0xffff), (int) ((meta >>> 16) & 0xffff), (int) (meta >>> 32) & 0xff, vlan);
        long first = d[b + FIRST];
        int ifIndex = (int) ((d[b + LINK] >>> 12) & 0xFFFF);
        FlowEvent r = new FlowEvent(FlowEvent.flowIdOf(key, first), key, first, d[b + LAST],
                d[b + PKTS_A], d[b + PKTS_B], d[b + BYTES_A], d[b + BYTES_B], d[b + IPB_A], d[b + IPB_B],
                (int) ((meta >>> 48) & 0xff), (int) ((meta >>> 56) & 0xff), reason,
                context.interfaceName(ifIndex), context.hostname(), context.direction(key));
        context.emit(r);
    }

    // ---- index: linear probing with backward-shift deletion ----

    private void indexInsert(int slot, int hash) {
        int pos = hash & indexMask;
        while (index[pos] != 0) {
            pos = (pos + 1) & indexMask;
        }
        index[pos] = ((hash >>> 24) << 24) | (slot + 1);
    }

    private void indexRemove(int slot, int hash) {
        int mask = indexMask;
        int pos = hash & mask;
        int want = slot + 1;
        while ((index[pos] & 0xFFFFFF) != want) {
            if (index[pos] == 0) {
                throw new IllegalStateException("flow " + slot + " not in index");
            }
            pos = (pos + 1) & mask;
        }
        // shift later entries of the cluster back into the hole
        int hole = pos;
        int i = (pos + 1) & mask;
        while (index[i] != 0) {
            int s = (index[i] & 0xFFFFFF) - 1;
            int home = (int) data[s * STRIDE + BASE + HASH] & mask;
            // can the entry at i move to hole? only if its home is not in (hole, i]
            boolean between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!between) {
                index[hole] = index[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        index[hole] = 0;
    }

    // ---- timing wheel: FIFO lists doubly linked through LINK (next) and HASH (prev) upper halves ----
    // next and prev hold slot + 1; the head has prev = MARK | bucket index, the tail next = MARK | bucket index;
    // prev 0: not filed

    private static final int MARK = 0x8000_0000;

    private void setWheelLinks(int b, int next, int prev) {
        data[b + LINK] = (data[b + LINK] & LINK_LOW_MASK) | ((next & 0xFFFF_FFFFL) << 32);
        data[b + HASH] = (data[b + HASH] & LINK_LOW_MASK) | ((prev & 0xFFFF_FFFFL) << 32);
    }

    private int nextOf(int b) {
        return (int) (data[b + LINK] >>> 32);
    }

    private int prevOf(int b) {
        return (int) (data[b + HASH] >>> 32);
    }

    private void setNext(int slot1, int next) {
        int b = (slot1 - 1) * STRIDE + BASE;
        data[b + LINK] = (data[b + LINK] & LINK_LOW_MASK) | ((next & 0xFFFF_FFFFL) << 32);
    }

    private void setPrev(int slot1, int prev) {
        int b = (slot1 - 1) * STRIDE + BASE;
        data[b + HASH] = (data[b + HASH] & LINK_LOW_MASK) | ((prev & 0xFFFF_FFFFL) << 32);
    }

    private boolean inWheel(int b) {
        return prevOf(b) != 0;
    }

    private long bucketOf(long deadline) {
        long bucket = deadline >>> wheelShift;
        if (bucket < wheelPos) {
            return wheelPos;
        }
        return Math.min(bucket, wheelPos + WHEEL_SIZE - 1);
    }

    private void wheelInsert(int slot, long deadline) {
        if (wheelPos == Long.MIN_VALUE) {
            wheelPos = now >>> wheelShift;
        }
        int i = (int) (bucketOf(deadline) & WHEEL_MASK);
        int tail = wheelTail[i];
        int b = slot * STRIDE + BASE;
        if (tail == 0) {
            setWheelLinks(b, MARK | i, MARK | i);
            wheelHead[i] = slot + 1;
        } else {
            setWheelLinks(b, MARK | i, tail);
            setNext(tail, slot + 1);
        }
        wheelTail[i] = slot + 1;
    }

    private void wheelRemove(int slot) {
        int b = slot * STRIDE + BASE;
        int next = nextOf(b);
        int prev = prevOf(b);
        if (prev == 0) {
            return; // not filed
        }
        if ((prev & MARK) != 0) {
            wheelHead[prev & WHEEL_MASK] = (next & MARK) != 0 ? 0 : next;
        } else {
            setNext(prev, next);
        }
        if ((next & MARK) != 0) {
            wheelTail[next & WHEEL_MASK] = (prev & MARK) != 0 ? 0 : prev;
        } else {
            setPrev(next, prev);
        }
        setWheelLinks(b, 0, 0);
    }

    @Override
    public Counters counters() {
        long[] f = flushed;
        return new Counters(created, expiredIdle + f[EndReason.IDLE_TIMEOUT.ordinal()],
                expiredActive + f[EndReason.ACTIVE_TIMEOUT.ordinal()], closedFin + f[EndReason.TCP_FIN.ordinal()],
                closedRst + f[EndReason.TCP_RST.ordinal()], evicted + f[EndReason.EVICTED.ordinal()],
                f[EndReason.END_OF_CAPTURE.ordinal()], f[EndReason.SHUTDOWN.ordinal()]);
    }
}
