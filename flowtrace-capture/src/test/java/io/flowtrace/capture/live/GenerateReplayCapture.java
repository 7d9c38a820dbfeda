package io.flowtrace.capture.live;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a pcap for replaying into an interface when measuring live capture rates: Ethernet, IPv4, TCP and UDP
 * packets of mixed sizes over many conversations in the 10.0.0.0/8 range, both directions, fixed seed.
 * Self-contained, so it runs as a single source file:
 * {@code java GenerateReplayCapture.java OUT.pcap [PACKETS] [FLOWS]} (defaults 1,000,000 and 50,000).
 */
public final class GenerateReplayCapture {
    private GenerateReplayCapture() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int packets = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int flows = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        SplittableRandom random = new SplittableRandom(42);
        int[] sizes = {64, 64, 64, 128, 256, 576, 1000, 1514};
        byte[] frame = new byte[1514];
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(out), 1 << 20))) {
            o.writeInt(0xa1b2c3d4);
            o.writeShort(2);
            o.writeShort(4);
            o.writeInt(0);
            o.writeInt(0);
            o.writeInt(65535);
            o.writeInt(1); // Ethernet
            long micros = 1_700_000_000_000_000L;
            for (int i = 0; i < packets; i++) {
                int flow = random.nextInt(flows);
                boolean reply = random.nextBoolean();
                boolean tcp = (flow & 1) == 0;
                int len = sizes[random.nextInt(sizes.length)];
                int client = 0x0a000000 | (flow * 7 & 0xffff) << 8 | 1;
                int server = 0x0a800000 | (flow & 0xff);
                int clientPort = 1024 + flow % 60000;
                int serverPort = tcp ? 443 : 53;
                java.util.Arrays.fill(frame, (byte) 0);
                frame[0] = 0x02; // locally administered MACs
                frame[5] = (byte) (reply ? 1 : 2);
                frame[6] = 0x02;
                frame[11] = (byte) (reply ? 2 : 1);
                frame[12] = 0x08;
                int ip = 14;
                frame[ip] = 0x45;
                put16(frame, ip + 2, len - 14);
                frame[ip + 8] = 64;
                frame[ip + 9] = (byte) (tcp ? 6 : 17);
                put32(frame, ip + 12, reply ? server : client);
                put32(frame, ip + 16, reply ? client : server);
                put16(frame, ip + 10, checksum(frame, ip, 20));
                int l4 = ip + 20;
                put16(frame, l4, reply ? serverPort : clientPort);
                put16(frame, l4 + 2, reply ? clientPort : serverPort);
                if (tcp) {
                    frame[l4 + 12] = 0x50;
                    frame[l4 + 13] = 0x10; // ACK
                } else {
                    put16(frame, l4 + 4, len - 34);
                }
                micros += 1 + random.nextInt(3);
                o.writeInt((int) (micros / 1_000_000));
                o.writeInt((int) (micros % 1_000_000));
                o.writeInt(len);
                o.writeInt(len);
                o.write(frame, 0, len);
            }
        }
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static void put32(byte[] b, int at, int v) {
        put16(b, at, v >>> 16);
        put16(b, at + 2, v);
    }

    private static int checksum(byte[] b, int at, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += (b[at + i] & 0xff) << 8 | (b[at + i + 1] & 0xff);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}
