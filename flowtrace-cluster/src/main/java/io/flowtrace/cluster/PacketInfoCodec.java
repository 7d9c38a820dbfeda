package io.flowtrace.cluster;

/**
 * Encodes and decodes {@link PacketInfo} in the probe's formats, written from its IDL without a Thrift or Protobuf
 * library: {@link PacketInfoFormat#THRIFT} (binary protocol: {@code PacketInfo{1: i64 timestamp_unix_nano,
 * 2: FiveTuple{1: binary src_ip, 2: binary dst_ip, 3: i32 src_port, 4: i32 dst_port, 5: i32 protocol},
 * 3: i64 length}}) and {@link PacketInfoFormat#PROTOBUF} ({@code PacketInfo{1: google.protobuf.Timestamp
 * {1: seconds, 2: nanos}, 2: FiveTuple{1: bytes, 2: bytes, 3..5: uint32}, 3: uint64 length}}); and flowtrace's
 * batched form (see {@link BatchWriter}).
 *
 * <p>Decoding allocates nothing: it fills a reused {@link PacketInfo} and returns a {@link Status}. Unknown fields
 * are skipped as each protocol says (Thrift by type, nested to {@value #MAX_DEPTH} levels; Protobuf by wire type).
 * A message is refused, never half-read, when it is truncated, a length runs past its end, a required field is
 * missing, an address is not 4 or 16 bytes (or the two differ), a port is not 0..65535, a protocol not 0..255, a
 * time is negative, or a length is not 1..{@value #MAX_LENGTH}. Encoding writes into the caller's array, at most
 * {@value #MAX_ENCODED} bytes a packet. Stateless apart from the nested writer and reader; thread-safe.
 *
 * @since 0.1
 */
public final class PacketInfoCodec {

    /** The longest frame accepted, bytes: libpcap's largest snapshot length. */
    public static final int MAX_LENGTH = 262_144;
    /** The most bytes one encoded packet takes, in any format. */
    public static final int MAX_ENCODED = 96;
    /** How deep unknown Thrift structures, lists and maps may nest before a message is refused. */
    public static final int MAX_DEPTH = 16;

    /**
     * What decoding found.
     *
     * @since 0.1
     */
    public enum Status {
        /** A packet was decoded. */
        OK,
        /** The message ends inside a field, or a length runs past its end. */
        TRUNCATED,
        /** A required field is missing (or, in Protobuf, absent: time, tuple, addresses, length). */
        MISSING_FIELD,
        /** An address is not 4 or 16 bytes, or source and destination differ in size. */
        BAD_ADDRESS,
        /** A value is out of range: port, protocol, time, length; or a field of a known id has the wrong type. */
        BAD_VALUE,
        /** Not the format at all: an unknown type or wire type, nesting too deep, a bad batch header. */
        MALFORMED
    }

    private PacketInfoCodec() {
    }

    // ---- decoding --------------------------------------------------------------------------------------------

    /**
     * Decodes one message of {@code format} ({@link PacketInfoFormat#THRIFT} or {@link PacketInfoFormat#PROTOBUF}).
     *
     * @param format the format
     * @param b      the message's bytes
     * @param off    where it starts
     * @param len    its length
     * @param out    receives the packet; its content is undefined unless {@link Status#OK} is returned
     * @return what was found
     * @throws IllegalArgumentException for {@link PacketInfoFormat#BATCH}: use a {@link BatchReader}
     */
    public static Status decode(PacketInfoFormat format, byte[] b, int off, int len, PacketInfo out) {
        switch (format) {
            case THRIFT:
                return decodeThrift(b, off, len, out);
            case PROTOBUF:
                return decodeProtobuf(b, off, len, out);
            default:
                throw new IllegalArgumentException("a batch holds many packets: read it with a BatchReader");
        }
    }

