package io.flowtrace.capture;

import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.CaptureFiles.Pcap;
import io.flowtrace.testkit.frames.CaptureFiles.Pcapng;
import io.flowtrace.core.CaptureFileException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Valid captures damaged at random (one to three bytes changed, mostly in file, block and record headers, where
 * lengths, types and options live; one time in five also cut) are read to their end or stopped with a
 * CaptureFileException: never another exception, a hang, or memory out of proportion to the file. 500 damaged
 * copies of each form; {@code mvn test -Dflowtrace.fuzz.trials=20000} runs more.
 */
class DamagedCaptureTest {
    private static final long T = 1_700_000_000L;

    @TempDir
    Path dir;

    private static byte[] capture(String kind) throws IOException {
        switch (kind) {
            case "pcap": {
                Pcap p = Pcap.ethernet();
                for (int i = 0; i < 40; i++) {
                    p.packet(T, i, CaptureFiles.frame(60 + i * 7, i));
                }
                return p.toByteArray();
            }
            case "pcapng": {
                Pcapng g = new Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(1, 0, "eth0", 9, 5L).iface(113);
                for (int i = 0; i < 20; i++) {
                    g.epb(i % 2, T * 1_000_000_000L + i, CaptureFiles.frame(60 + i * 11, i));
                }
                g.spb(CaptureFiles.frame(80, 99), 80).other(0x0bad, 12);
                g.section(ByteOrder.BIG_ENDIAN).iface(1);
                for (int i = 0; i < 10; i++) {
                    g.epb(0, T * 1_000_000L + i, CaptureFiles.frame(70 + i, 200 + i));
                }
                return g.toByteArray();
            }
            default:
                return CaptureFiles.gzip(capture("pcapng"), 2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pcap", "pcapng", "pcapng-gzip"})
    void damagedCapturesAreReadOrStoppedWithAnAnswer(String kind) throws IOException {
        byte[] good = capture(kind);
        SplittableRandom r = new SplittableRandom(kind.hashCode());
        int trials = Integer.getInteger("flowtrace.fuzz.trials", 500);
        Path file = dir.resolve("damaged." + kind);
        assertTimeoutPreemptively(Duration.ofSeconds(Math.max(60, trials / 50)), () -> {
            for (int trial = 0; trial < trials; trial++) {
                byte[] b = good.clone();
                int changes = 1 + r.nextInt(3);
                for (int c = 0; c < changes; c++) {
                    int at = r.nextInt(3) == 0 ? r.nextInt(b.length) : headerByte(b.length, r);
                    b[at] = (byte) (r.nextInt(4) == 0 ? 0xff : r.nextInt(256));
                }
                if (r.nextInt(5) == 0) {
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                }
                Files.write(file, b);
                try (PcapFileSource s = PcapFileSource.open(file)) {
                    s.run(new Recorder());
                } catch (CaptureFileException expected) {
                    // stopped with the file's name and the offset of the damage
                } catch (RuntimeException | OutOfMemoryError e) {
                    throw new AssertionError(kind + " trial " + trial + ": " + e, e);
                }
            }
        });
    }

    /** A byte near the start of the file or of some record (their headers hold the lengths). */
    private static int headerByte(int length, SplittableRandom r) {
        int start = r.nextInt(4) == 0 ? 0 : r.nextInt(length);
        return Math.min(length - 1, start + r.nextInt(32));
    }
}
