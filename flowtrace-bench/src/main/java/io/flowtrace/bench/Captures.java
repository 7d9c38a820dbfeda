package io.flowtrace.bench;

import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.testkit.synth.SyntheticCapture;
import io.flowtrace.core.spi.PacketHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Generated captures for the benchmarks: temporary files, and frames held in memory. */
public final class Captures {
    private Captures() {
    }

    /** Writes a temporary capture without ground truth; the caller deletes it. */
    public static Path temporary(long packets, int conversations, double zipf, double ipv6, long seed) {
        try {
            Path f = Files.createTempFile("flowtrace-bench", ".pcap");
            SyntheticCapture.builder().packets(packets).conversations(conversations).zipf(zipf).ipv6Share(ipv6)
                    .seed(seed).truth(false).build().write(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The frames of a capture file, each copied out. */
    public static List<byte[]> frames(Path capture) {
        List<byte[]> out = new ArrayList<>();
        try (PcapFileSource s = PcapFileSource.open(capture)) {
            s.run(new PacketHandler() {
                @Override
                public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                    byte[] f = new byte[cap];
                    System.arraycopy(data, off, f, 0, cap);
                    out.add(f);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static void delete(Path f) {
        try {
            if (f != null) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
