/**
 * flowtrace aggregators: exact group-by, Count-Min with heavy hitters, SuperSpread super-spreaders and
 * HyperLogLog distinct counts, plugged into the pipeline through {@link io.flowtrace.core.spi.AggregatorProvider}.
 */
module io.flowtrace.sketch {
    requires transitive io.flowtrace.core; // the providers' and aggregators' signatures use core's types
    requires org.slf4j;

    exports io.flowtrace.sketch;

    provides io.flowtrace.core.spi.AggregatorProvider with
            io.flowtrace.sketch.ExactAggregatorProvider,
            io.flowtrace.sketch.CountMinAggregatorProvider,
            io.flowtrace.sketch.SuperSpreadAggregatorProvider,
            io.flowtrace.sketch.HllAggregatorProvider;
}
