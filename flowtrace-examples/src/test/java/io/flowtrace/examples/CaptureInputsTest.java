package io.flowtrace.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Captures given as standard input, a FIFO, or several files: the same events as the one file they come from. */
class CaptureInputsTest {
    static final Path CAPTURE = Path.of(System.getProperty("flowtrace.root", "."), "..", "shared", "corpus",
            "arkime", "ospf.pcap");

    /** The events of a run, sorted (runs over split files may order events of one instant differently). */
    static List<String> events(String... argv) {
        String[] all = new String[argv.length + 2];
        all[0] = "flows";
        System.arraycopy(argv, 0, all, 1, argv.length);
        all[all.length - 1] = "--quiet";
        Cli r = Cli.run(all);
        assertEquals(0, r.status(), r.err());
        List<String> lines = new ArrayList<>(r.lines());
        Collections.sort(lines);
        assertFalse(lines.isEmpty(), "no events");
        return lines;
    }

    @Test
    void dashReadsTheCaptureFromStandardInputPlainOrGzipped(@TempDir Path dir) throws Exception {
        List<String> expected = events(CAPTURE.toString());
        Path gz = dir.resolve("capture.pcap.gz");
        gzip(Files.readAllBytes(CAPTURE), gz);
        InputStream saved = System.in;
        try {
            for (Path p : List.of(CAPTURE, gz)) {
                System.setIn(new FileInputStream(p.toFile()));
                assertEquals(expected, events("-"), p.toString());
            }
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void aFifoIsReadAsAStreamAsAShellsProcessSubstitutionGivesIt(@TempDir Path dir) throws Exception {
        List<String> expected = events(CAPTURE.toString());
        Path fifo = dir.resolve("capture.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(compressed)) {
            z.write(Files.readAllBytes(CAPTURE));
        }
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(compressed.toByteArray());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        try {
            assertEquals(expected, events(fifo.toString()));
        } finally {
            writer.join(10_000);
        }
    }

    @Test
    void twoFilesSplitFromOneCaptureGiveTheEventsOfTheWholeOverlappingOrNot(@TempDir Path dir) throws Exception {
        List<String> expected = events(CAPTURE.toString());
        List<byte[]> packets = new ArrayList<>();
        byte[] header = readPcap(CAPTURE, packets);
        // overlapping in time: every other packet; the second file gzipped
        Path odd = dir.resolve("odd.pcap");
        Path even = dir.resolve("even.pcap.gz");
        write(header, packets, 1, 2, odd, false);
        write(header, packets, 0, 2, even, true);
        assertEquals(expected, events(odd.toString(), even.toString()));
        assertEquals(expected, events(even.toString(), odd.toString()));
        // one after the other: the first half, then the second
        Path first = dir.resolve("first.pcap");
        Path second = dir.resolve("second.pcap");
        writeRange(header, packets.subList(0, packets.size() / 2), first);
        writeRange(header, packets.subList(packets.size() / 2, packets.size()), second);
        assertEquals(expected, events(second.toString(), first.toString()));
        Cli r = Cli.run("flows", first.toString(), second.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains(packets.size() + " packets"), r.err());
    }

    @Test
    void aMissingCaptureAmongSeveralIsNamedAndDashTwiceIsRefused(@TempDir Path dir) {
        Cli r = Cli.run("flows", CAPTURE.toString(), dir.resolve("nope.pcap").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("nope.pcap: no such file"), r.err());
        Cli twice = Cli.run("flows", "-", "-");
        assertEquals(2, twice.status());
        assertTrue(twice.err().contains("- (standard input) given twice"), twice.err());
    }

    /** The global header; each record (header and data) into {@code packets}. */
    static byte[] readPcap(Path p, List<byte[]> packets) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
        int magic = b.getInt(0);
        b.order(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        byte[] header = new byte[24];
        b.get(0, header);
        int pos = 24;
        while (pos + 16 <= b.limit()) {
            int len = 16 + b.getInt(pos + 8);
            byte[] rec = new byte[len];
            b.get(pos, rec);
            packets.add(rec);
            pos += len;
        }
        return header;
    }

    private static void write(byte[] header, List<byte[]> packets, int from, int step, Path to, boolean gz)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        for (int i = from; i < packets.size(); i += step) {
            out.write(packets.get(i));
        }
        if (gz) {
            gzip(out.toByteArray(), to);
        } else {
            Files.write(to, out.toByteArray());
        }
    }

    private static void writeRange(byte[] header, List<byte[]> packets, Path to) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        for (byte[] p : packets) {
            out.write(p);
        }
        Files.write(to, out.toByteArray());
    }

    static void gzip(byte[] data, Path to) throws Exception {
        try (OutputStream z = new GZIPOutputStream(Files.newOutputStream(to))) {
            z.write(data);
        }
    }
}
