package io.flowtrace.cluster;

import io.flowtrace.cluster.PacketInfoCodec.Status;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketInfoCodecTest {
    private static final byte[] V4A = {10, 0, 0, 1};
    private static final byte[] V4B = {(byte) 192, (byte) 168, 1, (byte) 200};
    private static final byte[] V6A = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] V6B = {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, (byte) 0xff};
    private static final long T = 1_733_000_000_123_456_789L;

    private static byte[] encode(PacketInfoFormat f, long ts, byte[] s, byte[] d, int sp, int dp, int pr, long len,
                                 boolean extras) {
        return f == PacketInfoFormat.THRIFT ? IdlEncoder.thrift(ts, s, d, sp, dp, pr, len, extras)
                : IdlEncoder.protobuf(ts, s, d, sp, dp, pr, len, extras);
    }

    @Test
    void decodesWhatTheIdlEncoderWrites() {
        for (PacketInfoFormat f : new PacketInfoFormat[] {PacketInfoFormat.THRIFT, PacketInfoFormat.PROTOBUF}) {
            for (boolean extras : new boolean[] {false, true}) {
                PacketInfo p = new PacketInfo();
                byte[] m = encode(f, T, V4A, V4B, 443, 51000, 6, 1514, extras);
                assertEquals(Status.OK, PacketInfoCodec.decode(f, m, 0, m.length, p), f + " extras=" + extras);
                assertEquals(T, p.timestampNanos());
                assertEquals(4, p.ipVersion());
                assertEquals(0x0a000001L, p.srcLo());
                assertEquals(0xc0a801c8L, p.dstLo());
                assertEquals(443, p.srcPort());
                assertEquals(51000, p.dstPort());
                assertEquals(6, p.protocol());
                assertEquals(1514, p.length());

                m = encode(f, T, V6A, V6B, 0, 0, 58, 90, extras);
                assertEquals(Status.OK, PacketInfoCodec.decode(f, m, 0, m.length, p), f + " v6 extras=" + extras);
                assertEquals(6, p.ipVersion());
                assertEquals(0x20010db800000000L, p.srcHi());
                assertEquals(1L, p.srcLo());
                assertEquals(0xfe80000000000000L, p.dstHi());
                assertEquals(0x01020304050607ffL, p.dstLo());
                assertEquals(0, p.srcPort());
                assertEquals(58, p.protocol());
                assertEquals(90, p.length());
            }
        }
    }

    @Test
    void ownEncodingDecodesBackInEveryFormat() {
        PacketInfo in = new PacketInfo().set(T, 6, 0x20010db800000000L, 7, 0xfe80000000000000L, 9, 53, 65535, 17,
                1280);
        for (PacketInfoFormat f : new PacketInfoFormat[] {PacketInfoFormat.THRIFT, PacketInfoFormat.PROTOBUF}) {
            byte[] b = new byte[PacketInfoCodec.MAX_ENCODED];
            int n = PacketInfoCodec.encode(f, in, b, 0);
            PacketInfo out = new PacketInfo();
            assertEquals(Status.OK, PacketInfoCodec.decode(f, b, 0, n, out));
            assertEquals(in.toString(), out.toString());
            // and equal to what the independent encoder writes
            byte[] idl = encode(f, T, V6A, V6B, 53, 65535, 17, 1280, false);
            PacketInfo viaIdl = new PacketInfo();
            assertEquals(Status.OK, PacketInfoCodec.decode(f, idl, 0, idl.length, viaIdl));
        }
        byte[] thrift = IdlEncoder.thrift(T, V4A, V4B, 1, 2, 6, 60, false);
        PacketInfo p = new PacketInfo();
        PacketInfoCodec.decode(PacketInfoFormat.THRIFT, thrift, 0, thrift.length, p);
        byte[] b = new byte[PacketInfoCodec.MAX_ENCODED];
        int n = PacketInfoCodec.encode(PacketInfoFormat.THRIFT, p, b, 0);
        assertEquals(Arrays.toString(thrift), Arrays.toString(Arrays.copyOf(b, n)), "byte for byte as the IDL says");
    }

    @Test
    void batchRoundTripsAndRefusesDamage() {
        PacketInfoCodec.BatchWriter w = new PacketInfoCodec.BatchWriter(4096);
        PacketInfo p = new PacketInfo();
        int n = 0;
        while (w.add(p.set(T + n * 1000L - (n % 3) * 7, n % 2 == 0 ? 4 : 6, n, n + 1, n + 2, n + 3, n, n + 1,
                n % 2 == 0 ? 6 : 17, 60 + n))) {
            n++;
        }
        assertTrue(n > 50, "an IPv4/IPv6 mix of 4 KiB holds more than 50 packets: " + n);
        byte[] msg = Arrays.copyOf(w.array(), w.size());
        PacketInfoCodec.BatchReader r = new PacketInfoCodec.BatchReader();
        assertEquals(Status.OK, r.begin(msg, 0, msg.length));
        assertEquals(n, r.remaining());
        PacketInfo q = new PacketInfo();
        PacketInfo e = new PacketInfo();
        for (int i = 0; i < n; i++) {
            assertEquals(Status.OK, r.next(q));
            e.set(T + i * 1000L - (i % 3) * 7, i % 2 == 0 ? 4 : 6, i, i + 1, i + 2, i + 3, i, i + 1,
                    i % 2 == 0 ? 6 : 17, 60 + i);
            assertEquals(e.toString(), q.toString());
        }
        assertEquals(0, r.remaining());
        // cut short: the packets before the cut, then refused with the rest counted
        byte[] cut = Arrays.copyOf(msg, msg.length - 5);
        assertEquals(Status.OK, r.begin(cut, 0, cut.length));
        int read = 0;
        Status st;
        while ((st = r.next(q)) == Status.OK && r.remaining() > 0) {
            read++;
        }
        assertEquals(Status.TRUNCATED, st);
        assertEquals(n - read, r.remaining());
        // a single-packet message is not a batch
        byte[] thrift = IdlEncoder.thrift(T, V4A, V4B, 1, 2, 6, 60, false);
        assertNotEquals(Status.OK, r.begin(thrift, 0, thrift.length));
        assertEquals(0, r.remaining());
    }

    @Test
    void refusesMalformedMessages() {
        for (PacketInfoFormat f : new PacketInfoFormat[] {PacketInfoFormat.THRIFT, PacketInfoFormat.PROTOBUF}) {
            PacketInfo p = new PacketInfo();
            // every proper prefix is refused (a Protobuf message may end between fields: without the trailing unknown
            // ones, a prefix then lacks a field that is needed)
            byte[] good = encode(f, T, V4A, V4B, 1, 2, 6, 60, f == PacketInfoFormat.THRIFT);
            for (int len = 0; len < good.length; len++) {
                assertNotEquals(Status.OK, PacketInfoCodec.decode(f, good, 0, len, p), f + " prefix " + len);
            }
            byte[] five = encode(f, T, new byte[] {1, 2, 3, 4, 5}, new byte[] {1, 2, 3, 4, 5}, 1, 2, 6, 60, false);
            assertEquals(Status.BAD_ADDRESS, PacketInfoCodec.decode(f, five, 0, five.length, p), f + " 5 bytes");
            byte[] mixed = encode(f, T, V4A, V6B, 1, 2, 6, 60, false);
            assertEquals(Status.BAD_ADDRESS, PacketInfoCodec.decode(f, mixed, 0, mixed.length, p), f + " 4 and 16");
            byte[] huge = encode(f, T, V4A, V4B, 1, 2, 6, 1L << 40, false);
            assertEquals(Status.BAD_VALUE, PacketInfoCodec.decode(f, huge, 0, huge.length, p), f + " length");
            byte[] port = encode(f, T, V4A, V4B, 70_000, 2, 6, 60, false);
            assertEquals(Status.BAD_VALUE, PacketInfoCodec.decode(f, port, 0, port.length, p), f + " port");
            byte[] proto = encode(f, T, V4A, V4B, 1, 2, 300, 60, false);
            assertEquals(Status.BAD_VALUE, PacketInfoCodec.decode(f, proto, 0, proto.length, p), f + " protocol");
        }
        // the other format, and an absurd Thrift string length, are refused
        PacketInfo p = new PacketInfo();
        byte[] proto = IdlEncoder.protobuf(T, V4A, V4B, 1, 2, 6, 60, false);
        assertNotEquals(Status.OK, PacketInfoCodec.decode(PacketInfoFormat.THRIFT, proto, 0, proto.length, p));
        byte[] thrift = IdlEncoder.thrift(T, V4A, V4B, 1, 2, 6, 60, false);
        assertNotEquals(Status.OK, PacketInfoCodec.decode(PacketInfoFormat.PROTOBUF, thrift, 0, thrift.length, p));
        byte[] bigString = {11, 0, 9, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0};
        assertEquals(Status.TRUNCATED, PacketInfoCodec.decodeThrift(bigString, 0, bigString.length, p));
        byte[] hugeList = {15, 0, 9, 12, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0};
        assertEquals(Status.TRUNCATED, PacketInfoCodec.decodeThrift(hugeList, 0, hugeList.length, p));
        byte[] deep = new byte[3 * 40 + 1];
        for (int i = 0; i < 40; i++) {
            deep[3 * i] = 12;
            deep[3 * i + 2] = 9;
        }
        assertEquals(Status.MALFORMED, PacketInfoCodec.decodeThrift(deep, 0, deep.length, p));
    }

    @Test
    void randomBytesNeverThrowNorDecodeInPlaceOfTheRealThing() {
        SplittableRandom rnd = new SplittableRandom(7);
        PacketInfo p = new PacketInfo();
        PacketInfoCodec.BatchReader r = new PacketInfoCodec.BatchReader();
        byte[] good = IdlEncoder.thrift(T, V4A, V4B, 1, 2, 6, 60, true);
        for (int i = 0; i < 200_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
            } else {
                b = good.clone();
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // one byte flipped
            }
            PacketInfoCodec.decodeThrift(b, 0, b.length, p);
            PacketInfoCodec.decodeProtobuf(b, 0, b.length, p);
            if (r.begin(b, 0, b.length) == Status.OK) {
                while (r.remaining() > 0 && r.next(p) == Status.OK) {
                    assertTrue(p.length() >= 1 && p.length() <= PacketInfoCodec.MAX_LENGTH);
                }
            }
        }
    }
}
