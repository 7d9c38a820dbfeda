/**
 * flowtrace aggregators: exact group-by, Count-Min with heavy hitters, SuperSpread super-spreaders and
 * HyperLogLog distinct counts, plugged into the pipeline through {@link io.flowtrace.core.spi.AggregatorProvider}.
 * One package per family, each with its sketch, aggregator and provider; what they share is in
 * {@code io.flowtrace.sketch.internal}, which is not exported.
 */
module io.flowtrace.sketch {
    requires transitive io.flowtrace.core; // the providers' and aggregators' signatures use core's types
    requires org.slf4j;

    exports io.flowtrace.sketch;
    exports io.flowtrace.sketch.countmin;
    exports io.flowtrace.sketch.exact;
    exports io.flowtrace.sketch.hll;
    exports io.flowtrace.sketch.superspread;

    provides io.flowtrace.core.spi.AggregatorProvider with
            io.flowtrace.sketch.exact.ExactAggregatorProvider,
            io.flowtrace.sketch.countmin.CountMinAggregatorProvider,
            io.flowtrace.sketch.superspread.SuperSpreadAggregatorProvider,
            io.flowtrace.sketch.hll.HllAggregatorProvider;
}