    /** Thrift binary protocol types. */
    private static final int T_STOP = 0;
    private static final int T_BOOL = 2;
    private static final int T_BYTE = 3;
    private static final int T_DOUBLE = 4;
    private static final int T_I16 = 6;
    private static final int T_I32 = 8;
    private static final int T_I64 = 10;
    private static final int T_STRING = 11;
    private static final int T_STRUCT = 12;
    private static final int T_MAP = 13;
    private static final int T_SET = 14;
    private static final int T_LIST = 15;

    /**
     * Decodes a Thrift binary {@code PacketInfo}.
     *
     * @param b   the message's bytes
     * @param off where it starts
     * @param len its length
     * @param out receives the packet
     * @return what was found
     */
    public static Status decodeThrift(byte[] b, int off, int len, PacketInfo out) {
        if (off < 0 || len < 0 || off > b.length - len) {
            return Status.TRUNCATED;
        }
        int end = off + len;
        int p = off;
        boolean haveTime = false;
        boolean haveTuple = false;
        boolean haveLength = false;
        while (true) {
            if (p >= end) {
                return Status.TRUNCATED;
            }
            int type = b[p++] & 0xff;
            if (type == T_STOP) {
                break;
            }
            if (end - p < 2) {
                return Status.TRUNCATED;
            }
            int id = (short) (((b[p] & 0xff) << 8) | (b[p + 1] & 0xff));
            p += 2;
            if (id == 1 && type == T_I64) {
                if (end - p < 8) {
                    return Status.TRUNCATED;
                }
                out.timestampNanos = i64(b, p);
                p += 8;
                haveTime = true;
            } else if (id == 2 && type == T_STRUCT) {
                int q = thriftTuple(b, p, end, out);
                if (q < 0) {
                    return STATUSES[-q];
                }
                p = q;
                haveTuple = true;
            } else if (id == 3 && type == T_I64) {
                if (end - p < 8) {
                    return Status.TRUNCATED;
                }
                out.length = i64(b, p);
                p += 8;
                haveLength = true;
            } else {
                int q = skipThrift(b, p, end, type, 0);
                if (q < 0) {
                    return STATUSES[-q];
                }
                p = q;
            }
        }
        if (!haveTime || !haveTuple || !haveLength) {
            return Status.MISSING_FIELD;
        }
        return check(out);
    }

    private static final Status[] STATUSES = Status.values();

    /** Reads FiveTuple at {@code p}; returns the position after it, or minus a {@link Status} ordinal. */
    private static int thriftTuple(byte[] b, int p, int end, PacketInfo out) {
        int srcAt = -1;
        int srcLen = 0;
        int dstAt = -1;
        int dstLen = 0;
        int seen = 0;
        while (true) {
            if (p >= end) {
                return -Status.TRUNCATED.ordinal();
            }
            int type = b[p++] & 0xff;
            if (type == T_STOP) {
                break;
            }
            if (end - p < 2) {
                return -Status.TRUNCATED.ordinal();
            }
            int id = (short) (((b[p] & 0xff) << 8) | (b[p + 1] & 0xff));
            p += 2;
            if ((id == 1 || id == 2) && type == T_STRING) {
                if (end - p < 4) {
                    return -Status.TRUNCATED.ordinal();
                }
                int n = i32(b, p);
                p += 4;
                if (n < 0 || n > end - p) {
                    return -Status.TRUNCATED.ordinal();
                }
                if (id == 1) {
                    srcAt = p;
                    srcLen = n;
                } else {
                    dstAt = p;
                    dstLen = n;
                }
                p += n;
                seen |= 1 << id;
            } else if (id >= 3 && id <= 5 && type == T_I32) {
                if (end - p < 4) {
                    return -Status.TRUNCATED.ordinal();
                }
                int v = i32(b, p);
                p += 4;
                if (v < 0 || v > (id == 5 ? 0xff : 0xffff)) {
                    return -Status.BAD_VALUE.ordinal();
                }
                if (id == 3) {
                    out.srcPort = v;
                } else if (id == 4) {
                    out.dstPort = v;
                } else {
                    out.protocol = v;
                }
                seen |= 1 << id;
            } else {
                int q = skipThrift(b, p, end, type, 1);
                if (q < 0) {
                    return q;
                }
                p = q;
            }
        }
        if (seen != 0b111110) {
            return -Status.MISSING_FIELD.ordinal();
        }
        Status a = addresses(b, srcAt, srcLen, dstAt, dstLen, out);
        return a == Status.OK ? p : -a.ordinal();
    }

