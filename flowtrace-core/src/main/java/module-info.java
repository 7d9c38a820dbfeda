/** flowtrace core: public API, SPIs, packet decoding, flow table and pipeline. */
module io.flowtrace.core {
    requires org.slf4j;
    requires transitive com.fasterxml.jackson.core; // FlowEventJson's public methods take Jackson's types
    // only JCTools' atomic queues: its Unsafe ones need jdk.unsupported, which a modular application need not resolve
    requires org.jctools.core;

    exports io.flowtrace.core;
    exports io.flowtrace.core.spi;
    // io.flowtrace.core.internal is exported to no module: only tests and benchmarks use it, from the class path

    uses io.flowtrace.core.spi.PacketSourceProvider;
    uses io.flowtrace.core.spi.AggregatorProvider;
    uses io.flowtrace.core.spi.SinkProvider;
}
