package io.flowtrace.capture.live;

import com.sun.jna.LastErrorException;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.LinkType;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Live capture on one Linux interface through AF_PACKET sockets with memory-mapped TPACKET_V3 rings
 * ({@link AfPacketRing}). Run as it is, it is one socket. {@link #split(int) Split} into N parts it is N sockets in
 * one PACKET_FANOUT group (hash mode, which the kernel computes over a flow's addresses and ports alike in both
 * directions, with IPv4 fragments reassembled before hashing so they stay with their flow), each run by a thread of
 * its own. Counters are the sum over the sockets.
 *
 * <p><b>Thread safety:</b> as {@link PacketSource}: {@link #split} and {@link #run} on the pipeline's threads;
 * {@link #stop()}, {@link #close()} and {@link #counters()} from any thread.
 */
final class AfPacketSource implements PacketSource {
    private static final Logger LOG = LoggerFactory.getLogger(AfPacketSource.class);

    /** Since Linux 4.12: the kernel picks a group id that no other group has. */
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    /** libpcap's DLT values for pcap_compile. */
    private static final int DLT_EN10MB = 1;
    private static final int DLT_RAW = 12;
    // <linux/if_arp.h>
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int ARPHRD_RAWIP = 519;
    private static final int ARPHRD_NONE = 0xfffe;
    private static final int IFF_UP = 0x1;

    /** The interface: its index, and the link type of the frames its sockets read. */
    record Interface(String name, int index, int linkType, boolean loopback) {
    }

    private final String plugin;
    private final AfPacketSettings settings;
    private final Interface iface;
    private final SocketFilter filter;
    private final LongSupplier wallClock;
    private volatile List<AfPacketRing> rings;
    private boolean split;

    private AfPacketSource(String plugin, AfPacketSettings settings, Interface iface, SocketFilter filter,
                           LongSupplier wallClock, AfPacketRing first) {
        this.plugin = plugin;
        this.settings = settings;
        this.iface = iface;
        this.filter = filter;
        this.wallClock = wallClock;
        this.rings = List.of(first);
    }

    /**
     * Checks the interface, compiles the filter and opens the first socket with its ring, so that every
     * configuration or environment problem shows here.
     *
     * @throws ConfigurationException when the interface does not exist or cannot be captured this way, or the filter
     *                                does not compile
     * @throws FlowTraceException     when privileges are missing, the interface is down, or the ring cannot be had
     */
    static AfPacketSource open(String plugin, AfPacketSettings settings, LongSupplier wallClock) {
        Interface iface = lookUp(plugin, settings.interfaceName());
        int dlt = iface.linkType() == LinkType.RAW ? DLT_RAW : DLT_EN10MB;
        SocketFilter filter = settings.filter().isEmpty() ? SocketFilter.acceptAll(settings.snaplen())
                : SocketFilter.compile(plugin, settings.filter(), dlt, settings.snaplen());
        AfPacketRing first = AfPacketRing.open(plugin, settings, iface, filter, wallClock);
        try {
            first.bindAlone();
        } catch (RuntimeException | Error e) {
            first.close();
            throw e;
        }
        LOG.info("{}: capturing on '{}' (link type {}, snaplen {}, promiscuous {}, ring {} blocks of {} bytes per "
                        + "socket, block timeout {} ms, filter '{}')", plugin, iface.name(), iface.linkType(),
                settings.snaplen(), settings.promiscuous(), settings.blocks(), settings.blockSize(),
                settings.blockTimeoutMillis(), settings.filter());
        return new AfPacketSource(plugin, settings, iface, filter, wallClock, first);
    }

    /** The interface's index and link type, from the kernel. */
    static Interface lookUp(String plugin, String name) {
        if (name.equals("any")) {
            throw new ConfigurationException(plugin + ": " + InterfaceKeys.INTERFACE + ": 'any' (expected: one "
                    + "interface; the pcap-live source captures on every interface at once)");
        }
        int index;
        try {
            index = Libc.if_nametoindex(name);
        } catch (LastErrorException e) {
            index = 0;
        }
        Path sys = Path.of("/sys/class/net").resolve(name);
        if (index == 0 || name.isEmpty() || name.contains("/") || !Files.isDirectory(sys)) {
            throw new ConfigurationException(plugin + ": " + InterfaceKeys.INTERFACE + ": '" + name
                    + "' (expected: one of " + interfaceNames() + ")");
        }
        int type = readNumber(sys.resolve("type"), ARPHRD_ETHER);
        int flags = readNumber(sys.resolve("flags"), IFF_UP);
        if ((flags & IFF_UP) == 0) {
            throw new FlowTraceException(plugin + ": interface '" + name + "' is down (expected: an interface that is"
                    + " up, e.g. ip link set " + name + " up)");
        }
        switch (type) {
            case ARPHRD_ETHER:
                return new Interface(name, index, LinkType.ETHERNET, false);
            case ARPHRD_LOOPBACK:
                return new Interface(name, index, LinkType.ETHERNET, true);
            case ARPHRD_NONE:
            case ARPHRD_RAWIP:
                return new Interface(name, index, LinkType.RAW, false);
            default:
                throw new ConfigurationException(plugin + ": " + InterfaceKeys.INTERFACE + ": '" + name
                        + "' has hardware type " + type + " (expected: an Ethernet, loopback or raw-IP interface; "
                        + "the pcap-live source reads the others)");
        }
    }

    private static int readNumber(Path file, int otherwise) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return text.startsWith("0x") ? Integer.parseUnsignedInt(text.substring(2), 16) : Integer.parseInt(text);
        } catch (IOException | NumberFormatException e) {
            return otherwise;
        }
    }

    /** The interfaces of this network namespace, for messages. */
    static List<String> interfaceNames() {
        try (var list = Files.list(Path.of("/sys/class/net"))) {
            TreeSet<String> names = new TreeSet<>();
            list.forEach(p -> names.add(p.getFileName().toString()));
            return new ArrayList<>(names);
        } catch (IOException | RuntimeException e) {
            return List.of("(interfaces could not be listed: " + e + ")");
        }
    }

    @Override
    public String description() {
        return iface.name();
    }

    /**
     * One socket per part in a fanout group: the first joins with an id the kernel makes unique (a random one on
     * kernels before 4.12), the others join it, and only then does each let frames in, so that the group is whole
     * before the first frame is hashed. These sockets replace the one opened by {@code create} (what it read before
     * the meter was built is dropped with it). One part: that socket as it is.
     *
     * @throws FlowTraceException when a socket cannot be opened or join the group (the new ones are closed)
     */
    @Override
    public synchronized List<PacketSource> split(int parts) {
        if (split) {
            throw new IllegalStateException(plugin + ": split once");
        }
        split = true;
        if (parts <= 1) {
            return List.copyOf(rings);
        }
        List<AfPacketRing> all = new ArrayList<>();
        try {
            while (all.size() < parts) {
                all.add(AfPacketRing.open(plugin, settings, iface, filter, wallClock));
            }
            int group;
            try {
                group = all.get(0).joinFanout(0, true);
            } catch (FlowTraceException e) {
                // before Linux 4.12: a random group id, so that two meters on one host do not share a group
                group = ThreadLocalRandom.current().nextInt(1, 0x10000);
                all.get(0).close();
                all.set(0, AfPacketRing.open(plugin, settings, iface, filter, wallClock));
                all.get(0).joinFanout(group, false);
            }
            for (int i = 1; i < all.size(); i++) {
                all.get(i).joinFanout(group, false);
            }
            for (AfPacketRing r : all) {
                r.filter();
            }
            LOG.info("{}: {} sockets on '{}' in fanout group {} (hash, defrag)", plugin, all.size(), iface.name(),
                    group);
        } catch (RuntimeException | Error e) {
            for (AfPacketRing r : all) {
                r.close();
            }
            throw e;
        }
        List<AfPacketRing> alone = rings;
        rings = List.copyOf(all);
        for (AfPacketRing r : alone) {
            r.close();
        }
        return List.copyOf(all);
    }

    /**
     * Captures on the one socket until {@link #stop()}.
     *
     * @throws IOException when the interface goes down or away
     * @throws IllegalStateException when the source was split: its parts run instead
     */
    @Override
    public void run(PacketHandler handler) throws IOException {
        List<AfPacketRing> r = rings;
        if (r.size() != 1) {
            throw new IllegalStateException(plugin + ": split into " + r.size() + " parts, which run instead");
        }
        r.get(0).run(handler);
    }

    @Override
    public void stop() {
        for (AfPacketRing r : rings) {
            r.stop();
        }
    }

    /** {@return the socket's snap length} */
    @Override
    public int snapLength(int interfaceIndex) {
        return interfaceIndex == 0 ? settings.snaplen() : 0;
    }

    /** {@return 9: TPACKET_V3 stamps frames in nanoseconds} */
    @Override
    public int timestampDigits(int interfaceIndex) {
        return interfaceIndex == 0 ? 9 : 0;
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        return interfaceIndex == 0 ? iface.name() : null;
    }

    @Override
    public boolean isLive() {
        return true;
    }

    /** Every socket's counters ({@link AfPacketRing#counters()}), summed, and {@code sockets}. */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> sum = new LinkedHashMap<>();
        List<AfPacketRing> r = rings;
        for (AfPacketRing ring : r) {
            ring.counters().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        sum.put("sockets", (long) r.size());
        return sum;
    }

    @Override
    public void close() {
        for (AfPacketRing r : rings) {
            r.close();
        }
    }

    @Override
    public String toString() {
        return "AfPacketSource[" + iface.name() + ", " + rings.size() + " socket(s)]";
    }
}
