package io.flowtrace.core.internal;

/**
 * Remembers, for recently seen first fragments, the flow key the datagram was decoded to, so that later fragments
 * (which carry no transport header) land in the same flow, as a reassembling tool such as Zeek counts them.
 *
 * <p>Keyed by the fragmented IP layer's (version, source, destination, identification, protocol). The value is the
 * final flow key of the first fragment: the transport ports, or the whole inner key when the fragmented datagram is
 * a tunnel. Memory is fixed at construction: a set-associative table ({@code sets} x {@link #WAYS}) in primitive
 * arrays; inserting into a full set evicts the oldest entry of that set. No allocation after construction. Not
 * thread-safe: one per decoder.
 */
final class FragmentCache {
    static final int WAYS = 4;

    private final int setMask;
    /** Keyed, so that first fragments cannot be chosen to fill a chosen datagram's set and evict it. */
    private final FlowHash hash;
    private long clock;
    // key
    private final long[] kSrcHi;
    private final long[] kSrcLo;
    private final long[] kDstHi;
    private final long[] kDstLo;
    private final int[] kId;
    /** ipVersion << 8 | protocol; 0 = empty slot. */
    private final int[] kVerProto;
    private final long[] stamp;
    // value
    private final int[] vVersion;
    private final long[] vSrcHi;
    private final long[] vSrcLo;
    private final long[] vDstHi;
    private final long[] vDstLo;
    /** srcPort << 16 | dstPort. */
    private final int[] vPorts;
    private final int[] vProtocol;
    private final boolean[] vTunnelled;

    /**
     * @param sets number of sets, rounded up to a power of two; capacity is {@code sets * WAYS} datagrams
     * @param hash the hash that picks a datagram's set
     */
    FragmentCache(int sets, FlowHash hash) {
        if (sets < 1 || sets > 1 << 20) {
            throw new IllegalArgumentException("fragment cache sets: " + sets + " (expected: 1 to 2^20)");
        }
        int n = 1;
        while (n < sets) {
            n <<= 1;
        }
        setMask = n - 1;
        this.hash = hash;
        int cap = n * WAYS;
        kSrcHi = new long[cap];
        kSrcLo = new long[cap];
        kDstHi = new long[cap];
        kDstLo = new long[cap];
        kId = new int[cap];
        kVerProto = new int[cap];
        stamp = new long[cap];
        vVersion = new int[cap];
        vSrcHi = new long[cap];
        vSrcLo = new long[cap];
        vDstHi = new long[cap];
        vDstLo = new long[cap];
        vPorts = new int[cap];
        vProtocol = new int[cap];
        vTunnelled = new boolean[cap];
    }

    int capacity() {
        return kId.length;
    }

    private int setBase(long srcHi, long srcLo, long dstHi, long dstLo, int id, int verProto) {
        return (hash.fragment(srcHi, srcLo, dstHi, dstLo, id, verProto) & setMask) * WAYS;
    }

    /** Index of the entry for this fragmented datagram, or -1. */
    int find(int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int protocol) {
        int vp = version << 8 | protocol;
        int base = setBase(srcHi, srcLo, dstHi, dstLo, id, vp);
        for (int i = base; i < base + WAYS; i++) {
            if (kVerProto[i] == vp && kId[i] == id && kSrcLo[i] == srcLo && kDstLo[i] == dstLo
                    && kSrcHi[i] == srcHi && kDstHi[i] == dstHi) {
                return i;
            }
        }
        return -1;
    }

    /** Stores (or refreshes) the flow key decoded from the first fragment of a datagram. */
    void put(int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int protocol, DecodedPacket key,
             boolean tunnelled) {
        int vp = version << 8 | protocol;
        int base = setBase(srcHi, srcLo, dstHi, dstLo, id, vp);
        int slot = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = base; i < base + WAYS; i++) {
            if (kVerProto[i] == vp && kId[i] == id && kSrcLo[i] == srcLo && kDstLo[i] == dstLo
                    && kSrcHi[i] == srcHi && kDstHi[i] == dstHi) {
                slot = i;
                break;
            }
            long s = kVerProto[i] == 0 ? Long.MIN_VALUE : stamp[i];
            if (s < oldest) {
                oldest = s;
                slot = i;
            }
        }
        kSrcHi[slot] = srcHi;
        kSrcLo[slot] = srcLo;
        kDstHi[slot] = dstHi;
        kDstLo[slot] = dstLo;
        kId[slot] = id;
        kVerProto[slot] = vp;
        stamp[slot] = ++clock;
        vVersion[slot] = key.ipVersion;
        vSrcHi[slot] = key.srcHi;
        vSrcLo[slot] = key.srcLo;
        vDstHi[slot] = key.dstHi;
        vDstLo[slot] = key.dstLo;
        vPorts[slot] = key.srcPort << 16 | key.dstPort;
        vProtocol[slot] = key.protocol;
        vTunnelled[slot] = tunnelled;
    }

    /** Copies the stored flow key of entry {@code i} into {@code out} (addresses, ports, protocol, version). */
    void copyKey(int i, DecodedPacket out) {
        out.ipVersion = vVersion[i];
        out.srcHi = vSrcHi[i];
        out.srcLo = vSrcLo[i];
        out.dstHi = vDstHi[i];
        out.dstLo = vDstLo[i];
        out.srcPort = vPorts[i] >>> 16;
        out.dstPort = vPorts[i] & 0xffff;
        out.protocol = vProtocol[i];
    }

    /** Whether entry {@code i} is a tunnel whose inner conversation is the flow. */
    boolean tunnelled(int i) {
        return vTunnelled[i];
    }
}
