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
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summaries' numbers read the same whatever the locale, and as the formatter writes them in the root locale. */
class TextTest {
    @Test
    void groupedIsTheFormattersThousandsInTheRootLocale() {
        long[] edges = {0, 1, -1, 9, 99, 999, 1_000, -1_000, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000,
                -1_234_567, 12_345_678_901L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        for (long v : edges) {
            assertEquals(String.format(Locale.ROOT, "%,d", v), Text.grouped(v), "value " + v);
        }
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >> r.nextInt(64); // every length of number, both signs
            assertEquals(String.format(Locale.ROOT, "%,d", v), Text.grouped(v), "value " + v);
        }
    }

    @Test
    void fixedIsTheFormattersDecimalsInTheRootLocale() {
        double[] edges = {0, -0.0, 0.5, 1.5, 2.5, 0.0005, 0.0015, 1.0005, 999.9995, 0.125, 1e-10, -1e-10, 123456789.987654,
                1e20, 3.0e-5, Double.MIN_VALUE, Double.MAX_VALUE, 0.1 + 0.2};
        for (int d = 0; d <= 3; d++) {
            for (double v : edges) {
                assertEquals(String.format(Locale.ROOT, "%." + d + "f", v), Text.fixed(v, d), "value " + v + ", " + d);
            }
        }
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            double v = r.nextDouble() * Math.pow(10, r.nextInt(-4, 10)) * (r.nextBoolean() ? 1 : -1);
            int d = r.nextInt(4);
            assertEquals(String.format(Locale.ROOT, "%." + d + "f", v), Text.fixed(v, d), "value " + v + ", " + d);
        }
        assertEquals("NaN", Text.fixed(Double.NaN, 3));
        assertEquals("Infinity", Text.fixed(Double.POSITIVE_INFINITY, 3));
    }

    @Test
    void paddingAlignsLikeTheFormatter() {
        assertEquals(String.format("%7s|%-7s|", "ab", "ab"), Text.right("ab", 7) + "|" + Text.left("ab", 7) + "|");
        assertEquals("toolong", Text.right("toolong", 3));
        assertEquals("toolong", Text.left("toolong", 3));
    }

    @Test
    void theTopTalkersTableReadsTheSameInAGermanLocale() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try {
            RunReport.TopTalkers t = new RunReport.TopTalkers();
            FlowKey k = FlowKey.ipv4(0x0A000001, 0x0A000002, 1000, 80, 6);
            t.add(new FlowEvent(FlowEvent.flowIdOf(k, 1), k, 1, 2, 1_000, 1_000, 1_234_567, 7_654_321, 1_234_000,
                    7_654_000, 0, 0, EndReason.TCP_FIN, null, null, Direction.UNKNOWN));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            t.print(10, new PrintStream(b, true, StandardCharsets.UTF_8));
            List<String> out = b.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals("  rank  address                                     bytes sent     bytes recv    packets   "
                    + "flows", out.get(1));
            // the row the formatter writes in the root locale, column for column
            assertEquals(String.format(Locale.ROOT, "  %4d  %-39s %,14d %,14d %,10d %,7d", 1, "10.0.0.1", 1_234_567L,
                    7_654_321L, 2_000L, 1L), out.get(2));
            assertTrue(out.get(3).contains("1,234,567"), out.get(3));
            assertEquals("12.35 M", RunReport.rate(12_345_678, 1.0));
            assertEquals("1.5 k", RunReport.rate(1_500, 1.0));
            assertEquals("999", RunReport.rate(999, 1.0));
        } finally {
            Locale.setDefault(before);
        }
    }
}
