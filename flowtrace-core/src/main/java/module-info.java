/** flowtrace core: public API, SPIs, packet decoding, flow table and pipeline. */
@SuppressWarnings("module") // the qualified export names modules built after this one
module io.flowtrace.core {
    requires org.slf4j;
    requires java.management; // the heap's pools, read before a table grows (spi.HeapRoom)
    requires com.fasterxml.jackson.core;
    // only JCTools' atomic queues: its Unsafe ones need jdk.unsupported, which a modular application need not resolve
    requires org.jctools.core;

    exports io.flowtrace.core;
    exports io.flowtrace.core.spi;
    exports io.flowtrace.core.settings;
    // the built-in sinks share the workers' JSON encoding and the testkit drives sinks as the pipeline does; nothing
    // else reads the internals (tests and benchmarks run from the class path)
    exports io.flowtrace.core.internal to io.flowtrace.sinks, io.flowtrace.testkit;

    uses io.flowtrace.core.spi.PacketSourceProvider;
    uses io.flowtrace.core.spi.AggregatorProvider;
    uses io.flowtrace.core.spi.SinkProvider;
}
