package io.flowtrace.capture;

import io.flowtrace.core.spi.PacketHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Timestamps a crafted pcapng file can claim: whatever the units, resolution or offset, never before 1970. */
class PcapngTimestampRangeTest {
    private static final long MAX = CaptureFileReader.MAX_TIMESTAMP_NANOS;

    /** One section, one Ethernet interface with if_tsresol and if_tsoffset, then one packet per timestamp. */
    private static byte[] pcapng(int tsresol, long tsoffset, long... units) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        block(out, 0x0A0D0D0A, buf(16).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1));
        ByteBuffer idb = buf(8 + 8 + 12 + 4).putShort((short) 1).putShort((short) 0).putInt(65535);
        idb.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        idb.putShort((short) 14).putShort((short) 8).putLong(tsoffset);
        idb.putInt(0); // opt_endofopt
        block(out, 1, idb);
        byte[] frame = new byte[60];
        frame[12] = 0x08; // ether type 0x0800 with a zero IP header: counted malformed, the time still read
        for (long u : units) {
            ByteBuffer epb = buf(20 + frame.length).putInt(0).putInt((int) (u >>> 32)).putInt((int) u)
                    .putInt(frame.length).putInt(frame.length).put(frame);
            block(out, 6, epb);
        }
        return out.toByteArray();
    }

    private static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void block(ByteArrayOutputStream out, int type, ByteBuffer body) {
        int len = 12 + body.capacity();
        ByteBuffer b = buf(len).putInt(type).putInt(len).put(body.array()).putInt(len);
        out.writeBytes(b.array());
    }

    private static List<Long> times(Path dir, byte[] file) throws Exception {
        Path p = dir.resolve("t.pcapng");
        Files.write(p, file);
        List<Long> out = new ArrayList<>();
        try (PcapFileSource src = PcapFileSource.open(p)) {
            src.run(new PacketHandler() {
                @Override
                public void onPacket(long ts, int link, byte[] data, int off, int cap, int wire, int ifIndex) {
                    out.add(ts);
                }
            });
        }
        return out;
    }

    @Test
    void hugeUnitsAndOffsetsAreClampedNotWrappedIntoTheNegative(@TempDir Path dir) throws Exception {
        // seconds resolution: 2^62 s, and above 2^63 (negative as a signed long)
        assertEquals(List.of(MAX, MAX, 5_000_000_000L), times(dir, pcapng(0, 0, 1L << 62, -5L, 5)));
        // binary resolution 2^-1: 2^62 units are 2^61 s
        assertEquals(List.of(MAX), times(dir, pcapng(0x81, 0, 1L << 62)));
        // nanoseconds: near the top, plus an offset of centuries; and a huge negative offset
        assertEquals(List.of(MAX), times(dir, pcapng(9, 400L * 365 * 86_400, MAX - 10)));
        assertEquals(List.of(-MAX + 1), times(dir, pcapng(9, Long.MIN_VALUE, 1)));
        // an ordinary microsecond time and offset are exact
        assertEquals(List.of(1_700_000_000_123_456_000L + 3_600_000_000_000L),
                times(dir, pcapng(6, 3600, 1_700_000_000_123_456L)));
    }
}
