package io.flowtrace.core.internal;

/**
 * Reassembles fragmented IPv4 and IPv6 datagrams (RFC 791; RFC 8200 section 4.5) for the {@code reassemble} fragment
 * mode, so that the decoder reads a datagram split into fragments as one packet, as Zeek does.
 *
 * <p>Rules, as Linux applies them to both IP versions: a fragment with the same offset and end as a held one is a
 * duplicate and is dropped, its datagram kept; any other overlap drops the whole datagram (RFC 5722); a datagram
 * whose length would pass 65,535 bytes with its header, a non-last fragment that is empty or not a multiple of 8
 * bytes long (Linux trims an IPv4 one), a fragment beyond the last fragment's end and a second, different last
 * fragment drop the datagram as invalid. A datagram is
 * dropped when its first fragment is older than the timeout in packet time (IPv4 30 s and IPv6 60 s, Linux's
 * {@code ipfrag_time} and {@code ip6frag_time}).
 *
 * <p>Memory is fixed at construction: at most {@code maxDatagrams} datagrams in progress, their data in a pool of
 * {@code poolBytes} (Linux's {@code ipfrag_high_thresh} is 4 MiB) cut in 1 KiB blocks, at most
 * {@value #MAX_FRAGMENTS} fragments per datagram and an IPv6 unfragmentable part of at most {@value #MAX_HEADER}
 * bytes. When either bound is hit the oldest datagram in progress is dropped and counted as evicted (Linux refuses
 * new datagrams instead, which lets a flood keep every new datagram out for a whole timeout). Datagrams are found
 * through a table keyed with the process's seeded hash, so no one can choose fragments that collide. No allocation
 * after construction but one output buffer per nesting level, made at first use: a complete datagram is written
 * into the buffer of its level ({@link #result()}), valid until the next packet. Not thread-safe: one per decoder.
 */
final class IpReassembler {
    static final int DEFAULT_MAX_DATAGRAMS = 1024;
    static final int DEFAULT_POOL_BYTES = 4 << 20;
    static final long IPV4_TIMEOUT_NANOS = 30_000_000_000L;
    static final long IPV6_TIMEOUT_NANOS = 60_000_000_000L;
    /** Fragments one datagram may have: a 65,535-byte datagram over a 1,280-byte IPv6 link takes 53. */
    static final int MAX_FRAGMENTS = 64;
    /** Bytes kept of the first fragment's header: IPv4's 60 at most, IPv6's unfragmentable part. */
    static final int MAX_HEADER = 256;
    static final int MAX_DATAGRAM = 65535;
    private static final int BLOCK_SHIFT = 10;
    private static final int BLOCK = 1 << BLOCK_SHIFT;
    private static final int BLOCKS_PER_DATAGRAM = (MAX_DATAGRAM + BLOCK) >> BLOCK_SHIFT;
    private static final int NONE = -1;

    private final FlowHash hash;
    private final int bucketMask;
    private final int[] buckets;
    // per datagram slot; kVersion 0 marks a free slot
    private final int[] kVersion;
    private final long[] kSrcHi;
    private final long[] kSrcLo;
    private final long[] kDstHi;
    private final long[] kDstLo;
    private final int[] kId;
    /** IPv4's protocol, part of its key; 0 for IPv6, whose key has none. */
    private final int[] kProto;
    private final int[] chain;
    private final long[] created;
    private final int[] prev;
    private final int[] next;
    private final int[] wire;
    private final int[] count;
    private final int[] received;
    /** Data length of the datagram, known once its last fragment came; NONE before. */
    private final int[] total;
    /** Length of the kept header, NONE until the first fragment came. */
    private final int[] headerLength;
    /** IPv6: where in the kept header the next-header byte to set is, and what to set it to. */
    private final int[] patchAt;
    private final int[] patchValue;
    private final int[] fragStart;
    private final int[] fragEnd;
    private final int[] blocks;
    private final byte[] headers;
    private final int[] freeSlots;
    private int freeSlotCount;
    // data pool
    private final byte[] pool;
    private final int[] freeBlocks;
    private int freeBlockCount;
    /** Oldest and newest datagram in progress by IP version (0: IPv4, 1: IPv6). */
    private final int[] head = {NONE, NONE};
    private final int[] tail = {NONE, NONE};

    private final byte[][] outputs;
    private int level;
    private int resultLength;
    private int resultWire;

