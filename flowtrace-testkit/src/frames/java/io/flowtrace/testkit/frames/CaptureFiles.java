package io.flowtrace.testkit.frames;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes pcap and pcapng files field by field, so tests can build every format variant and every kind of damage:
 *
 * <pre>{@code
 * byte[] pcap = CaptureFiles.Pcap.ethernet()
 *         .packet(1_700_000_000, 0, Frames.ethTcp())
 *         .packet(1_700_000_000, 500, Frames.ethTcp(), 1514)   // captured 54 bytes of a 1514-byte frame
 *         .toByteArray();
 * byte[] pcapng = new CaptureFiles.Pcapng().section(ByteOrder.BIG_ENDIAN).iface(1)
 *         .epb(0, 1_700_000_000_000_000L, Frames.ethTcp()).toByteArray();
 * }</pre>
 *
 * A writer is not thread-safe; the static methods are.
 *
 * @since 0.1
 */
public final class CaptureFiles {
    private CaptureFiles() {
    }

    /** {@return A frame of {@code length} bytes whose content tells its number: byte i is {@code seed + i}} */
    public static byte[] frame(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    /**
     * {@return {@code data} compressed as one gzip member per part (concatenated members, as {@code cat a.gz b.gz})}
     */
    public static byte[] gzip(byte[] data, int members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int step = Math.max(1, data.length / members);
        for (int i = 0, off = 0; i < members; i++) {
            int end = i == members - 1 ? data.length : Math.min(data.length, off + step);
            try (GZIPOutputStream gz = new GZIPOutputStream(new NonClosing(out))) {
                gz.write(data, off, end - off);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            off = end;
        }
        return out.toByteArray();
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(ByteArrayOutputStream out) {
            super(out);
        }

        @Override
        public void close() {
            // keep the shared stream open for the next member
        }
    }

    /** Writes fields in one byte order; the base of {@link Pcap} and {@link Pcapng}. */
    public abstract static class Writer<T extends Writer<T>> {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteOrder order;

        Writer(ByteOrder order) {
            this.order = order;
        }

        @SuppressWarnings("unchecked")
        T self() {
            return (T) this;
        }

        /** One byte. */
        public void u8(int v) {
            out.write(v);
        }

        /** 16 bits in this writer's byte order. */
        public void u16(int v) {
            out.writeBytes(ByteBuffer.allocate(2).order(order).putShort((short) v).array());
        }

        /** 32 bits in this writer's byte order. */
        public void u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(order).putInt((int) v).array());
        }

        /** 64 bits in this writer's byte order. */
        public void u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(order).putLong(v).array());
        }

        /** Bytes as they are. */
        public void bytes(byte[] b) {
            out.writeBytes(b);
        }

        /** Appends bytes as they are, e.g. garbage. */
        public T raw(byte[] b) {
            out.writeBytes(b);
            return self();
        }

        /** {@return bytes written so far: the offset of the next field} */
        public int size() {
            return out.size();
        }

        /** {@return the file so far} */
        public byte[] toByteArray() {
            return out.toByteArray();
        }

        /** Writes the file so far to {@code file}, replacing it; returns {@code file}. */
        public Path writeTo(Path file) throws IOException {
            return Files.write(file, out.toByteArray());
        }
    }

    /** A classic pcap file: the global header, then records. */
    public static final class Pcap extends Writer<Pcap> {
        private final boolean nanos;

        /**
         * The global header.
         *
         * @param nanos         nanosecond timestamps (magic {@code a1b23c4d}) instead of microseconds
         * @param linkTypeField the link-type field as a whole (the upper bits may carry FCS information)
         */
        public Pcap(ByteOrder order, boolean nanos, long linkTypeField, long snaplen) {
            super(order);
            this.nanos = nanos;
            u32(nanos ? 0xa1b23c4dL : 0xa1b2c3d4L);
            u16(2);
            u16(4);
            u32(0); // thiszone
            u32(0); // sigfigs
            u32(snaplen);
            u32(linkTypeField);
        }

        /** {@return little-endian, microseconds, Ethernet, snaplen 65535: the usual file} */
        public static Pcap ethernet() {
            return new Pcap(ByteOrder.LITTLE_ENDIAN, false, 1, 65535);
        }

        /** {@return A record; {@code fraction} is micro- or nanoseconds as the file says} */
        public Pcap packet(long seconds, long fraction, byte[] data, long origlen) {
            return record(seconds, fraction, data.length, origlen, data);
        }

        /** {@return A record of a whole frame} */
        public Pcap packet(long seconds, long fraction, byte[] data) {
            return packet(seconds, fraction, data, data.length);
        }

        /**
         * A record whose header may lie about its caplen.
         *
         * @return {@code this}
         */
        public Pcap record(long seconds, long fraction, long caplen, long origlen, byte[] data) {
            u32(seconds);
            u32(fraction);
            u32(caplen);
            u32(origlen);
            bytes(data);
            return this;
        }

        /** {@return whether the timestamps' fraction is in nanoseconds} */
        public boolean nanos() {
            return nanos;
        }
    }

    /** A pcapng file, block by block; each section chooses its byte order. */
    public static final class Pcapng extends Writer<Pcapng> {
        /** An empty file: start it with {@link #section}. */
        public Pcapng() {
            super(ByteOrder.LITTLE_ENDIAN);
        }

        /** {@return A section header block; the blocks after it are in {@code sectionOrder}} */
        public Pcapng section(ByteOrder sectionOrder) {
            this.order = sectionOrder;
            ByteBuffer body = body(16).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0).putLong(-1);
            return block(0x0a0d0d0a, body);
        }

        /**
         * An interface description block.
         *
         * @param tsresol  {@code if_tsresol} byte, or -1 for none (microseconds)
         * @param tsoffset {@code if_tsoffset} seconds, or null for none
         */
        public Pcapng iface(int linkType, int snaplen, String name, int tsresol, Long tsoffset) {
            ByteArrayOutputStream opts = new ByteArrayOutputStream();
            if (name != null) {
                option(opts, 2, name.getBytes(StandardCharsets.UTF_8));
            }
            if (tsresol >= 0) {
                option(opts, 9, new byte[] {(byte) tsresol});
            }
            if (tsoffset != null) {
                option(opts, 14, ByteBuffer.allocate(8).order(order).putLong(tsoffset).array());
            }
            if (opts.size() > 0) {
                opts.writeBytes(ByteBuffer.allocate(4).order(order).putInt(0).array()); // opt_endofopt
            }
            ByteBuffer body = body(8 + opts.size()).putShort((short) linkType).putShort((short) 0).putInt(snaplen)
                    .put(opts.toByteArray());
            return block(1, body);
        }

        /** {@return an interface description block with no options (microsecond timestamps)} */
        public Pcapng iface(int linkType) {
            return iface(linkType, 0, null, -1, null);
        }

        /** {@return an enhanced packet block; {@code units} in the interface's resolution} */
        public Pcapng epb(int interfaceId, long units, byte[] data, long origlen) {
            int padded = pad(data.length);
            ByteBuffer body = body(20 + padded).putInt(interfaceId).putInt((int) (units >>> 32)).putInt((int) units)
                    .putInt(data.length).putInt((int) origlen).put(data);
            return block(6, body);
        }

        /** {@return an enhanced packet block of a whole frame} */
        public Pcapng epb(int interfaceId, long units, byte[] data) {
            return epb(interfaceId, units, data, data.length);
        }

        /** {@return the obsolete packet block (type 2)} */
        public Pcapng pb(int interfaceId, long units, byte[] data) {
            int padded = pad(data.length);
            ByteBuffer body = body(20 + padded).putShort((short) interfaceId).putShort((short) 0)
                    .putInt((int) (units >>> 32)).putInt((int) units).putInt(data.length).putInt(data.length)
                    .put(data);
            return block(2, body);
        }

        /** {@return A simple packet block: interface 0, no timestamp} */
        public Pcapng spb(byte[] data, long origlen) {
            ByteBuffer body = body(4 + pad(data.length)).putInt((int) origlen).put(data);
            return block(3, body);
        }

        /** {@return any other block type with {@code bodyLength} bytes of filler} */
        public Pcapng other(int type, int bodyLength) {
            ByteBuffer body = body(pad(bodyLength)).put(frame(bodyLength, 7));
            return block(type, body);
        }

        private ByteBuffer body(int length) {
            return ByteBuffer.allocate(length).order(order);
        }

        private Pcapng block(int type, ByteBuffer body) {
            int total = 12 + body.capacity();
            u32(type);
            u32(total);
            bytes(body.array());
            u32(total);
            return this;
        }

        private void option(ByteArrayOutputStream opts, int code, byte[] value) {
            ByteBuffer b = ByteBuffer.allocate(4 + pad(value.length)).order(order);
            b.putShort((short) code).putShort((short) value.length).put(value);
            opts.writeBytes(b.array());
        }

        /** {@return {@code n} rounded up to a multiple of 4, as pcapng pads block bodies and options} */
        public static int pad(int n) {
            return (n + 3) & ~3;
        }
    }
}
