/**
 * flowtrace capture: packet sources (the pure-Java pcap/pcapng file reader, live capture through pcap4j, and on Linux
 * through AF_PACKET rings read with JNA).
 */
module io.flowtrace.capture {
    requires transitive io.flowtrace.core;
    requires org.slf4j;
    requires java.sql; // java.sql.Timestamp, the type of pcap4j's packet timestamps
    // pcap4j 1.8.2 is read from the class path: its module descriptor requires 'slf4j.api' (SLF4J 1's automatic
    // name), which SLF4J 2 (module org.slf4j) does not provide, so it cannot resolve as a named module. A modular
    // application puts pcap4j-core and jna on --class-path; the live package adds the read edge to the unnamed
    // module itself when a live source is created, and says so when they are missing there.

    exports io.flowtrace.capture;

    provides io.flowtrace.core.spi.PacketSourceProvider with
            io.flowtrace.capture.PcapFileSourceProvider,
            io.flowtrace.capture.live.PcapLiveSourceProvider,
            io.flowtrace.capture.live.AfPacketSourceProvider;
}