    private long reassembled;
    private long timedOut;
    private long evicted;
    private long dropped;

    /**
     * @param maxDatagrams datagrams in progress at once, at least 1
     * @param poolBytes    bytes of fragment data held at once, at least 64 KiB
     * @param levels       reassemblies one packet may need, one per IP layer (an outer and tunnelled ones)
     * @param hash         the seeded hash that places datagrams in the table
     */
    IpReassembler(int maxDatagrams, int poolBytes, int levels, FlowHash hash) {
        if (maxDatagrams < 1 || maxDatagrams > 1 << 20) {
            throw new IllegalArgumentException("reassembly datagrams: " + maxDatagrams + " (expected: 1 to 2^20)");
        }
        if (poolBytes < BLOCKS_PER_DATAGRAM * BLOCK || poolBytes > 1 << 30) {
            throw new IllegalArgumentException("reassembly pool bytes: " + poolBytes + " (expected: "
                    + BLOCKS_PER_DATAGRAM * BLOCK + " to 2^30)");
        }
        this.hash = hash;
        int n = 2;
        while (n < 2 * maxDatagrams) {
            n <<= 1;
        }
        bucketMask = n - 1;
        buckets = new int[n];
        java.util.Arrays.fill(buckets, NONE);
        int d = maxDatagrams;
        kVersion = new int[d];
        kSrcHi = new long[d];
        kSrcLo = new long[d];
        kDstHi = new long[d];
        kDstLo = new long[d];
        kId = new int[d];
        kProto = new int[d];
        chain = new int[d];
        created = new long[d];
        prev = new int[d];
        next = new int[d];
        wire = new int[d];
        count = new int[d];
        received = new int[d];
        total = new int[d];
        headerLength = new int[d];
        patchAt = new int[d];
        patchValue = new int[d];
        fragStart = new int[d * MAX_FRAGMENTS];
        fragEnd = new int[d * MAX_FRAGMENTS];
        blocks = new int[d * BLOCKS_PER_DATAGRAM];
        java.util.Arrays.fill(blocks, NONE);
        headers = new byte[d * MAX_HEADER];
        freeSlots = new int[d];
        for (int i = 0; i < d; i++) {
            freeSlots[i] = d - 1 - i;
        }
        freeSlotCount = d;
        int nBlocks = poolBytes >> BLOCK_SHIFT;
        pool = new byte[nBlocks << BLOCK_SHIFT];
        freeBlocks = new int[nBlocks];
        for (int i = 0; i < nBlocks; i++) {
            freeBlocks[i] = nBlocks - 1 - i;
        }
        freeBlockCount = nBlocks;
        outputs = new byte[levels][];
    }

    /** Before each packet: the output buffers are free again. */
    void reset() {
        level = 0;
    }

    /** Drops the datagrams whose first fragment came at least their timeout before {@code now} (packet time). */
    void expire(long now) {
        expire(0, now, IPV4_TIMEOUT_NANOS);
        expire(1, now, IPV6_TIMEOUT_NANOS);
    }

    private void expire(int v, long now, long timeout) {
        int s;
        while ((s = head[v]) != NONE && now - created[s] >= timeout) {
            free(s);
            timedOut++;
        }
    }

