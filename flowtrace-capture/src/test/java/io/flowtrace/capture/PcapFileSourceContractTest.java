package io.flowtrace.capture;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.testkit.PacketSourceContractKit;
import io.flowtrace.testkit.frames.CaptureFiles;
import io.flowtrace.testkit.frames.Frames;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The testkit's packet-source contract, run by the pcap-file source over a classic pcap and a pcapng file. */
class PcapFileSourceContractTest {

    /** A generated classic pcap: its frames are the generator's, played from memory. */
    @Nested
    class Pcap extends PacketSourceContractKit {
        private static final int PACKETS = 20_000;

        @TempDir
        Path dir;

        private final SyntheticCapture generator = SyntheticCapture.builder().packets(PACKETS).conversations(2_000)
                .seed(21).truth(false).build();
        private Path file;

        @BeforeEach
        void writeTheCapture() throws Exception {
            file = dir.resolve("contract.pcap");
            generator.write(file);
        }

        @Override
        protected PacketSource createSource() throws Exception {
            return PcapFileSource.open(file);
        }

        @Override
        protected long expectedPackets() {
            return PACKETS;
        }

        @Override
        protected List<byte[]> expectedFrames() throws Exception {
            List<byte[]> frames = new ArrayList<>();
            try (PacketSource memory = generator.source()) {
                memory.run((ts, linkType, data, offset, caplen, wire, iface) ->
                        frames.add(Arrays.copyOfRange(data, offset, offset + caplen)));
            }
            return frames;
        }
    }

    /** A big-endian pcapng with two interfaces: frames of both, as written. */
    @Nested
    class Pcapng extends PacketSourceContractKit {
        @TempDir
        Path dir;

        private final List<byte[]> frames = new ArrayList<>();
        private Path file;

        @BeforeEach
        void writeTheCapture() throws Exception {
            CaptureFiles.Pcapng w = new CaptureFiles.Pcapng().section(ByteOrder.BIG_ENDIAN).iface(1).iface(1);
            for (int i = 0; i < 3_000; i++) {
                byte[] f = Frames.ethIpv4(Frames.ip(10, 0, i >> 8, i & 0xff), Frames.ip(192, 0, 2, 1),
                        1024 + i, 443, i % 2 == 0 ? Frames.TCP : Frames.UDP, Frames.ACK, i % 100);
                frames.add(f);
                w.epb(i % 2, 1_700_000_000_000_000L + i, f);
            }
            file = w.writeTo(dir.resolve("contract.pcapng"));
        }

        @Override
        protected PacketSource createSource() throws Exception {
            return PcapFileSource.open(file);
        }

        @Override
        protected long expectedPackets() {
            return frames.size();
        }

        @Override
        protected List<byte[]> expectedFrames() {
            return frames;
        }
    }
}
