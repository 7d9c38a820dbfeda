package io.flowtrace.sinks.file;

import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.sinks.testing.SmallTmpfs;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packet tee's queue drops and counts when full and never waits; a full disk is counted while metering goes on
 * and leaves whole records only; a split source's threads each have a queue and no frame is lost or doubled; the
 * engine's {@code gob} is refused.
 */
class PacketTeeTest {
    @TempDir
    Path dir;

    @Test
    void aFullQueueDropsAndCountsAndKeepsWhatItTook() {
        FrameRing ring = new FrameRing(64 * 1024);
        byte[] frame = new byte[1500];
        int taken = 0;
        for (int i = 0; i < 100; i++) {
            Arrays.fill(frame, (byte) i);
            if (ring.offer(i, LinkType.ETHERNET, frame, 0, 1000 + i, 2000 + i, 3, 1600, 9)) {
                taken++;
            }
        }
        assertEquals(100, ring.offered());
        assertEquals(100 - taken, ring.dropped());
        int fit = 0;
        for (int used = 0; used + ((FrameRing.HEADER + 1000 + fit + 7) & ~7) <= 64 * 1024; fit++) {
            used += (FrameRing.HEADER + 1000 + fit + 7) & ~7;
        }
        assertEquals(fit, taken, "as many as fit");
        for (int round = 0; round < 3; round++) { // the ring wraps: records stay whole, in order
            int next = round * 1000;
            for (int i = 0; i < taken; i++) {
                int at = ring.peek();
                assertTrue(at >= 0);
                int id = (int) FrameRing.timestamp(ring.buf, at);
                assertEquals(round == 0 ? i : next + i, id);
                assertEquals(1000 + id % 1000, FrameRing.capturedLength(ring.buf, at));
                assertEquals(2000 + id % 1000, FrameRing.wireLength(ring.buf, at));
                assertEquals(3, FrameRing.interfaceIndex(ring.buf, at));
                assertEquals(1600, FrameRing.snapLength(ring.buf, at));
                assertEquals(9, FrameRing.digits(ring.buf, at));
                assertEquals((byte) (id % 1000), ring.buf[at + FrameRing.HEADER + FrameRing.capturedLength(ring.buf, at) - 1]);
                ring.poll();
            }
            assertEquals(-1, ring.peek());
            for (int i = 0; i < taken; i++) {
                Arrays.fill(frame, (byte) i);
                assertTrue(ring.offer((round + 1) * 1000L + i, LinkType.ETHERNET, frame, 0, 1000 + i, 2000 + i, 3,
                        1600, 9));
            }
        }
    }