    /**
     * Adds one fragment. {@code b[hdr, hdr + hdrLength)} is its header (IPv4) or unfragmentable part (IPv6), kept
     * from the first fragment; {@code b[data, data + dataLength)} its data, at byte {@code offset} of the datagram's.
     *
     * @param version    4 or 6
     * @param protocol   IPv4: the header's protocol (part of the key); IPv6: the fragment header's next header
     * @param patch      IPv6: the position, from {@code hdr}, of the next-header byte that names the fragment header
     * @param more       the more-fragments flag
     * @param frameWire  wire bytes of the frame (or reassembled packet) that carried this fragment
     * @param now        packet time
     * @return {@link DecodeStatus#OK} when the datagram is complete (read it with {@link #result()}), else the
     *         fragment's fate: held, duplicate, overlap or invalid
     */
    DecodeStatus add(int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int protocol, byte[] b,
                     int hdr, int hdrLength, int patch, int offset, boolean more, int data, int dataLength,
                     int frameWire, long now) {
        int keyProto = version == 4 ? protocol : 0;
        int bucket = hash.fragment(srcHi, srcLo, dstHi, dstLo, id, version << 8 | keyProto) & bucketMask;
        int s = find(bucket, version, srcHi, srcLo, dstHi, dstLo, id, keyProto);
        int end = offset + dataLength;
        boolean bad = dataLength < 0 || (more && (dataLength == 0 || (dataLength & 7) != 0))
                || hdrLength + end > MAX_DATAGRAM || (offset == 0 && hdrLength > MAX_HEADER);
        if (!bad && s != NONE) {
            int base = s * MAX_FRAGMENTS;
            for (int i = base; i < base + count[s]; i++) {
                if (fragStart[i] == offset && fragEnd[i] == end) {
                    return DecodeStatus.FRAGMENT_DUPLICATE;
                }
            }
            // ends first, then overlaps, as Linux's ip_frag_queue checks them
            int t = total[s];
            bad = (t != NONE && (end > t || (!more && end != t))) || count[s] == MAX_FRAGMENTS;
            if (!bad && !more) {
                for (int i = base; i < base + count[s]; i++) {
                    bad |= fragEnd[i] > end;
                }
            }
            for (int i = base; !bad && i < base + count[s]; i++) {
                if (offset < fragEnd[i] && fragStart[i] < end) {
                    drop(s);
                    return DecodeStatus.FRAGMENT_OVERLAP;
                }
            }
        }
        if (bad) {
            if (s != NONE) {
                drop(s);
            }
            return DecodeStatus.FRAGMENT_INVALID;
        }
        if (s == NONE) {
            s = allocate(bucket, version, srcHi, srcLo, dstHi, dstLo, id, keyProto, now);
        }
        if (!store(s, b, data, offset, dataLength)) {
            drop(s); // not reached: the pool holds at least one whole datagram besides the others' blocks
            return DecodeStatus.FRAGMENT_INVALID;
        }
        if (offset == 0) {
            System.arraycopy(b, hdr, headers, s * MAX_HEADER, hdrLength);
            headerLength[s] = hdrLength;
            patchAt[s] = patch;
            patchValue[s] = protocol;
        }
        int i = s * MAX_FRAGMENTS + count[s]++;
        fragStart[i] = offset;
        fragEnd[i] = end;
        received[s] += dataLength;
        wire[s] += frameWire;
        if (!more) {
            total[s] = end;
        }
        if (total[s] == NONE || received[s] != total[s] || headerLength[s] == NONE) {
            return DecodeStatus.FRAGMENT_HELD;
        }
        return complete(s);
    }

    /** The complete datagram: no overlap was let in, so its data bytes received equal its length exactly. */
    private DecodeStatus complete(int s) {
        int h = headerLength[s];
        int length = h + total[s];
        if (length > MAX_DATAGRAM || level == outputs.length) {
            drop(s);
            return DecodeStatus.FRAGMENT_INVALID;
        }
        byte[] out = outputs[level];
        if (out == null) {
            out = new byte[MAX_DATAGRAM];
            outputs[level] = out;
        }
        level++;
        System.arraycopy(headers, s * MAX_HEADER, out, 0, h);
        int bb = s * BLOCKS_PER_DATAGRAM;
        for (int pos = 0; pos < total[s]; pos += BLOCK) {
            System.arraycopy(pool, blocks[bb + (pos >> BLOCK_SHIFT)] << BLOCK_SHIFT, out, h + pos,
                    Math.min(BLOCK, total[s] - pos));
        }
        if (kVersion[s] == 4) {
            out[2] = (byte) (length >>> 8);
            out[3] = (byte) length;
            out[6] = 0; // no fragment flags or offset: the datagram is whole
            out[7] = 0;
        } else {
            int payload = length - IpDecoder.IPV6_HEADER;
            out[4] = (byte) (payload >>> 8);
            out[5] = (byte) payload;
            out[patchAt[s]] = (byte) patchValue[s];
        }
        resultLength = length;
        resultWire = wire[s];
        reassembled++;
        free(s);
        return DecodeStatus.OK;
    }

