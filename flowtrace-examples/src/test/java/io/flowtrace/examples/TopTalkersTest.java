package io.flowtrace.examples;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The --top-talkers report keeps at most its bound of addresses and says what it left out. */
class TopTalkersTest {
    /** A flow from 10.0.0.{src} to 10.0.0.{dst} with the given bytes each way. */
    private static FlowEvent flow(int src, int dst, long forward, long reverse) {
        FlowKey k = FlowKey.ipv4(0x0A000000 | src, 0x0A000000 | dst, 1000, 80, 6);
        return new FlowEvent(FlowEvent.flowIdOf(k, 1), k, 1, 2, 1, 1, forward, reverse, forward, reverse, 0, 0,
                EndReason.TCP_FIN, null, null, Direction.UNKNOWN);
    }

    private static List<String> print(RunReport.TopTalkers t, int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        t.print(n, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void addressesPastTheBoundAreCountedNotRanked() {
        RunReport.TopTalkers t = new RunReport.TopTalkers(3);
        t.add(flow(1, 2, 1000, 500)); // tracks .1 and .2
        t.add(flow(1, 3, 100, 50));   // tracks .3
        t.add(flow(4, 5, 7000, 0));   // .4 and .5 come past the bound: 7000 bytes each, not ranked
        t.add(flow(2, 4, 10, 20));    // .2 counted, .4 not: 30 more
        List<String> out = print(t, 10);
        assertEquals(2 + 3 + 1, out.size(), String.join("\n", out));
        assertTrue(out.get(2).contains("10.0.0.1") && out.get(2).contains("1,100"), out.get(2));
        assertTrue(out.get(3).contains("10.0.0.2") && out.get(3).contains("1,020"), out.get(3));
        assertTrue(out.get(4).contains("10.0.0.3"), out.get(4));
        assertTrue(out.get(5).contains("only the first 3 addresses are ranked: 14,030 bytes"), out.get(5));
    }

    @Test
    void underTheBoundNothingIsSaidAboutIt() {
        RunReport.TopTalkers t = new RunReport.TopTalkers(3);
        t.add(flow(1, 2, 1000, 500));
        assertEquals(4, print(t, 10).size());
    }
}