    @Test
    void gobIsRefusedWithItsReason() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> PacketTee.create(Map.of("path", dir.resolve("p").toString(), "format", "gob")));
        assertTrue(e.getMessage().contains("'gob' is Go's own serialisation"), e.getMessage());
        e = assertThrows(ConfigurationException.class,
                () -> PacketTee.create(Map.of("path", dir.resolve("p.pcap").toString(), "keep", "3")));
        assertTrue(e.getMessage().contains("no rotate-size or rotate-interval"), e.getMessage());
    }

    /**
     * A 256 KiB disk and a capture of 20,000 packets: the tee fills the disk, counts what it could not write, and the
     * meter's events are those of a run without a tee; the file holds whole records only, as many as counted.
     */
    @Test
    void aFullDiskIsCountedAndMeteringGoesOn() throws Exception {
        Path capture = dir.resolve("x.pcap");
        SyntheticCapture.builder().packets(20_000).conversations(500).seed(3).build().write(capture);
        AtomicLong plain = new AtomicLong();
        FlowStats without = FlowTrace.builder().source(PcapFileSource.open(capture)).workers(1)
                .onEvent(e -> plain.addAndGet(e.packetCount())).build().run();
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "256k")) {
            Path tee = disk.path().resolve("t.pcap");
            AtomicLong teed = new AtomicLong();
            FlowStats with = FlowTrace.builder().source(PcapFileSource.open(capture)).workers(1)
                    .rawFrameTap(PacketTee.create(Map.of("path", tee.toString())))
                    .onEvent(e -> teed.addAndGet(e.packetCount())).build().run();
            assertEquals(without.events(), with.events(), "metering goes on");
            assertEquals(plain.get(), teed.get());
            Map<String, Long> c = with.tap();
            assertEquals(20_000, c.get("frames"));
            assertEquals(c.get("frames"), c.get("written") + c.get("failed") + c.get("dropped"), c.toString());
            assertTrue(c.get("failed") > 0, c.toString());
            assertTrue(c.get("write_errors") >= 1, c.toString());
            assertTrue(with.failures().stream().anyMatch(l -> l.startsWith("raw frame tap did not keep")),
                    with.failures().toString());
            try (Stream<Path> s = Files.list(disk.path())) {
                assertEquals(List.of(tee), s.toList(), "no .part left");
            }
            assertEquals(c.get("written"), records(tee), "whole records, as many as counted written");
            assertEquals(c.get("bytes"), Files.size(tee));
        }
    }

    /**
     * A live source split into three parts, each on a thread of its own feeding its worker directly: every frame of
     * every part is in the tee once.
     */
    @Test
    void eachPartOfASplitSourceHasItsQueue() throws Exception {
        int perPart = 20_000;
        Path tee = dir.resolve("split.pcap");
        FlowStats st = FlowTrace.builder().source(new Split(3, perPart)).workers(3)
                .rawFrameTap(PacketTee.create(Map.of("path", tee.toString(), "queue", "64MiB"))).build().run();
        assertEquals(3L * perPart, st.packetsRead());
        assertEquals(3L * perPart, st.tap().get("written"), st.tap().toString());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(tee)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b23c4d, b.getInt(0), "nanosecond pcap: the source says its timestamps are");
        assertEquals(LinkType.ETHERNET, b.getInt(20));
        assertEquals(128, b.getInt(16), "the source's snap length");
        boolean[] seen = new boolean[3 * perPart];
        int p = 24;
        while (p < b.limit()) {
            int caplen = b.getInt(p + 8);
            int id = b.getInt(p + 16 + 14 + 20 + 8); // the UDP payload's first word
            assertFalse(seen[id], "frame " + id + " written once");
            seen[id] = true;
            p += 16 + caplen;
        }
        for (int i = 0; i < seen.length; i++) {
            assertTrue(seen[i], "frame " + i);
        }
    }

    /** The source's side of the tee allocates nothing per frame, written or dropped. */
    @Test
    void onFrameAllocatesNothing() throws Exception {
        PacketTee tee = PacketTee.create(Map.of("path", dir.resolve("a.pcap").toString(), "queue", "1MiB"));
        tee.open(List.of(new Split(1, 0, 0)));
        try {
            byte[] frame = new byte[1500];
            for (int i = 0; i < 50; i++) {
                allocatedByThisThread(); // the reflective call settles first
            }
            for (int i = 0; i < 200_000; i++) { // warm up: compiled, and the queue has been full
                tee.onFrame(0, i, LinkType.ETHERNET, frame, 0, 1 + i % 1500, 1500, 0);
            }
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) { // the least of five: a thread's first park may allocate once
                long before = allocatedByThisThread();
                for (int i = 0; i < 200_000; i++) {
                    tee.onFrame(0, i, LinkType.ETHERNET, frame, 0, 1 + i % 1500, 1500, 0);
                }
                least = Math.min(least, allocatedByThisThread() - before);
            }
            // one 16-byte object per frame would be 3.2 MB; allow the reflective measurement's own noise
            assertTrue(least < 8192, least + " bytes allocated for 200,000 frames");
        } finally {
            tee.close();
        }
        Map<String, Long> c = tee.counters();
        assertEquals(1_200_000, c.get("frames"));
        assertEquals(c.get("frames"), c.get("written") + c.get("dropped") + c.get("failed"), c.toString());
    }

    /** Bytes allocated so far by the calling thread (HotSpot's ThreadMXBean extension), reached reflectively. */
    private static long allocatedByThisThread() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        return (Long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes")
                .invoke(bean);
    }

    /** Records of a little-endian pcap file, each checked to be whole. */
    private static long records(Path pcap) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        long n = 0;
        int p = 24;
        while (p < b.limit()) {
            assertTrue(p + 16 <= b.limit(), "a whole record header at " + p);
            int caplen = b.getInt(p + 8);
            assertTrue(p + 16 + caplen <= b.limit(), "a whole record at " + p);
            p += 16 + caplen;
            n++;
        }
        return n;
    }

    /** A live source that splits into parts, each sending its own numbered UDP frames. */
    private static final class Split implements PacketSource {
        private final int parts;
        private final int perPart;
        private final int part;

        Split(int parts, int perPart) {
            this(parts, perPart, -1);
        }

        private Split(int parts, int perPart, int part) {
            this.parts = parts;
            this.perPart = perPart;
            this.part = part;
        }

        @Override
        public String description() {
            return "split";
        }

        @Override
        public List<PacketSource> split(int n) {
            List<PacketSource> l = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                l.add(new Split(parts, perPart, i));
            }
            return l;
        }

        @Override
        public void run(PacketHandler handler) {
            byte[] f = new byte[14 + 20 + 8 + 4];
            ByteBuffer b = ByteBuffer.wrap(f);
            b.putShort(12, (short) 0x0800);
            b.put(14, (byte) 0x45).putShort(16, (short) (20 + 8 + 4)).put(22, (byte) 64).put(23, (byte) 17);
            b.putInt(26, 0x0a000001 + part).putInt(30, 0x0a0000ff);
            b.putShort(38, (short) (8 + 4));
            long now = System.currentTimeMillis() * 1_000_000L;
            ByteBuffer le = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < perPart; i++) {
                b.putShort(34, (short) (1024 + i % 1000)).putShort(36, (short) 53);
                le.putInt(42, part * perPart + i);
                handler.onPacket(now + i, LinkType.ETHERNET, f, 0, f.length, f.length, 0);
            }
        }

        @Override
        public void stop() {
        }

        @Override
        public boolean isLive() {
            return true;
        }

        @Override
        public int snapLength(int interfaceIndex) {
            return 128;
        }

        @Override
        public int timestampDigits(int interfaceIndex) {
            return 9;
        }

        @Override
        public void close() {
        }
    }

    static {
        // the pcap header written is the tee's own: a sanity check of the constant the test reads
        assertArrayEquals(new byte[] {0x4d, 0x3c, (byte) 0xb2, (byte) 0xa1},
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0xa1b23c4d).array());
    }
}
