package io.flowtrace.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The probe's PacketInfo written straight from its IDL (traffic.thrift, traffic.proto), independently of
 * {@link PacketInfoCodec}: as a Thrift binary protocol serializer and a Protobuf encoder would write them, with
 * optional extra fields a newer sender might add.
 */
final class IdlEncoder {
    private IdlEncoder() {
    }

    /** Thrift binary: struct = (type byte, i16 id, value)* then STOP; binary = i32 length + bytes. */
    static byte[] thrift(long tsNanos, byte[] src, byte[] dst, int sport, int dport, int proto, long length,
                         boolean extras) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(bo);
            if (extras) {
                // field 9: list<string> a newer probe might send: skipped
                o.writeByte(15);
                o.writeShort(9);
                o.writeByte(11);
                o.writeInt(2);
                o.writeInt(3);
                o.write(new byte[] {'a', 'b', 'c'});
                o.writeInt(0);
            }
            o.writeByte(10); // i64
            o.writeShort(1);
            o.writeLong(tsNanos);
            o.writeByte(12); // struct
            o.writeShort(2);
            o.writeByte(11);
            o.writeShort(1);
            o.writeInt(src.length);
            o.write(src);
            o.writeByte(11);
            o.writeShort(2);
            o.writeInt(dst.length);
            o.write(dst);
            o.writeByte(8);
            o.writeShort(3);
            o.writeInt(sport);
            o.writeByte(8);
            o.writeShort(4);
            o.writeInt(dport);
            if (extras) {
                // field 7: map<i32,struct{1: double}> inside FiveTuple: skipped
                o.writeByte(13);
                o.writeShort(7);
                o.writeByte(8);
                o.writeByte(12);
                o.writeInt(1);
                o.writeInt(42);
                o.writeByte(4);
                o.writeShort(1);
                o.writeDouble(1.5);
                o.writeByte(0);
            }
            o.writeByte(8);
            o.writeShort(5);
            o.writeInt(proto);
            o.writeByte(0); // end of FiveTuple
            o.writeByte(10);
            o.writeShort(3);
            o.writeLong(length);
            o.writeByte(0); // end of PacketInfo
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Protobuf: key = (field << 3) | wire type as a varint; proto3 leaves out zero scalars. */
    static byte[] protobuf(long tsNanos, byte[] src, byte[] dst, int sport, int dport, int proto, long length,
                           boolean extras) {
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        long sec = tsNanos / 1_000_000_000L;
        long nanos = tsNanos % 1_000_000_000L;
        if (sec != 0) {
            tag(ts, 1, 0);
            varint(ts, sec);
        }
        if (nanos != 0) {
            tag(ts, 2, 0);
            varint(ts, nanos);
        }
        ByteArrayOutputStream ft = new ByteArrayOutputStream();
        tag(ft, 1, 2);
        varint(ft, src.length);
        ft.writeBytes(src);
        tag(ft, 2, 2);
        varint(ft, dst.length);
        ft.writeBytes(dst);
        if (sport != 0) {
            tag(ft, 3, 0);
            varint(ft, sport);
        }
        if (dport != 0) {
            tag(ft, 4, 0);
            varint(ft, dport);
        }
        if (extras) {
            tag(ft, 12, 5); // fixed32
            ft.writeBytes(new byte[] {1, 2, 3, 4});
        }
        if (proto != 0) {
            tag(ft, 5, 0);
            varint(ft, proto);
        }
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        if (extras) {
            tag(m, 15, 1); // fixed64
            m.writeBytes(new byte[8]);
            tag(m, 16, 2); // a string
            varint(m, 5);
            m.writeBytes("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        // fields in any order: length first here
        tag(m, 3, 0);
        varint(m, length);
        tag(m, 2, 2);
        varint(m, ft.size());
        m.writeBytes(ft.toByteArray());
        tag(m, 1, 2);
        varint(m, ts.size());
        m.writeBytes(ts.toByteArray());
        if (extras) {
            tag(m, 100, 0);
            varint(m, 300);
        }
        return m.toByteArray();
    }

    private static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, ((long) field << 3) | wire);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