    /** Skips one Thrift value of {@code type}; returns the position after it, or minus a {@link Status} ordinal. */
    private static int skipThrift(byte[] b, int p, int end, int type, int depth) {
        if (depth > MAX_DEPTH) {
            return -Status.MALFORMED.ordinal();
        }
        switch (type) {
            case T_BOOL:
            case T_BYTE:
                return need(p, end, 1);
            case T_I16:
                return need(p, end, 2);
            case T_I32:
                return need(p, end, 4);
            case T_DOUBLE:
            case T_I64:
                return need(p, end, 8);
            case T_STRING: {
                if (end - p < 4) {
                    return -Status.TRUNCATED.ordinal();
                }
                int n = i32(b, p);
                if (n < 0 || n > end - p - 4) {
                    return -Status.TRUNCATED.ordinal();
                }
                return p + 4 + n;
            }
            case T_STRUCT:
                while (true) {
                    if (p >= end) {
                        return -Status.TRUNCATED.ordinal();
                    }
                    int t = b[p++] & 0xff;
                    if (t == T_STOP) {
                        return p;
                    }
                    if (end - p < 2) {
                        return -Status.TRUNCATED.ordinal();
                    }
                    p = skipThrift(b, p + 2, end, t, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
            case T_MAP: {
                if (end - p < 6) {
                    return -Status.TRUNCATED.ordinal();
                }
                int kt = b[p] & 0xff;
                int vt = b[p + 1] & 0xff;
                int n = i32(b, p + 2);
                p += 6;
                // every element takes at least one byte: a count beyond what is left is a lie, not a loop to run
                if (n < 0 || n > end - p) {
                    return -Status.TRUNCATED.ordinal();
                }
                for (int i = 0; i < n; i++) {
                    p = skipThrift(b, p, end, kt, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                    p = skipThrift(b, p, end, vt, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
                return p;
            }
            case T_SET:
            case T_LIST: {
                if (end - p < 5) {
                    return -Status.TRUNCATED.ordinal();
                }
                int et = b[p] & 0xff;
                int n = i32(b, p + 1);
                p += 5;
                if (n < 0 || n > end - p) {
                    return -Status.TRUNCATED.ordinal();
                }
                for (int i = 0; i < n; i++) {
                    p = skipThrift(b, p, end, et, depth + 1);
                    if (p < 0) {
                        return p;
                    }
                }
                return p;
            }
            default:
                return -Status.MALFORMED.ordinal();
        }
    }

    private static int need(int p, int end, int n) {
        return end - p < n ? -Status.TRUNCATED.ordinal() : p + n;
    }

    /**
     * Decodes a Protobuf {@code PacketInfo}.
     *
     * @param b   the message's bytes
     * @param off where it starts
     * @param len its length
     * @param out receives the packet
     * @return what was found
     */
    public static Status decodeProtobuf(byte[] b, int off, int len, PacketInfo out) {
        if (off < 0 || len < 0 || off > b.length - len) {
            return Status.TRUNCATED;
        }
        Varint v = VARINT.get();
        int end = off + len;
        int p = off;
        boolean haveTime = false;
        boolean haveTuple = false;
        long seconds = 0;
        long nanos = 0;
        out.length = 0;
        while (p < end) {
            p = v.read(b, p, end);
            if (p < 0) {
                return Status.TRUNCATED;
            }
            long tag = v.value;
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (tag >>> 32 != 0 || field == 0) {
                return Status.MALFORMED;
            }
            if ((field == 1 || field == 2) && wire == 2) {
                p = v.read(b, p, end);
                if (p < 0 || v.value < 0 || v.value > end - p) {
                    return Status.TRUNCATED;
                }
                int subEnd = p + (int) v.value;
                if (field == 1) {
                    // google.protobuf.Timestamp{1: int64 seconds, 2: int32 nanos}; a repeated message merges
                    while (p < subEnd) {
                        p = v.read(b, p, subEnd);
                        if (p < 0) {
                            return Status.TRUNCATED;
                        }
                        long t = v.value;
                        int f = (int) (t >>> 3);
                        int w = (int) (t & 7);
                        if (t >>> 32 != 0 || f == 0) {
                            return Status.MALFORMED;
                        }
                        if ((f == 1 || f == 2) && w == 0) {
                            p = v.read(b, p, subEnd);
                            if (p < 0) {
                                return Status.TRUNCATED;
                            }
                            if (f == 1) {
                                seconds = v.value;
                            } else {
                                nanos = (int) v.value; // int32: the low 32 bits, sign-extended
                            }
                        } else {
                            p = skipProto(b, p, subEnd, w, v);
                            if (p < 0) {
                                return STATUSES[-p];
                            }
                        }
                    }
                    haveTime = true;
                } else {
                    Status s = protoTuple(b, p, subEnd, out, v);
                    if (s != Status.OK) {
                        return s;
                    }
                    p = subEnd;
                    haveTuple = true;
                }
            } else if (field == 3 && wire == 0) {
                p = v.read(b, p, end);
                if (p < 0) {
                    return Status.TRUNCATED;
                }
                out.length = v.value;
            } else if (field <= 3) {
                return Status.BAD_VALUE; // a known field with the wrong wire type: not this message
            } else {
                p = skipProto(b, p, end, wire, v);
                if (p < 0) {
                    return STATUSES[-p];
                }
            }
        }
        if (!haveTime || !haveTuple) {
            return Status.MISSING_FIELD;
        }
        if (seconds < 0 || seconds > Long.MAX_VALUE / 1_000_000_000L - 1 || nanos < 0 || nanos > 999_999_999) {
            return Status.BAD_VALUE;
        }
        out.timestampNanos = seconds * 1_000_000_000L + nanos;
        if (out.length == 0) {
            return Status.MISSING_FIELD;
        }
        return check(out);
    }

    private static Status protoTuple(byte[] b, int p, int end, PacketInfo out, Varint v) {
        int srcAt = -1;
        int srcLen = 0;
        int dstAt = -1;
        int dstLen = 0;
        long sp = 0;
        long dp = 0;
        long proto = 0;
        while (p < end) {
            p = v.read(b, p, end);
            if (p < 0) {
                return Status.TRUNCATED;
            }
            long tag = v.value;
            int f = (int) (tag >>> 3);
            int w = (int) (tag & 7);
            if (tag >>> 32 != 0 || f == 0) {
                return Status.MALFORMED;
            }
            if ((f == 1 || f == 2) && w == 2) {
                p = v.read(b, p, end);
                if (p < 0 || v.value < 0 || v.value > end - p) {
                    return Status.TRUNCATED;
                }
                if (f == 1) {
                    srcAt = p;
                    srcLen = (int) v.value;
                } else {
                    dstAt = p;
                    dstLen = (int) v.value;
                }
                p += (int) v.value;
            } else if (f >= 3 && f <= 5 && w == 0) {
                p = v.read(b, p, end);
                if (p < 0) {
                    return Status.TRUNCATED;
                }
                long x = v.value & 0xffffffffL; // uint32: the low 32 bits
                if (f == 3) {
                    sp = x;
                } else if (f == 4) {
                    dp = x;
                } else {
                    proto = x;
                }
            } else if (f <= 5) {
                return Status.BAD_VALUE;
            } else {
                p = skipProto(b, p, end, w, v);
                if (p < 0) {
                    return STATUSES[-p];
                }
            }
        }
        if (srcAt < 0 || dstAt < 0) {
            return Status.MISSING_FIELD;
        }
        if (sp > 0xffff || dp > 0xffff || proto > 0xff) {
            return Status.BAD_VALUE;
        }
        out.srcPort = (int) sp;
        out.dstPort = (int) dp;
        out.protocol = (int) proto;
        return addresses(b, srcAt, srcLen, dstAt, dstLen, out);
    }

    /** Skips a Protobuf value of wire type {@code w}; returns the position after it or minus a status ordinal. */
    private static int skipProto(byte[] b, int p, int end, int w, Varint v) {
        switch (w) {
            case 0:
                p = v.read(b, p, end);
                return p < 0 ? -Status.TRUNCATED.ordinal() : p;
            case 1:
                return need(p, end, 8);
            case 2:
                p = v.read(b, p, end);
                if (p < 0 || v.value < 0 || v.value > end - p) {
                    return -Status.TRUNCATED.ordinal();
                }
                return p + (int) v.value;
            case 5:
                return need(p, end, 4);
            default:
                return -Status.MALFORMED.ordinal(); // groups (3, 4) are not in proto3; 6 and 7 do not exist
        }
    }

    private static Status addresses(byte[] b, int srcAt, int srcLen, int dstAt, int dstLen, PacketInfo out) {
        if (srcLen != dstLen || (srcLen != 4 && srcLen != 16)) {
            return Status.BAD_ADDRESS;
        }
        if (srcLen == 4) {
            out.ipVersion = 4;
            out.srcHi = 0;
            out.dstHi = 0;
            out.srcLo = i32(b, srcAt) & 0xffffffffL;
            out.dstLo = i32(b, dstAt) & 0xffffffffL;
        } else {
            out.ipVersion = 6;
            out.srcHi = i64(b, srcAt);
            out.srcLo = i64(b, srcAt + 8);
            out.dstHi = i64(b, dstAt);
            out.dstLo = i64(b, dstAt + 8);
        }
        return Status.OK;
    }

    private static Status check(PacketInfo out) {
        if (out.timestampNanos < 0 || out.length < 1 || out.length > MAX_LENGTH) {
            return Status.BAD_VALUE;
        }
        return Status.OK;
    }

    /** A varint being read: the value, and the position after it (or -1 when it runs past the end). */
    private static final class Varint {
        long value;

        int read(byte[] b, int p, int end) {
            long r = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (p >= end) {
                    return -1;
                }
                int x = b[p++];
                r |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    value = r;
                    return p;
                }
            }
            return -1; // more than ten bytes
        }
    }

    /** One per thread, made once: decoding allocates nothing per message. */
    private static final ThreadLocal<Varint> VARINT = ThreadLocal.withInitial(Varint::new);

    // ---- encoding --------------------------------------------------------------------------------------------

    /**
     * Encodes one packet as one message of {@code format} ({@link PacketInfoFormat#THRIFT} or
     * {@link PacketInfoFormat#PROTOBUF}).
     *
     * @param format the format
     * @param p      the packet
     * @param out    where to write; at least {@value #MAX_ENCODED} bytes from {@code off}
     * @param off    where to start
     * @return the bytes written
     * @throws IllegalArgumentException for {@link PacketInfoFormat#BATCH}: use a {@link BatchWriter}
     */
    public static int encode(PacketInfoFormat format, PacketInfo p, byte[] out, int off) {
        switch (format) {
            case THRIFT:
                return encodeThrift(p, out, off);
            case PROTOBUF:
                return encodeProtobuf(p, out, off);
            default:
                throw new IllegalArgumentException("a batch holds many packets: write it with a BatchWriter");
        }
    }

    private static int encodeThrift(PacketInfo p, byte[] b, int off) {
        int q = off;
        b[q++] = T_I64;
        q = put16(b, q, 1);
        q = put64(b, q, p.timestampNanos);
        b[q++] = T_STRUCT;
        q = put16(b, q, 2);
        int n = p.ipVersion == 6 ? 16 : 4;
        b[q++] = T_STRING;
        q = put16(b, q, 1);
        q = put32(b, q, n);
        q = putAddress(b, q, p.ipVersion, p.srcHi, p.srcLo);
        b[q++] = T_STRING;
        q = put16(b, q, 2);
        q = put32(b, q, n);
        q = putAddress(b, q, p.ipVersion, p.dstHi, p.dstLo);
        b[q++] = T_I32;
        q = put16(b, q, 3);
        q = put32(b, q, p.srcPort);
        b[q++] = T_I32;
        q = put16(b, q, 4);
        q = put32(b, q, p.dstPort);
        b[q++] = T_I32;
        q = put16(b, q, 5);
        q = put32(b, q, p.protocol);
        b[q++] = T_STOP;
        b[q++] = T_I64;
        q = put16(b, q, 3);
        q = put64(b, q, p.length);
        b[q++] = T_STOP;
        return q - off;
    }

    private static int encodeProtobuf(PacketInfo p, byte[] b, int off) {
        int q = off;
        long seconds = Math.floorDiv(p.timestampNanos, 1_000_000_000L);
        long nanos = Math.floorMod(p.timestampNanos, 1_000_000_000L);
        int tsLen = (seconds != 0 ? 1 + varintSize(seconds) : 0) + (nanos != 0 ? 1 + varintSize(nanos) : 0);
        b[q++] = 0x0a; // field 1, length-delimited
        q = putVarint(b, q, tsLen);
        if (seconds != 0) {
            b[q++] = 0x08;
            q = putVarint(b, q, seconds);
        }
        if (nanos != 0) {
            b[q++] = 0x10;
            q = putVarint(b, q, nanos);
        }
        int n = p.ipVersion == 6 ? 16 : 4;
        int tupleLen = 2 * (2 + n) + (p.srcPort != 0 ? 1 + varintSize(p.srcPort) : 0)
                + (p.dstPort != 0 ? 1 + varintSize(p.dstPort) : 0) + (p.protocol != 0 ? 1 + varintSize(p.protocol) : 0);
        b[q++] = 0x12; // field 2, length-delimited
        q = putVarint(b, q, tupleLen);
        b[q++] = 0x0a;
        b[q++] = (byte) n;
        q = putAddress(b, q, p.ipVersion, p.srcHi, p.srcLo);
        b[q++] = 0x12;
        b[q++] = (byte) n;
        q = putAddress(b, q, p.ipVersion, p.dstHi, p.dstLo);
        if (p.srcPort != 0) {
            b[q++] = 0x18;
            q = putVarint(b, q, p.srcPort);
        }
        if (p.dstPort != 0) {
            b[q++] = 0x20;
            q = putVarint(b, q, p.dstPort);
        }
        if (p.protocol != 0) {
            b[q++] = 0x28;
            q = putVarint(b, q, p.protocol);
        }
        if (p.length != 0) {
            b[q++] = 0x18; // field 3, varint
            q = putVarint(b, q, p.length);
        }
        return q - off;
    }

    // ---- the batched form -------------------------------------------------------------------------------------

    /** First bytes of a batch: {@code FTPB}. */
    static final int BATCH_MAGIC = 0x46545042;
    /** The batch form's version. */
    public static final int BATCH_VERSION = 1;
    /** Bytes of a batch's header: magic (4), version (1), flags (1), count (2), base time (8). */
    public static final int BATCH_HEADER = 16;
    /** The most packets one batch holds. */
    public static final int BATCH_MAX_PACKETS = 65_535;

    /**
     * Writes flowtrace's batched form into a reused array: a 16-byte header ({@code FTPB}, version 1, flags 0,
     * packet count as u16, base time as i64 nanoseconds, all big-endian), then per packet: a flags byte (bit 0:
     * IPv6), the time since the previous packet (the first: since the base) as a zigzag varint of nanoseconds, the
     * protocol (1 byte), source and destination addresses (4 or 16 bytes each), source and destination ports (2
     * bytes each) and the length as a varint: 19 to 24 bytes for an IPv4 packet. Allocates nothing. Not
     * thread-safe.
     *
     * @since 0.1
     */
    public static final class BatchWriter {
        private final byte[] buf;
        private int pos;
        private int count;
        private long last;

        /**
         * @param capacity the largest message, bytes (at least {@value #BATCH_HEADER} + {@value #MAX_ENCODED})
         */
        public BatchWriter(int capacity) {
            if (capacity < BATCH_HEADER + MAX_ENCODED) {
                throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least "
                        + (BATCH_HEADER + MAX_ENCODED) + ")");
            }
            buf = new byte[capacity];
        }

        /**
         * Adds a packet.
         *
         * @param p the packet
         * @return false when the batch is full (then nothing was added: send it, {@link #reset()} and add again)
         */
        public boolean add(PacketInfo p) {
            if (count == BATCH_MAX_PACKETS || buf.length - pos < MAX_ENCODED) {
                return false;
            }
            if (count == 0) {
                pos = BATCH_HEADER;
                last = p.timestampNanos;
                put64(buf, 8, last);
            }
            int q = pos;
            boolean v6 = p.ipVersion == 6;
            buf[q++] = (byte) (v6 ? 1 : 0);
            long delta = p.timestampNanos - last;
            last = p.timestampNanos;
            q = putVarint(buf, q, (delta << 1) ^ (delta >> 63));
            buf[q++] = (byte) p.protocol;
            q = putAddress(buf, q, p.ipVersion, p.srcHi, p.srcLo);
            q = putAddress(buf, q, p.ipVersion, p.dstHi, p.dstLo);
            q = put16(buf, q, p.srcPort);
            q = put16(buf, q, p.dstPort);
            q = putVarint(buf, q, p.length);
            pos = q;
            count++;
            return true;
        }

        /** {@return packets in the batch} */
        public int count() {
            return count;
        }

        /** {@return the batch's bytes so far (header included); 0 when empty} */
        public int size() {
            return count == 0 ? 0 : pos;
        }

        /**
         * Finishes the header; the message is {@code array()[0..size())}.
         *
         * @return the array holding the message
         */
        public byte[] array() {
            put32(buf, 0, BATCH_MAGIC);
            buf[4] = BATCH_VERSION;
            buf[5] = 0;
            put16(buf, 6, count);
            return buf;
        }

        /** Empties the batch. */
        public void reset() {
            count = 0;
            pos = BATCH_HEADER;
        }
    }

    /**
     * Reads flowtrace's batched form (see {@link BatchWriter}) packet by packet into a reused {@link PacketInfo};
     * allocates nothing. A message whose header is bad yields nothing; one damaged inside yields the packets before
     * the damage, and {@link #remaining()} tells how many were announced and not read. Not thread-safe.
     *
     * @since 0.1
     */
    public static final class BatchReader {
        private final Varint v = new Varint();
        private byte[] b;
        private int p;
        private int end;
        private int left;
        private long last;

        /** A reader with no message. */
        public BatchReader() {
        }

        /**
         * Starts reading a message.
         *
         * @param msg the bytes
         * @param off where the message starts
         * @param len its length
         * @return {@link Status#OK}, or why the header is refused (then nothing is read)
         */
        public Status begin(byte[] msg, int off, int len) {
            b = msg;
            left = 0;
            if (off < 0 || len < 0 || off > msg.length - len || len < BATCH_HEADER) {
                return Status.TRUNCATED;
            }
            if (i32(msg, off) != BATCH_MAGIC || msg[off + 4] != BATCH_VERSION || msg[off + 5] != 0) {
                return Status.MALFORMED;
            }
            int n = ((msg[off + 6] & 0xff) << 8) | (msg[off + 7] & 0xff);
            last = i64(msg, off + 8);
            p = off + BATCH_HEADER;
            end = off + len;
            if (n == 0 || last < 0 || (long) n * 14 > end - p) {
                // a packet takes at least 14 bytes: a count that cannot fit is a damaged header
                return n == 0 ? Status.MISSING_FIELD : last < 0 ? Status.BAD_VALUE : Status.TRUNCATED;
            }
            left = n;
            return Status.OK;
        }

        /** {@return packets announced and not yet read} */
        public int remaining() {
            return left;
        }

        /**
         * Reads the next packet.
         *
         * @param out receives it
         * @return {@link Status#OK}; or why the rest of the message is refused ({@link #remaining()} then tells how
         *         many packets are lost; further calls return the same)
         * @throws IllegalStateException when nothing remains
         */
        public Status next(PacketInfo out) {
            if (left == 0) {
                throw new IllegalStateException("no packet left in the batch");
            }
            Status s = read(out);
            if (s == Status.OK) {
                left--;
                if (left == 0 && p != end) {
                    return Status.OK; // trailing bytes after the last packet are ignored, as unknown fields are
                }
            }
            return s;
        }

        private Status read(PacketInfo out) {
            if (end - p < 1) {
                return Status.TRUNCATED;
            }
            int flags = b[p++] & 0xff;
            if ((flags & ~1) != 0) {
                return Status.MALFORMED;
            }
            int q = v.read(b, p, end);
            if (q < 0) {
                return Status.TRUNCATED;
            }
            p = q;
            long delta = (v.value >>> 1) ^ -(v.value & 1);
            int n = (flags & 1) != 0 ? 16 : 4;
            if (end - p < 1 + 2 * n + 4) {
                return Status.TRUNCATED;
            }
            out.protocol = b[p++] & 0xff;
            addresses(b, p, n, p + n, n, out);
            p += 2 * n;
            out.srcPort = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
            out.dstPort = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            p += 4;
            q = v.read(b, p, end);
            if (q < 0) {
                return Status.TRUNCATED;
            }
            p = q;
            out.length = v.value;
            long t = last + delta;
            out.timestampNanos = t;
            Status s = check(out);
            if (s == Status.OK) {
                last = t;
            }
            return s;
        }
    }

    // ---- bytes -----------------------------------------------------------------------------------------------

    private static long i64(byte[] b, int p) {
        return ((long) i32(b, p) << 32) | (i32(b, p + 4) & 0xffffffffL);
    }

    private static int i32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    private static int put16(byte[] b, int q, int v) {
        b[q] = (byte) (v >>> 8);
        b[q + 1] = (byte) v;
        return q + 2;
    }

    private static int put32(byte[] b, int q, int v) {
        b[q] = (byte) (v >>> 24);
        b[q + 1] = (byte) (v >>> 16);
        b[q + 2] = (byte) (v >>> 8);
        b[q + 3] = (byte) v;
        return q + 4;
    }

    private static int put64(byte[] b, int q, long v) {
        put32(b, q, (int) (v >>> 32));
        return put32(b, q + 4, (int) v);
    }

    private static int putAddress(byte[] b, int q, int version, long hi, long lo) {
        if (version == 6) {
            q = put64(b, q, hi);
            return put64(b, q, lo);
        }
        return put32(b, q, (int) lo);
    }

    private static int putVarint(byte[] b, int q, long v) {
        while ((v & ~0x7fL) != 0) {
            b[q++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[q++] = (byte) v;
        return q;
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7fL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }
}
