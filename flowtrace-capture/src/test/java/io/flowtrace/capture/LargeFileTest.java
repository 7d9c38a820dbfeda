package io.flowtrace.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.spi.PacketHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture larger than 2 GiB, so that any int offset would overflow. It is written sparse: only the record
 * headers (and a 4-byte marker at the start of each frame) are written; the frame bytes between are holes, so the
 * file costs little disk and writes in well under a second.
 */
class LargeFileTest {
    private static final int CAPLEN = CaptureFileReader.MAX_CAPLEN;
    private static final int RECORD = 16 + CAPLEN;
    /** Enough maximum-size records to pass 2^31 bytes. */
    private static final int PACKETS = (int) ((1L << 31) / RECORD) + 100;

    @TempDir
    Path dir;

    @Test
    void fileOverTwoGibibytesIsReadToTheEndAndDamageAtTheEndIsReportedAtItsLongOffset() throws IOException {
        Path file = dir.resolve("big.pcap");
        long damageAt;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(CAPLEN)
                    .putInt(1).flip();
            ch.write(header, 0);
            ByteBuffer record = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            long offset = 24;
            for (int i = 0; i < PACKETS; i++) {
                record.clear();
                record.putInt(i).putInt(0).putInt(CAPLEN).putInt(CAPLEN + 4).putInt(i).flip();
                ch.write(record, offset);
                offset += RECORD;
            }
            damageAt = offset;
            record.clear();
            record.putInt(PACKETS).putInt(0).putInt(100).putInt(100).putInt(PACKETS).flip();
            ch.write(record, offset); // the record says 100 bytes; only 4 follow
        }
        assertTrue(damageAt > (1L << 31));

        long[] seen = new long[3]; // packets, frames whose marker was wrong, last timestamp
        PacketHandler check = (ts, linkType, data, off, caplen, wire, iface) -> {
            int marker = (data[off] & 0xff) | (data[off + 1] & 0xff) << 8 | (data[off + 2] & 0xff) << 16
                    | (data[off + 3] & 0xff) << 24;
            if (marker != seen[0] || caplen != CAPLEN || wire != CAPLEN + 4) {
                seen[1]++;
            }
            seen[0]++;
            seen[2] = ts;
        };
        try (PcapFileSource source = PcapFileSource.open(file)) {
            CaptureFileException e = assertThrows(CaptureFileException.class, () -> source.run(check));
            assertEquals(damageAt, e.offset());
            assertTrue(e.getMessage().contains("packet data cut short (caplen 100, 4 bytes left)"), e.getMessage());
            assertEquals((long) PACKETS, source.counters().get("packets_read"));
        }
        assertEquals(PACKETS, seen[0]);
        assertEquals(0, seen[1], "frames with a wrong marker, caplen or wire length");
        assertEquals((PACKETS - 1) * 1_000_000_000L, seen[2]);
    }
}
