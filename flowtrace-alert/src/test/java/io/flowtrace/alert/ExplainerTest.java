package io.flowtrace.alert;

import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in explanation names the pattern the conversations of the alert's key show, counted from rows the test
 * makes (a five-tuple task with each key's packets and bytes), and says the same for the same evidence.
 */
class ExplainerTest {
    private static final long T0 = 1_767_225_600_000_000_000L;

    /** Rows of a five-tuple exact task, as the engine's per_five_tuple gives them. */
    private static final class Rows {
        final List<Snapshot.Row> rows = new ArrayList<>();
        long packets;
        long bytes;

        Rows add(String src, String dst, int sport, int dport, String proto, long p, long b) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("src_ip", src);
            k.put("dst_ip", dst);
            k.put("src_port", sport);
            k.put("dst_port", dport);
            k.put("protocol", proto);
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("packets", p);
            counts.put("bytes", b);
            rows.add(new Snapshot.Row(k, p, p, p, counts));
            packets += p;
            bytes += b;
            return this;
        }

        Snapshot snapshot() {
            return new Snapshot("per_five_tuple", "exact", "packets", T0, T0 + 60_000_000_000L, rows,
                    Map.of("total_packets", packets, "total_bytes", bytes, "total_flows", 0L));
        }
    }

    private static String explain(Rows r, Map<String, Object> key) {
        AlertRule rule = AlertRule.of("r", "hh", "heavy_hitter_count", ">", "1");
        Alert a = new Alert("x", "r", "hh", key, "heavy_hitter_count", 100, 1, T0, T0 + 1, Alert.State.FIRED, "-",
                null);
        String first = new Explainer(List.of(r.snapshot())).explain(a, rule);
        assertEquals(first, new Explainer(List.of(r.snapshot())).explain(a, rule), "deterministic");
        return first;
    }

    private static Rows background() {
        Rows r = new Rows();
        for (int i = 1; i <= 20; i++) {
            r.add("10.3.0." + i, "192.168.9.1", 30000 + i, 80, "TCP", 10, 2000);
            r.add("192.168.9.1", "10.3.0." + i, 80, 30000 + i, "TCP", 10, 8000);
        }
        return r;
    }

    @Test
    void manyPortsOnOneHostIsAPortScan() {
        Rows r = background();
        for (int p = 1; p <= 50; p++) {
            r.add("10.6.0.1", "192.168.1.10", 40000, p, "TCP", 1, 60);
        }
        r.add("192.168.1.10", "10.6.0.1", 22, 40000, "TCP", 1, 60); // port 22 answered
        String e = explain(r, Map.of("src_ip", "10.6.0.1"));
        assertTrue(e.contains("Likely pattern: port scan (50 ports on 1 host)"), e);
        assertTrue(e.contains("50 conversations to 1 destination host on 50 destination ports, 49 with no "
                + "packet back"), e);
    }

    @Test
    void onePortOnManyHostsIsAHostSweep() {
        Rows r = background();
        for (int h = 1; h <= 40; h++) {
            r.add("10.7.0.1", "192.168.2." + h, 41000, 445, "TCP", 2, 120);
        }
        String e = explain(r, Map.of("src_ip", "10.7.0.1"));
        assertTrue(e.contains("Likely pattern: host sweep (40 hosts on 1 port)"), e);
        assertTrue(e.contains("80 packets"), e);
    }

    @Test
    void manyUnansweredSmallConnectionsToOneServiceIsASynFlood() {
        Rows r = background();
        for (int s = 0; s < 200; s++) {
            r.add("10.8.0.1", "192.168.3.3", 1024 + s, 443, "TCP", 1, 60);
        }
        String e = explain(r, Map.of("src_ip", "10.8.0.1"));
        assertTrue(e.contains("Likely pattern: SYN flood (200 connection attempts to 1 host, 100.0% unanswered)"),
                e);
        assertTrue(e.contains("SYN cookies"), e);
    }

    @Test
    void largeRepliesFromAUdpServicePortIsAmplification() {
        Rows r = background();
        for (int v = 1; v <= 30; v++) {
            r.add("10.9.0.53", "203.0.113." + v, 53, 5000 + v, "UDP", 10, 30000);
        }
        String e = explain(r, Map.of("src_ip", "10.9.0.53"));
        assertTrue(e.contains("Likely pattern: amplification (large UDP replies from service port 53)"), e);
    }

    @Test
    void mostOfTheTrafficFromOneConversationIsAVolumetricSource() {
        Rows r = background();
        r.add("10.10.0.1", "192.168.5.5", 50000, 443, "TCP", 3000, 4_200_000);
        r.add("192.168.5.5", "10.10.0.1", 443, 50000, "TCP", 1000, 60_000);
        String e = explain(r, Map.of("src_ip", "10.10.0.1"));
        String share = String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * 4_200_000 / r.bytes);
        assertTrue(e.contains("Likely pattern: volumetric source (" + share + " of the task's traffic)"), e);
        assertTrue(e.contains("top peers: 192.168.5.5 (3,000 packets)"), e);
    }

    @Test
    void aTaskTotalIsExplainedWithoutAPattern() {
        AlertRule rule = AlertRule.of("t", "per_five_tuple", "total_bytes", ">", "1000");
        Alert a = new Alert("x", "t", "per_five_tuple", Map.of(), "total_bytes", 5000, 1000, T0, T0 + 1,
                Alert.State.FIRED, "-", null);
        String e = new Explainer(List.of(background().snapshot())).explain(a, rule);
        assertTrue(e.startsWith("task per_five_tuple: total_bytes 5,000 > 1,000 (rule t)."), e);
        assertTrue(e.contains("No single source pattern"), e);
    }
}
