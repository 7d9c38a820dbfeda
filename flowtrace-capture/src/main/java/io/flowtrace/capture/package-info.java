/**
 * Packet sources for capture files: {@link io.flowtrace.capture.PcapFileSource} reads pcap (both byte orders,
 * micro- and nanosecond timestamps) and pcapng (several sections and interfaces, per-interface link type and
 * timestamp resolution), plain or gzip-compressed, in pure Java, with no native library.
 *
 * <p><b>Threading.</b> A source is run by one thread; {@code stop()}, {@code close()}, {@code counters()} and
 * {@code interfaceName(int)} may be called from any other thread.
 *
 * <p><b>Allocation.</b> The reader streams the file through one reusable byte array refilled in large chunks and
 * parses records by offset: nothing is allocated per packet, and the frame handed to the
 * {@link io.flowtrace.core.spi.PacketHandler} is a slice of that array, valid only during the call. Memory stays
 * bounded whatever the file says: a record longer than 262,144
 * bytes is reported as damage, never allocated.
 */
package io.flowtrace.capture;