    /** Copies fragment data into the datagram's blocks, taking blocks from the pool (or the oldest datagram). */
    private boolean store(int s, byte[] b, int from, int offset, int length) {
        int bb = s * BLOCKS_PER_DATAGRAM;
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            int bi = bb + (pos >> BLOCK_SHIFT);
            if (blocks[bi] == NONE) {
                if (freeBlockCount == 0 && !evictOldest(s)) {
                    return false;
                }
                blocks[bi] = freeBlocks[--freeBlockCount];
            }
            int within = pos & (BLOCK - 1);
            int n = Math.min(BLOCK - within, end - pos);
            System.arraycopy(b, from + (pos - offset), pool, (blocks[bi] << BLOCK_SHIFT) + within, n);
            pos += n;
        }
        return true;
    }

    private int find(int bucket, int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int proto) {
        for (int s = buckets[bucket]; s != NONE; s = chain[s]) {
            if (kId[s] == id && kSrcLo[s] == srcLo && kDstLo[s] == dstLo && kVersion[s] == version
                    && kProto[s] == proto && kSrcHi[s] == srcHi && kDstHi[s] == dstHi) {
                return s;
            }
        }
        return NONE;
    }

    private int allocate(int bucket, int version, long srcHi, long srcLo, long dstHi, long dstLo, int id, int proto,
                         long now) {
        if (freeSlotCount == 0) {
            evictOldest(NONE);
        }
        int s = freeSlots[--freeSlotCount];
        kVersion[s] = version;
        kSrcHi[s] = srcHi;
        kSrcLo[s] = srcLo;
        kDstHi[s] = dstHi;
        kDstLo[s] = dstLo;
        kId[s] = id;
        kProto[s] = proto;
        chain[s] = buckets[bucket];
        buckets[bucket] = s;
        created[s] = now;
        wire[s] = 0;
        count[s] = 0;
        received[s] = 0;
        total[s] = NONE;
        headerLength[s] = NONE;
        int v = version == 4 ? 0 : 1;
        prev[s] = tail[v];
        next[s] = NONE;
        if (tail[v] == NONE) {
            head[v] = s;
        } else {
            next[tail[v]] = s;
        }
        tail[v] = s;
        return s;
    }

    /** Drops the oldest datagram in progress but {@code keep}; false if there is none. */
    private boolean evictOldest(int keep) {
        int a = keep != NONE && head[0] == keep ? next[keep] : head[0];
        int b = keep != NONE && head[1] == keep ? next[keep] : head[1];
        int s = a == NONE ? b : b == NONE || created[a] <= created[b] ? a : b;
        if (s == NONE) {
            return false;
        }
        free(s);
        evicted++;
        return true;
    }

    /** Drops a datagram for an overlap or an invalid fragment. */
    private void drop(int s) {
        free(s);
        dropped++;
    }

    private void free(int s) {
        int bb = s * BLOCKS_PER_DATAGRAM;
        for (int i = bb; i < bb + BLOCKS_PER_DATAGRAM; i++) {
            if (blocks[i] != NONE) {
                freeBlocks[freeBlockCount++] = blocks[i];
                blocks[i] = NONE;
            }
        }
        int bucket = hash.fragment(kSrcHi[s], kSrcLo[s], kDstHi[s], kDstLo[s], kId[s], kVersion[s] << 8 | kProto[s])
                & bucketMask;
        if (buckets[bucket] == s) {
            buckets[bucket] = chain[s];
        } else {
            int q = buckets[bucket];
            while (chain[q] != s) {
                q = chain[q];
            }
            chain[q] = chain[s];
        }
        int v = kVersion[s] == 4 ? 0 : 1;
        if (prev[s] == NONE) {
            head[v] = next[s];
        } else {
            next[prev[s]] = next[s];
        }
        if (next[s] == NONE) {
            tail[v] = prev[s];
        } else {
            prev[next[s]] = prev[s];
        }
        kVersion[s] = 0;
        freeSlots[freeSlotCount++] = s;
    }

    /** {@return the buffer the last complete datagram was written to, from its first byte} */
    byte[] result() {
        return outputs[level - 1];
    }

    /** {@return the last complete datagram's length} */
    int resultLength() {
        return resultLength;
    }

    /** {@return the wire bytes of the frames that carried the last complete datagram's fragments} */
    int resultWire() {
        return resultWire;
    }

    /** {@return datagrams in progress} */
    int inProgress() {
        return kVersion.length - freeSlotCount;
    }

    /** {@return bytes of the pool holding fragment data now, in whole blocks} */
    int bytesHeld() {
        return (freeBlocks.length - freeBlockCount) << BLOCK_SHIFT;
    }

    long reassembled() {
        return reassembled;
    }

    long timedOut() {
        return timedOut;
    }

    long evicted() {
        return evicted;
    }

    long dropped() {
        return dropped;
    }
}
