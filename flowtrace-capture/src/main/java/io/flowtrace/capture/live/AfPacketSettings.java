package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PluginConfig;

import java.time.Duration;

/**
 * Settings of one {@code af-packet} capture, read and checked from a {@link PluginConfig}. Immutable.
 *
 * @param interfaceName  the interface to open ({@code eth0}, {@code lo})
 * @param filter         BPF filter expression; empty for none
 * @param snaplen        bytes kept of each frame
 * @param promiscuous    put the interface in promiscuous mode while capturing
 * @param ringSize       bytes of each socket's memory-mapped ring
 * @param blockSize      bytes of each ring block: the kernel hands over whole blocks
 * @param blockTimeoutMillis the longest the kernel keeps a block that is not full before handing it over
 */
record AfPacketSettings(String interfaceName, String filter, int snaplen, boolean promiscuous, int ringSize,
                        int blockSize, int blockTimeoutMillis) {

    static final String RING_SIZE = "ring_size";
    static final String BLOCK_SIZE = "block_size";
    static final String BLOCK_TIMEOUT = "block_timeout";

    /** As pcap-live's buffer, for each socket: bursts and collector pauses. */
    static final int DEFAULT_RING_SIZE = 32 << 20;
    /** Large enough for the largest snap length with room to spare; small enough that a block fills quickly. */
    static final int DEFAULT_BLOCK_SIZE = 1 << 20;
    static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofMillis(100);
    /** The ring is read through one ByteBuffer, whose index is an int. */
    static final long MAX_RING_SIZE = 1L << 30;
    private static final int PAGE = 4096;
    /** Room in a block for the block's and a packet's headers besides the packet. */
    static final int BLOCK_OVERHEAD = 256;

    /**
     * Reads every key, records each problem in {@code config} and calls {@link PluginConfig#validate()}.
     *
     * @throws io.flowtrace.core.ConfigurationException listing every bad value and unknown key
     */
    static AfPacketSettings from(PluginConfig config) {
        InterfaceKeys common = InterfaceKeys.from(config);
        int snaplen = common.snaplen();
        long ring = config.getSize(RING_SIZE, DEFAULT_RING_SIZE, 2 * PAGE, MAX_RING_SIZE);
        long block = config.getSize(BLOCK_SIZE, DEFAULT_BLOCK_SIZE, PAGE, 128 << 20);
        Duration timeout = InterfaceKeys.waitLimit(config, BLOCK_TIMEOUT, DEFAULT_BLOCK_TIMEOUT);
        if (block % PAGE != 0) {
            config.error(BLOCK_SIZE + ": " + block + " (expected: a multiple of the page size, " + PAGE + ")");
        } else if (ring / block < 2) {
            config.error(RING_SIZE + ": " + ring + " (expected: at least two blocks of " + BLOCK_SIZE + " " + block
                    + ", so the kernel fills one while the other is read)");
        }
        if (block < snaplen + BLOCK_OVERHEAD && !config.has(InterfaceKeys.SNAPLEN)) {
            snaplen = (int) block - BLOCK_OVERHEAD; // the default snap length follows a small block
        } else if (block < snaplen + BLOCK_OVERHEAD) {
            config.error(BLOCK_SIZE + ": " + block + " (expected: at least " + InterfaceKeys.SNAPLEN + " + " + BLOCK_OVERHEAD
                    + " = " + (snaplen + BLOCK_OVERHEAD) + ", so that a whole frame fits in a block)");
        }
        config.validate();
        return new AfPacketSettings(common.interfaceName(), common.filter(), snaplen, common.promiscuous(),
                (int) (ring / block * block), (int) block,
                (int) timeout.toMillis());
    }

    /** Blocks in each ring. */
    int blocks() {
        return ringSize / blockSize;
    }
}
