package io.flowtrace.sketch.countmin;

import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.sketch.Crafted;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.HostileKeysTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.flowtrace.sketch.HostileKeysTest.COUNT_MIN_SEED;
import static io.flowtrace.sketch.HostileKeysTest.SERVER;
import static io.flowtrace.sketch.HostileKeysTest.create;
import static io.flowtrace.sketch.HostileKeysTest.packet;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys crafted against the Count-Min rows (the attacks of {@link HostileKeysTest} that need this family's internals). */
class CountMinHostileKeysTest {
    @Test
    @DisplayName("count-min: a key crafted to share a victim's counters frames it only under the seed it was built "
            + "for")
    void countMinKeyCraftedToShareAVictimsCountersFramesItOnlyUnderTheKnownSeed() {
        long[] victim = {0, 0x0A000001L, 4L << 40}; // 10.0.0.1
        long[] attacker = Crafted.ipv6(7, COUNT_MIN_SEED, Hashing.hash(victim, 0, 3, COUNT_MIN_SEED));
        List<DecodedPacket> ps = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 50_000; i++) {
            ps.add(packet(attacker, SERVER));
            ps.add(packet(new long[] {0, 0x0B000000L + rnd.nextInt(1 << 16), 4L << 40}, new long[] {0, 1, 4L << 40}));
        }
        ps.add(packet(victim, new long[] {0, 1, 4L << 40}));
        CountMinAggregatorProvider provider = new CountMinAggregatorProvider();
        String settings = "name=t,key=src_ip,metric=packets,memory=16KiB,limit=10";

        CountMinAggregator known = (CountMinAggregator) create(provider, settings + ",seed=" + COUNT_MIN_SEED);
        ps.forEach(known::onPacket);
        assertTrue(known.estimate(victim) >= 50_000, "victim " + known.estimate(victim));

        CountMinAggregator byDefault = (CountMinAggregator) create(provider, settings);
        ps.forEach(byDefault::onPacket);
        // the victim's counters hold its one packet and its share of the background, far from the attacker's
        assertTrue(byDefault.estimate(victim) < 1_000, "victim " + byDefault.estimate(victim));
        // it may still rank among the background's keys, whose estimates are all counter noise, but never as heavy
        assertTrue(byDefault.snapshot(0, 1).rows().stream()
                .noneMatch(r -> r.key().containsValue("10.0.0.1") && r.value() >= 1_000));
    }

    @Test
    @DisplayName("count-min: keys that share a counter with another in one row share one in the next no more often "
            + "than any keys do")
    void countMinRowsAreIndependent() {
        CountMinSketch cm = new CountMinSketch(64, 4, COUNT_MIN_SEED, false);
        long victim = Hashing.hash(42, 1);
        SplittableRandom rnd = new SplittableRandom(3);
        int inRow0 = 0;
        int[] alsoIn = new int[4];
        for (int i = 0; i < 400_000; i++) {
            long h = Hashing.hash(rnd.nextLong(), 1);
            if (cm.index(h, 0) == cm.index(victim, 0)) {
                inRow0++;
                for (int r = 1; r < 4; r++) {
                    if (cm.index(h, r) == cm.index(victim, r)) {
                        alsoIn[r]++;
                    }
                }
            }
        }
        // about 6,250 share row 0; of those about 98 (1 in 64) share each other row
        assertTrue(inRow0 > 5_000, "row 0: " + inRow0);
        for (int r = 1; r < 4; r++) {
            assertTrue(alsoIn[r] < 3 * inRow0 / 64, "row " + r + ": " + alsoIn[r] + " of " + inRow0);
        }
    }

}
