/** flowtrace core: public API, SPIs, packet decoding, flow table and pipeline. */
module io.flowtrace.core {
    requires org.slf4j;
    requires com.fasterxml.jackson.core;
    requires org.jctools.core;

    exports io.flowtrace.core;
    exports io.flowtrace.core.spi;
    exports io.flowtrace.core.internal to
            io.flowtrace.capture, io.flowtrace.sketch, io.flowtrace.sinks, io.flowtrace.examples, io.flowtrace.bench,
            io.flowtrace.testkit;

    uses io.flowtrace.core.spi.PacketSourceProvider;
    uses io.flowtrace.core.spi.AggregatorProvider;
    uses io.flowtrace.core.spi.SinkProvider;
}
