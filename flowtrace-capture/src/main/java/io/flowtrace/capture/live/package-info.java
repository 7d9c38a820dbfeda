/**
 * Live capture: the {@code pcap-live} packet source, reading an interface through pcap4j and the native libpcap
 * (Debian package libpcap0.8), which is loaded only when such a source is created.
 *
 * <p><b>Threading.</b> A source is run by one thread, which receives every packet and every idle heartbeat
 * ({@link io.flowtrace.core.spi.PacketHandler#onIdle(long)}); a small daemon thread per running source decides when
 * the interface has been idle for a second and refreshes libpcap's drop counters. {@code stop()}, {@code close()}
 * and {@code counters()} may be called from any thread.
 *
 * <p><b>Allocation.</b> pcap4j's raw-packet loop copies each frame into a new array and builds a timestamp object
 * per packet (its polling call allocates more); this package adds nothing per packet beyond that.
 *
 * <p><b>Privileges.</b> Opening an interface needs root, or the capabilities CAP_NET_RAW and CAP_NET_ADMIN.
 */
package io.flowtrace.capture.live;
