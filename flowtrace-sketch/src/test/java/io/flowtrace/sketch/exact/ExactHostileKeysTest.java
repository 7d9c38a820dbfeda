package io.flowtrace.sketch.exact;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.sketch.Crafted;
import io.flowtrace.sketch.HostileKeysTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.flowtrace.sketch.HostileKeysTest.EXACT_SEED;
import static io.flowtrace.sketch.HostileKeysTest.SERVER;
import static io.flowtrace.sketch.HostileKeysTest.create;
import static io.flowtrace.sketch.HostileKeysTest.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys crafted against the exact aggregator's table (the attacks of {@link HostileKeysTest} that need this family's internals). */
class ExactHostileKeysTest {
    @Test
    @DisplayName("exact: keys crafted to share one hash under a known seed share one probe run; under the default "
            + "seed their probe runs are as short as random keys'")
    void exactKeysCraftedForAKnownSeedDoNotFloodTheDefault() {
        ExactAggregatorProvider provider = new ExactAggregatorProvider();
        SplittableRandom rnd = new SplittableRandom(1);
        List<DecodedPacket> crafted = new ArrayList<>();
        List<DecodedPacket> random = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            crafted.add(packet(Crafted.ipv6(i, EXACT_SEED, 0x5EEDL), SERVER));
            random.add(packet(new long[] {rnd.nextLong(), rnd.nextLong(), 6L << 40}, SERVER));
        }
        List<DecodedPacket> fewCrafted = crafted.subList(0, 8_000);
        List<DecodedPacket> fewRandom = random.subList(0, 8_000);

        // the attack: with the seed it was built for, every key lands in one run of the table
        ExactAggregator known = (ExactAggregator) create(provider, "name=t,key=src_ip,seed=" + EXACT_SEED);
        fewCrafted.forEach(known::onPacket);
        assertEquals(8_000, known.longestProbeRun());
        ExactAggregator knownRandom = (ExactAggregator) create(provider, "name=t,key=src_ip,seed=" + EXACT_SEED);
        fewRandom.forEach(knownRandom::onPacket);
        assertTrue(knownRandom.longestProbeRun() < 100, "random keys: longest probe run " + knownRandom.longestProbeRun());

        // the defence: the default seed is not the one the keys were built for
        ExactAggregator byDefault = (ExactAggregator) create(provider, "name=t,key=src_ip");
        fewCrafted.forEach(byDefault::onPacket);
        assertTrue(byDefault.longestProbeRun() < 100, "longest probe run " + byDefault.longestProbeRun());
        crafted.forEach(byDefault::onPacket);
        assertEquals(100_000, byDefault.keyCount());
        assertTrue(byDefault.longestProbeRun() < 100, "longest probe run " + byDefault.longestProbeRun());
        ExactAggregator randomByDefault = (ExactAggregator) create(provider, "name=t,key=src_ip");
        random.forEach(randomByDefault::onPacket);
        // the cost of a lookup is its probe run: crafted keys under the default seed cost what random ones do
        assertTrue(byDefault.longestProbeRun() <= 2 * randomByDefault.longestProbeRun() + 8,
                byDefault.longestProbeRun() + " against " + randomByDefault.longestProbeRun());
    }

}
