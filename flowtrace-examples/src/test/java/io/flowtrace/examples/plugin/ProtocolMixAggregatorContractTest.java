package io.flowtrace.examples.plugin;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.testkit.AggregatorContractKit;

/** The example aggregator keeps the aggregator contract, as a user's plugin would show it. */
class ProtocolMixAggregatorContractTest extends AggregatorContractKit {
    @Override
    protected Aggregator createAggregator() {
        return new ProtocolMixAggregator("mix", "bytes");
    }

    @Override
    protected Aggregator mismatchedAggregator() {
        return new ProtocolMixAggregator("mix", "packets");
    }
}
