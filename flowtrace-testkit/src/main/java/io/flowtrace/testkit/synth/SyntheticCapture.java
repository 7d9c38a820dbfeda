package io.flowtrace.testkit.synth;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a synthetic classic pcap (Ethernet, microsecond timestamps) and its ground truth.
 *
 * <p>Conversation {@code i} (rank {@code i + 1} in the Zipf law) gets one packet plus its Zipf share of the rest, so
 * the file holds exactly the requested packets over exactly the requested conversations. The packets of all
 * conversations are shuffled together in time; within a conversation, a TCP one starts with SYN, SYN-ACK, ACK and,
 * when it has at least six packets, mostly ends with a FIN each way (some end with a RST, some stay open).
 * The first packet always goes from the client to the server, so the client is the initiator of every record.
 * Every 5-tuple is unique: each conversation has its own client address. Timestamps grow by a fixed spacing per
 * packet.
 *
 * <pre>{@code
 * SyntheticCapture.Summary s = SyntheticCapture.builder().packets(5_000_000).conversations(570_000).zipf(1.0)
 *         .ipv6Share(0.2).seed(7).build().write(Path.of("x.pcap"));   // also writes x.pcap.truth.csv
 * }</pre>
 *
 * {@link #source()} hands the same packets to a pipeline without a file.
 *
 * Immutable once built; {@link #write} may be called from any thread.
 *
 * @since 0.1
 */
public final class SyntheticCapture {
    /** Appended to the capture's file name for the ground truth file. */
    public static final String TRUTH_SUFFIX = ".truth.csv";
    /** Header line of the ground truth file. */
    public static final String TRUTH_HEADER = "ip_version,protocol,src,src_port,dst,dst_port,packets_fwd,packets_rev,"
            + "bytes_fwd,bytes_rev,ip_bytes_fwd,ip_bytes_rev,first_ns,last_ns";

    private static final VarHandle BE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int SERVERS = 4096;
    private static final int BUFFER = 4 << 20;

    private final long packets;
    private final int conversations;
    private final double zipf;
    private final double ipv6Share;
    private final double udpShare;
    private final int[] sizes;
    private final double[] sizeCumulative;
    private final long seed;
    private final boolean flood;
    private final long startNanos;
    private final long spacingNanos;
    private final boolean truth;

    private SyntheticCapture(Builder b) {
        this.flood = b.flood;
        this.conversations = b.conversations;
        this.packets = b.flood ? b.conversations : b.packets;
        if (!flood && packets < conversations) {
            throw new IllegalArgumentException("packets: " + packets + " (expected: at least the conversations, "
                    + conversations + ")");
        }
        this.zipf = b.zipf;
        this.ipv6Share = b.ipv6Share;
        this.udpShare = b.udpShare;
        this.sizes = b.sizes;
        this.sizeCumulative = b.sizeCumulative;
        this.seed = b.seed;
        this.startNanos = b.startNanos;
        this.spacingNanos = b.spacingNanos;
        this.truth = b.truth;
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the ground truth file written beside {@code pcap}}
     *
     * @param pcap the capture file
     */
    public static Path truthPath(Path pcap) {
        return pcap.resolveSibling(pcap.getFileName() + TRUTH_SUFFIX);
    }

    /**
     * What {@link #write} produced.
     *
     * @param packets packets written
     * @param conversations conversations in the traffic
     * @param wireBytes wire bytes of all packets
     * @param fileBytes size of the capture file
     */
    public record Summary(long packets, int conversations, long wireBytes, long fileBytes) {
    }

    /**
     * One conversation of the ground truth, oriented from its client (the sender of its first packet).
     *
     * @param key the 5-tuple, client first
     * @param packetsForward  packets from the client
     * @param packetsReverse  packets to the client
     * @param bytesForward    wire bytes from the client
     * @param bytesReverse    wire bytes to the client
     * @param ipBytesForward  IP-level bytes from the client
     * @param ipBytesReverse  IP-level bytes to the client
     * @param firstNanos      the first packet's time, epoch nanoseconds
     * @param lastNanos       the last packet's time, epoch nanoseconds
     */
    public record Conversation(FlowKey key, long packetsForward, long packetsReverse, long bytesForward,
                               long bytesReverse, long ipBytesForward, long ipBytesReverse, long firstNanos,
                               long lastNanos) {
        /** {@return packets both ways} */
        public long packetCount() {
            return packetsForward + packetsReverse;
        }

        static Conversation parse(String line) {
            String[] f = line.split(",");
            if (f.length != 14) {
                throw new IllegalArgumentException("truth line: " + line + " (expected: 14 fields)");
            }
            try {
                FlowKey k = FlowKey.of(InetAddress.getByName(f[2]), InetAddress.getByName(f[4]),
                        Integer.parseInt(f[3]), Integer.parseInt(f[5]), Integer.parseInt(f[1]));
                return new Conversation(k, Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]),
                        Long.parseLong(f[9]), Long.parseLong(f[10]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                        Long.parseLong(f[13]));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("truth line: " + line + " (expected: literal addresses)", e);
            }
        }
    }

    /**
     * Reads a ground truth file written by {@link #write}.
     *
     * @param truthFile the file
     * @return its conversations, in file order
     * @throws IOException when it cannot be read or its header is not the expected one
     */
    public static List<Conversation> readTruth(Path truthFile) throws IOException {
        List<Conversation> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(truthFile, StandardCharsets.US_ASCII)) {
            String header = r.readLine();
            if (!TRUTH_HEADER.equals(header)) {
                throw new IOException(truthFile + ": header " + header + " (expected: " + TRUTH_HEADER + ")");
            }
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    out.add(Conversation.parse(line));
                }
            }
        }
        return out;
    }

    /**
     * Writes the capture to {@code pcap} (replacing it) and, unless turned off, its ground truth beside it.
     *
     * @param pcap where to write the capture
     * @return what was written
     * @throws IOException when a file cannot be written
     */
    public Summary write(Path pcap) throws IOException {
        Packets gen = new Packets();
        // per conversation: packets f, r; bytes f, r; IP bytes f, r; first, last
        long[] stat = truth ? new long[conversations * 8] : null;
        byte[] buf = new byte[BUFFER];
        int at = 0;
        long wire = 0;
        long fileBytes = 0;
        try (FileChannel ch = FileChannel.open(pcap, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            LE32.set(buf, 0, 0xa1b2c3d4);
            buf[4] = 2; // version 2.4, little-endian fields
            buf[6] = 4;
            LE32.set(buf, 16, 65535); // snaplen
            LE32.set(buf, 20, 1);     // Ethernet
            at = 24;
            while (true) {
                if (at > BUFFER - 256) {
                    fileBytes += flush(ch, buf, at);
                    at = 0;
                }
                if (!gen.next(buf, at + 16)) {
                    break;
                }
                long micros = gen.micros;
                LE32.set(buf, at, (int) Math.floorDiv(micros, 1_000_000L));
                LE32.set(buf, at + 4, (int) Math.floorMod(micros, 1_000_000L));
                LE32.set(buf, at + 8, gen.capLen);
                LE32.set(buf, at + 12, gen.wireLen);
                at += 16 + gen.capLen;
                wire += gen.wireLen;
                if (stat != null) {
                    int b = gen.conversation * 8;
                    int d = gen.reverse ? 1 : 0;
                    stat[b + d]++;
                    stat[b + 2 + d] += gen.wireLen;
                    stat[b + 4 + d] += gen.ipLen;
                    long t = micros * 1000L;
                    if (gen.index == 0) {
                        stat[b + 6] = t;
                    }
                    stat[b + 7] = t;
                }
            }
            fileBytes += flush(ch, buf, at);
        }
        if (stat != null) {
            writeTruth(truthPath(pcap), stat);
        }
        return new Summary(gen.order.length, conversations, wire, fileBytes);
    }

    /**
     * The same packets as {@link #write} puts in the file, with the same (microsecond) timestamps, generated in
     * memory as they are read: a source for tests that need traffic but no file. Each call gives a new source.
     *
     * @return a new source
     */
    public PacketSource source() {
        return new Source();
    }

    /** The packets in time order, written one at a time into a caller's buffer. Not thread-safe. */
    private final class Packets {
        final int[] counts = packetCounts();
        final int[] order = order(counts);
        final int[] sent = new int[conversations];
        final SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int slot;
        int conversation;
        int index;
        long micros;
        int capLen;
        int wireLen;
        int ipLen;
        boolean reverse;

        /** Writes the next frame at {@code at} and describes it in the fields; false at the end. */
        boolean next(byte[] buf, int at) {
            if (slot == order.length) {
                return false;
            }
            int c = order[slot];
            conversation = c;
            index = sent[c]++;
            micros = Math.floorDiv(startNanos + slot * spacingNanos, 1000L);
            long packed = packet(buf, at, c, index, counts[c], rnd);
            capLen = (int) (packed & 0xFFFF);
            wireLen = (int) ((packed >>> 16) & 0xFFFF);
            ipLen = (int) ((packed >>> 32) & 0xFFFF);
            reverse = (packed >>> 48) != 0;
            slot++;
            return true;
        }
    }

    /** Plays {@link Packets} to a handler, reusing one frame buffer. */
    private final class Source implements PacketSource {
        private volatile boolean stopped;
        private volatile long packetsRead;

        @Override
        public String description() {
            return SyntheticCapture.this.toString();
        }

        @Override
        public void run(PacketHandler handler) {
            Packets packets = new Packets();
            byte[] frame = new byte[256];
            long n = 0;
            while (!stopped && packets.next(frame, 0)) {
                handler.onPacket(packets.micros * 1000L, 1, frame, 0, packets.capLen, packets.wireLen, 0);
                packetsRead = ++n; // this thread is the only writer; readers on other threads see a recent value
            }
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of("packets_read", packetsRead);
        }

        @Override
        public void close() {
            stopped = true;
        }
    }

    private static long flush(FileChannel ch, byte[] buf, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
        return len;
    }

    /** Packets per conversation: one each, plus the Zipf share of the rest, rounded so the total is exact. */
    int[] packetCounts() {
        int n = conversations;
        int[] counts = new int[n];
        if (flood) {
            java.util.Arrays.fill(counts, 1);
            return counts;
        }
        double[] w = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = zipf == 0 ? 1.0 : Math.pow(i + 1, -zipf);
            total += w[i];
        }
        long extra = packets - n;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long c = 1 + (long) (extra * (w[i] / total));
            if (c > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("packets: " + packets + " (expected: fewer per conversation)");
            }
            counts[i] = (int) c;
            sum += c;
        }
        for (int i = 0; sum < packets; i = (i + 1) % n) {
            counts[i]++;
            sum++;
        }
        return counts;
    }

    /** The conversation of every packet in time order: each conversation {@code counts[c]} times, shuffled. */
    private int[] order(int[] counts) {
        if (packets > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("packets: " + packets + " (expected: at most " + (Integer.MAX_VALUE - 16) + ")");
        }
        int[] order = new int[(int) packets];
        int at = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int k = 0; k < counts[c]; k++) {
                order[at++] = c;
            }
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    // ---- per-conversation attributes, derived from the seed and the conversation number ----

    private long attr(int c, int which) {
        return mix(seed * 0x9E3779B97F4A7C15L + c * 0xBF58476D1CE4E5B9L + which * 0x94D049BB133111EBL);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    private boolean isIpv6(int c) {
        return unit(attr(c, 1)) < ipv6Share;
    }

    private boolean isUdp(int c) {
        return unit(attr(c, 2)) < udpShare;
    }

    private int clientPort(int c) {
        return 32768 + (int) Long.remainderUnsigned(attr(c, 3), 28232);
    }

    private int server(int c) {
        return (int) Long.remainderUnsigned(attr(c, 4), SERVERS);
    }

    private int serverPort(int c, boolean udp) {
        int r = (int) Long.remainderUnsigned(attr(c, 5), 100);
        if (udp) {
            return r < 50 ? 53 : r < 75 ? 443 : r < 90 ? 123 : 5060;
        }
        return r < 60 ? 443 : r < 90 ? 80 : r < 95 ? 22 : 8080;
    }

    /** 0: open, 1: FIN both ways, 2: RST from the client. */
    private int closing(int c, int count) {
        if (count < 6) {
            return count >= 4 && Long.remainderUnsigned(attr(c, 6), 100) < 10 ? 2 : 0;
        }
        long r = Long.remainderUnsigned(attr(c, 6), 100);
        return r < 85 ? 1 : r < 95 ? 2 : 0;
    }

    private int dataSize(SplittableRandom r) {
        double u = r.nextDouble();
        for (int i = 0; i < sizes.length; i++) {
            if (u < sizeCumulative[i]) {
                return sizes[i];
            }
        }
        return sizes[sizes.length - 1];
    }

    /**
     * Writes packet {@code k} of conversation {@code c} (of {@code count}) at {@code p}; returns
     * {@code capLen | wireLen << 16 | ipLen << 32 | reverse << 48}.
     */
    private long packet(byte[] b, int p, int c, int k, int count, SplittableRandom r) {
        boolean v6 = isIpv6(c);
        boolean udp = !flood ? isUdp(c) : (c & 1) == 0;
        int cport = clientPort(c);
        int srv = server(c);
        int sport = serverPort(c, udp);
        boolean reverse;
        int flags = 0;
        boolean data;
        int tcpOptions = 0;
        if (udp) {
            reverse = k > 0 && r.nextInt(100) < 45;
            data = true;
        } else {
            int close = closing(c, count);
            data = false;
            if (k == 0) {
                reverse = false;
                flags = SYN;
                tcpOptions = 20;
            } else if (k == 1) {
                reverse = true;
                flags = SYN | ACK;
                tcpOptions = 20;
            } else if (k == 2) {
                reverse = false;
                flags = ACK;
            } else if (close == 1 && k >= count - 3) {
                // the client's FIN, the server's ACK, the server's FIN: the conversation ends on its last packet
                int j = k - (count - 3);
                reverse = j > 0;
                flags = j == 1 ? ACK : FIN | ACK;
            } else if (close == 2 && k == count - 1) {
                reverse = false;
                flags = RST | ACK;
            } else {
                reverse = r.nextInt(100) < 55;
                flags = PSH | ACK;
                data = true;
            }
        }
        int ipHdr = v6 ? 40 : 20;
        int l4Hdr = udp ? 8 : 20 + tcpOptions;
        int headers = 14 + ipHdr + l4Hdr;
        int wireLen;
        int ipLen;
        if (data) {
            wireLen = Math.max(headers + 1, dataSize(r));
            ipLen = wireLen - 14;
        } else {
            ipLen = ipHdr + l4Hdr;
            wireLen = Math.max(60, 14 + ipLen);
        }
        // Ethernet
        BE32.set(b, p, 0x02000000 | (reverse ? 0x0100 : 0x0200));
        BE16.set(b, p + 4, (short) 0x0001);
        BE32.set(b, p + 6, 0x02000000 | (reverse ? 0x0200 : 0x0100));
        BE16.set(b, p + 10, (short) 0x0001);
        BE16.set(b, p + 12, (short) (v6 ? 0x86dd : 0x0800));
        int ip = p + 14;
        int proto = udp ? 17 : 6;
        int srcPort = reverse ? sport : cport;
        int dstPort = reverse ? cport : sport;
        if (v6) {
            BE32.set(b, ip, 0x60000000);
            BE16.set(b, ip + 4, (short) (ipLen - 40));
            b[ip + 6] = (byte) proto;
            b[ip + 7] = 64;
            long chi = 0x20010db800000000L;
            long clo = c + 1L;
            long shi = 0x20010db8ffff0000L;
            long slo = srv + 1L;
            BE64.set(b, ip + 8, reverse ? shi : chi);
            BE64.set(b, ip + 16, reverse ? slo : clo);
            BE64.set(b, ip + 24, reverse ? chi : shi);
            BE64.set(b, ip + 32, reverse ? clo : slo);
        } else {
            int client = clientV4(c);
            int server = 0xC0A80000 | (srv + 1);
            BE32.set(b, ip, 0x45000000 | ipLen);
            BE32.set(b, ip + 4, ((k & 0xFFFF) << 16) | 0x4000);
            BE32.set(b, ip + 8, (64 << 24) | (proto << 16));
            BE32.set(b, ip + 12, reverse ? server : client);
            BE32.set(b, ip + 16, reverse ? client : server);
            int sum = 0;
            for (int i = 0; i < 20; i += 2) {
                sum += ((b[ip + i] & 0xff) << 8) | (b[ip + i + 1] & 0xff);
            }
            sum = (sum & 0xFFFF) + (sum >>> 16);
            sum = (sum & 0xFFFF) + (sum >>> 16);
            BE16.set(b, ip + 10, (short) ~sum);
        }
        int l4 = ip + ipHdr;
        BE16.set(b, l4, (short) srcPort);
        BE16.set(b, l4 + 2, (short) dstPort);
        if (udp) {
            BE16.set(b, l4 + 4, (short) (ipLen - ipHdr));
            BE16.set(b, l4 + 6, (short) 0);
        } else {
            int isn = (int) attr(c, reverse ? 8 : 7);
            BE32.set(b, l4 + 4, isn + k * 1000);
            BE32.set(b, l4 + 8, k == 0 ? 0 : (int) attr(c, reverse ? 7 : 8) + k * 1000);
            b[l4 + 12] = (byte) (((20 + tcpOptions) / 4) << 4);
            b[l4 + 13] = (byte) flags;
            BE16.set(b, l4 + 14, (short) 0xFFFF);
            BE32.set(b, l4 + 16, 0);
            if (tcpOptions == 20) {
                int o = l4 + 20;
                BE32.set(b, o, 0x020405b4);          // MSS 1460
                BE32.set(b, o + 4, 0x0402080a);      // SACK permitted, timestamps
                BE32.set(b, o + 8, k + 1);
                BE32.set(b, o + 12, k);
                BE32.set(b, o + 16, 0x01030307);     // NOP, window scale 7
            }
        }
        return headers | ((long) wireLen << 16) | ((long) ipLen << 32) | ((reverse ? 1L : 0L) << 48);
    }

    private static int clientV4(int c) {
        return 0x0A000000 + c + 1; // 10.0.0.1 onwards; past 10.255.255.254 it continues into 11/8
    }

    private void writeTruth(Path file, long[] stat) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write(TRUTH_HEADER);
            w.write('\n');
            StringBuilder sb = new StringBuilder(200);
            for (int c = 0; c < conversations; c++) {
                boolean v6 = isIpv6(c);
                boolean udp = !flood ? isUdp(c) : (c & 1) == 0;
                int b = c * 8;
                sb.setLength(0);
                sb.append(v6 ? 6 : 4).append(',').append(udp ? 17 : 6).append(',');
                if (v6) {
                    IpText.append(sb, 6, 0x20010db800000000L, c + 1L);
                } else {
                    IpText.append(sb, 4, 0, clientV4(c) & 0xFFFF_FFFFL);
                }
                sb.append(',').append(clientPort(c)).append(',');
                int srv = server(c);
                if (v6) {
                    IpText.append(sb, 6, 0x20010db8ffff0000L, srv + 1L);
                } else {
                    IpText.append(sb, 4, 0, (0xC0A80000 | (srv + 1)) & 0xFFFF_FFFFL);
                }
                sb.append(',').append(serverPort(c, udp));
                for (int i = 0; i < 8; i++) {
                    sb.append(',').append(stat[b + i]);
                }
                sb.append('\n');
                w.append(sb);
            }
        }
    }

    /** Settings of a synthetic capture; every setting is checked when it is given. */
    public static final class Builder {
        private long packets = 100_000;
        private int conversations = 10_000;
        private double zipf = 1.0;
        private double ipv6Share = 0.2;
        private double udpShare = 0.2;
        private int[] sizes = {66, 576, 1514};
        private double[] sizeCumulative = {0.45, 0.6, 1.0};
        private long seed = 1;
        private boolean flood;
        private long startNanos = 1_700_000_000_000_000_000L;
        private long spacingNanos = 1_000;
        private boolean truth = true;

        private Builder() {
        }

        /**
         * Packets in the file (default 100000); ignored in flood mode.
         *
         * @param n packets in the file (default 100000); ignored in flood mode
         * @return this builder
         */
        public Builder packets(long n) {
            if (n < 1 || n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("packets: " + n + " (expected: 1.." + (Integer.MAX_VALUE - 16) + ")");
            }
            packets = n;
            return this;
        }

        /**
         * Conversations (distinct 5-tuples) in the file (default 10000).
         *
         * @param n conversations (distinct 5-tuples) in the file (default 10000)
         * @return this builder
         */
        public Builder conversations(int n) {
            if (n < 1 || n > (1 << 26)) {
                throw new IllegalArgumentException("conversations: " + n + " (expected: 1.." + (1 << 26) + ")");
            }
            conversations = n;
            return this;
        }

        /**
         * Zipf exponent of conversation sizes: 0 spreads packets evenly, 1.0 (default) is heavy-tailed.
         *
         * @param s zipf exponent of conversation sizes: 0 spreads packets evenly, 1.0 (default) is heavy-tailed
         * @return this builder
         */
        public Builder zipf(double s) {
            if (!(s >= 0 && s <= 4)) {
                throw new IllegalArgumentException("zipf: " + s + " (expected: 0..4)");
            }
            zipf = s;
            return this;
        }

        /**
         * Share of conversations over IPv6 (default 0.2).
         *
         * @param share share of conversations over IPv6 (default 0.2)
         * @return this builder
         */
        public Builder ipv6Share(double share) {
            ipv6Share = share("ipv6Share", share);
            return this;
        }

        /**
         * Share of conversations over UDP (default 0.2); the others are TCP.
         *
         * @param share share of conversations over UDP (default 0.2); the others are TCP
         * @return this builder
         */
        public Builder udpShare(double share) {
            udpShare = share("udpShare", share);
            return this;
        }

        /**
         * Frame sizes of data packets with weights, as {@code "66:45,576:15,1514:40"} (the default); handshake and
         * close segments carry no payload.
         *
         * @param mix sizes and weights
         * @return this builder
         */
        public Builder sizes(String mix) {
            String[] parts = mix.split(",");
            int[] s = new int[parts.length];
            double[] w = new double[parts.length];
            double total = 0;
            for (int i = 0; i < parts.length; i++) {
                String[] kv = parts[i].trim().split(":");
                try {
                    s[i] = Integer.parseInt(kv[0].trim());
                    w[i] = kv.length > 1 ? Double.parseDouble(kv[1].trim()) : 1;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("sizes: " + mix + " (expected: size:weight,...)");
                }
                if (kv.length > 2 || s[i] < 60 || s[i] > 65535 || !(w[i] >= 0)) {
                    throw new IllegalArgumentException("sizes: " + mix
                            + " (expected: size:weight,... with sizes 60..65535 and weights >= 0)");
                }
                total += w[i];
            }
            if (!(total > 0)) {
                throw new IllegalArgumentException("sizes: " + mix + " (expected: a positive total weight)");
            }
            double[] cum = new double[s.length];
            double run = 0;
            for (int i = 0; i < s.length; i++) {
                run += w[i] / total;
                cum[i] = run;
            }
            cum[s.length - 1] = 1.0;
            sizes = s;
            sizeCumulative = cum;
            return this;
        }

        /**
         * The seed the traffic is drawn from: same seed and settings, same capture.
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * Flood mode: {@code sources} conversations of one packet each (alternately a UDP datagram and a TCP SYN),
         * each from its own source address.
         *
         * @param sources how many sources (and conversations)
         * @return this builder
         */
        public Builder flood(int sources) {
            conversations(sources);
            flood = true;
            return this;
        }

        /**
         * Timestamp of the first packet, epoch nanoseconds (kept to microseconds in the file).
         *
         * @param epochNanos timestamp of the first packet, epoch nanoseconds (kept to microseconds in the file)
         * @return this builder
         */
        public Builder start(long epochNanos) {
            startNanos = epochNanos;
            return this;
        }

        /**
         * Time between consecutive packets (default 1 µs; at least 1 µs).
         *
         * @param d time between consecutive packets (default 1 µs; at least 1 µs)
         * @return this builder
         */
        public Builder spacing(java.time.Duration d) {
            long n = d.toNanos();
            if (n < 1000 || n % 1000 != 0) {
                throw new IllegalArgumentException("spacing: " + d + " (expected: whole microseconds, at least 1)");
            }
            spacingNanos = n;
            return this;
        }

        /**
         * Whether to write the ground truth file (default true).
         *
         * @param on whether to write the ground truth file (default true)
         * @return this builder
         */
        public Builder truth(boolean on) {
            truth = on;
            return this;
        }

        /** {@return the generator these settings describe} */
        public SyntheticCapture build() {
            return new SyntheticCapture(this);
        }

        private static double share(String what, double v) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(what + ": " + v + " (expected: 0..1)");
            }
            return v;
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "synthetic capture: %d packets, %d conversations%s, zipf %.2f, ipv6 %.2f, "
                + "udp %.2f, seed %d", packets, conversations, flood ? " (flood)" : "", zipf, ipv6Share, udpShare, seed);
    }
}
