/**
 * Live capture: the {@code pcap-live} packet source, reading an interface through pcap4j and the native libpcap
 * (Debian package libpcap0.8), which is loaded only when such a source is created; and on Linux the
 * {@code af-packet} source, reading AF_PACKET sockets' memory-mapped TPACKET_V3 rings through JNA, one socket per
 * worker in a PACKET_FANOUT group (libpcap is then needed only to compile a filter).
 *
 * <p><b>Threading.</b> A source (or each part of a split {@code af-packet} source) is run by one thread, which
 * receives every packet and every idle heartbeat ({@link io.flowtrace.core.spi.PacketHandler#onIdle(long)});
 * {@code pcap-live} adds a small daemon thread per running source that decides when the interface has been idle
 * for a second and refreshes libpcap's drop counters, while {@code af-packet} blocks in {@code poll(2)} with a
 * timeout when idle. {@code stop()}, {@code close()} and {@code counters()} may be called from any thread.
 *
 * <p><b>Allocation.</b> pcap4j's raw-packet loop copies each frame into a new array and builds a timestamp object
 * per packet (its polling call allocates more); this package adds nothing per packet beyond that. {@code af-packet}
 * allocates nothing per packet: each frame is copied from the ring into one reused array.
 *
 * <p><b>Privileges.</b> Opening an interface needs root, or the capabilities CAP_NET_RAW and CAP_NET_ADMIN. Every
 * socket of an {@code af-packet} source is opened when the meter is built, so privileges may be dropped before it
 * runs.
 */
package io.flowtrace.capture.live;
