package io.flowtrace.sinks.file;

import io.flowtrace.sinks.testing.SmallTmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines that cannot be written are counted, never silently taken for written; against real full file systems. */
class LineBufferTest {
    private static final Path FULL = Path.of("/dev/full"); // every write fails with ENOSPC

    private static byte[] line(int i) {
        // 100 bytes with the newline
        return String.format("{\"line\":%05d,\"pad\":\"%s\"}", i, "x".repeat(76)).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void linesThatNeverReachTheDeviceAreCountedLostOnClose() throws IOException {
        LineBuffer b = new LineBuffer(FileChannel.open(FULL, StandardOpenOption.WRITE), 64 * 1024, false);
        for (int i = 0; i < 3; i++) {
            b.line(line(i), 99, true);
        }
        assertEquals(3, b.pending());
        assertThrows(IOException.class, b::flush);
        assertEquals(3, b.pending(), "a failed flush keeps the lines for the next one");
        assertEquals(0, b.lost());
        assertThrows(IOException.class, b::close);
        assertEquals(3, b.lost());
        assertEquals(0, b.pending());
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenWholeAmongTheOthers(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("lines");
        LineBuffer b = new LineBuffer(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                512, false);
        byte[] big = ("{\"rows\":\"" + "y".repeat(5000) + "\"}").getBytes(StandardCharsets.US_ASCII);
        b.line(line(0), 99, true);
        b.line(big, big.length, true);
        b.line(line(1), 99, true);
        b.close();
        assertEquals(0, b.lost());
        String want = new String(line(0), 0, 99, StandardCharsets.US_ASCII) + "\n"
                + new String(big, StandardCharsets.US_ASCII) + "\n"
                + new String(line(1), 0, 99, StandardCharsets.US_ASCII) + "\n";
        assertEquals(want, Files.readString(file));
    }

    @Test
    void aLineIsNotTakenWhenTheBufferCannotBeEmptiedForIt() throws IOException {
        LineBuffer b = new LineBuffer(FileChannel.open(FULL, StandardOpenOption.WRITE), 250, false);
        b.line(line(0), 99, true);
        b.line(line(1), 99, true);
        assertThrows(IOException.class, () -> b.line(line(2), 99, true), "the third needs the buffer written");
        assertEquals(2, b.pending(), "the third line was refused (its caller counts it), the first two wait");
        assertThrows(IOException.class, b::finish);
        assertEquals(2, b.lost());
    }

    @Test
    void aFullDiskRefusesLinesWithoutWritingForAMomentThenTriesAgain() throws Exception {
        // a back-off longer than the test: every line after the failure is refused without a write
        LineBuffer b = new LineBuffer(FileChannel.open(FULL, StandardOpenOption.WRITE), 250, false, 60_000);
        b.line(line(0), 99, true);
        b.line(line(1), 99, true);
        IOException failed = assertThrows(IOException.class, () -> b.line(line(2), 99, true));
        assertTrue(failed.getMessage().contains("No space left"), failed.getMessage());
        IOException refused = assertThrows(IOException.class, () -> b.line(line(3), 99, true));
        assertTrue(refused.getMessage().startsWith("a write failed less than 60000 ms ago"), refused.getMessage());
        assertSame(refused, assertThrows(IOException.class, () -> b.line(line(4), 99, true)), "made once");
        assertEquals(2, b.pending());
        assertThrows(IOException.class, b::finish);
        assertEquals(2, b.lost());

        // a back-off of 1 ms: once it is over, the next line tries the device again
        LineBuffer c = new LineBuffer(FileChannel.open(FULL, StandardOpenOption.WRITE), 250, false, 1);
        c.line(line(0), 99, true);
        c.line(line(1), 99, true);
        assertThrows(IOException.class, () -> c.line(line(2), 99, true));
        Thread.sleep(20);
        IOException again = assertThrows(IOException.class, () -> c.line(line(3), 99, true));
        assertTrue(again.getMessage().contains("No space left"), "tried the device again: " + again.getMessage());
        assertThrows(IOException.class, c::close);
        assertEquals(2, c.lost());
    }

    @Test
    void aPipeWhoseReaderHasGoneIsGivenUpAndLaterLinesFailCheaply() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.source().close(); // the reader went away (head -1)
        LineBuffer b = new LineBuffer(pipe.sink(), 64 * 1024, true);
        b.line(line(0), 99, true);
        b.line(line(1), 99, true);
        assertThrows(IOException.class, b::flush);
        assertEquals(2, b.lost());
        IOException first = assertThrows(IOException.class, () -> b.line(line(2), 99, true));
        IOException second = assertThrows(IOException.class, () -> b.line(line(3), 99, true));
        assertTrue(first.getMessage().startsWith("an earlier write failed"), first.getMessage());
        assertSame(first, second, "made once");
        assertEquals(0, first.getStackTrace().length, "no stack trace to fill in for every later line");
        assertThrows(IOException.class, b::finish);
        assertEquals(2, b.lost(), "the refused lines are their caller's to count");
        pipe.sink().close();
    }

    @Test
    void aGzipFileThatFailsAWriteIsGivenUp(@TempDir Path dir) throws IOException {
        FileChannel file = FileChannel.open(dir.resolve("lines.gz"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        LineBuffer b = new LineBuffer(new GzipFile(file, true), 64 * 1024);
        b.line(line(0), 99, true);
        b.line(line(1), 99, true);
        file.close(); // the file goes away under the stream: its next write fails
        assertThrows(IOException.class, b::flush);
        assertEquals(2, b.lost(), "what a compressed stream held is lost at once");
        assertTrue(b.stopped());
        IOException again = assertThrows(IOException.class, () -> b.line(line(2), 99, true));
        assertTrue(again.getMessage().startsWith("an earlier write failed"), again.getMessage());
        b.close(); // already reported: closing only lets go
        assertEquals(2, b.lost());
    }

    /**
     * A gzip file on a file system that fills up: after every sync the file is a whole gzip file, and after the
     * write that found the disk full it holds exactly the lines synced before, in a whole gzip file. A 64 KiB tmpfs
     * mounted for the test (root only).
     */
    @Test
    void aGzipFileIsWholeAfterEverySyncAndAfterAFullDiskHoldsWhatWasSynced(@TempDir Path dir) throws Exception {
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "64k"); FileChannel file = create(disk, "lines.gz")) {
            Path path = disk.path().resolve("lines.gz");
            LineBuffer b = new LineBuffer(new GzipFile(file, true), 4096);
            assertEquals("", gunzip(path), "a new file is an empty gzip file");
            b.line(line(0), 99, true);
            b.flush();
            assertEquals(new String(line(0), 0, 99, StandardCharsets.US_ASCII) + "\n", gunzip(path));
            java.util.Random random = new java.util.Random(1);
            IOException full = null;
            for (int i = 1; i < 10_000 && full == null; i++) {
                byte[] noise = new byte[99]; // text that does not compress much: 10,000 lines do not fit
                for (int j = 0; j < noise.length; j++) {
                    noise[j] = (byte) ('a' + random.nextInt(26));
                }
                try {
                    b.line(noise, 99, true);
                    if (i % 50 == 0) {
                        b.flush();
                        assertEquals(b.linesWritten(), gunzip(path).lines().count(), "whole after a sync");
                    }
                } catch (IOException e) {
                    full = e;
                }
            }
            assertNotNull(full, "the disk filled up");
            assertTrue(full.getMessage().contains("No space left"), full.getMessage());
            assertTrue(b.stopped());
            assertTrue(b.lost() > 0);
            b.close();
            String text = gunzip(path);
            assertEquals(b.linesWritten(), text.lines().count(), "the lines synced, in a whole gzip file");
            assertTrue(b.linesWritten() > 50, "lines synced: " + b.linesWritten());
            assertEquals(b.bytesWritten(), text.length());
        }
    }

    private static FileChannel create(SmallTmpfs disk, String name) throws IOException {
        return FileChannel.open(disk.path().resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static String gunzip(Path p) throws IOException {
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(p))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /**
     * A file system that fills up in the middle of a write: the write stops part-way through a line, the lines it
     * completed count as written, and once space is freed the next flush goes on from the exact byte, so the file
     * holds every line once, whole, in order. A 16 KiB tmpfs mounted for the test (root only).
     */
    @Test
    void aWriteCutShortByAFullDiskGoesOnWhereItStoppedOnceThereIsRoom(@TempDir Path dir) throws Exception {
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "16k"); FileChannel channel = create(disk, "lines.csv")) {
            Path file = disk.path().resolve("lines.csv");
            Path filler = disk.path().resolve("filler");
            Files.write(filler, new byte[8192]);
            byte[] header = "line,pad\n".getBytes(StandardCharsets.US_ASCII);
            LineBuffer b = new LineBuffer(channel, 64 * 1024, false);
            b.raw(header);
            int n = 150; // 15,009 bytes: more than the 8 KiB left
            for (int i = 0; i < n; i++) {
                b.line(line(i), 99, true);
            }
            assertThrows(IOException.class, b::flush);
            long got = Files.size(file);
            assertTrue(got > header.length && got < header.length + 100L * n, "cut short: " + got);
            long whole = (got - header.length) / 100;
            assertEquals(n - whole, b.pending(), "lines completed by the cut-short write count as written");

            Files.delete(filler);
            b.flush();
            assertEquals(0, b.pending());
            b.close();
            assertEquals(0, b.lost());
            StringBuilder want = new StringBuilder("line,pad\n");
            for (int i = 0; i < n; i++) {
                want.append(new String(line(i), 0, 99, StandardCharsets.US_ASCII)).append('\n');
            }
            assertEquals(want.toString(), Files.readString(file, StandardCharsets.US_ASCII));
        }
    }
}
