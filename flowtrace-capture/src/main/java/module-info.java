/** flowtrace capture: packet sources (the pure-Java pcap/pcapng file reader). */
module io.flowtrace.capture {
    requires transitive io.flowtrace.core;
    requires org.slf4j;

    exports io.flowtrace.capture;
    exports io.flowtrace.capture.synth;

    provides io.flowtrace.core.spi.PacketSourceProvider with
            io.flowtrace.capture.PcapFileSourceProvider;
}
