package io.flowtrace.alert;

import io.flowtrace.alert.spi.AlertAnalyzer;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The alerter's contract, driven check by check with snapshots whose values are chosen by the test. */
class AlerterTest {
    private static final long T0 = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
    private static final long MINUTE = 60_000_000_000L;
    private static final Map<String, Object> A = Map.of("src_ip", "10.0.0.1");
    private static final Map<String, Object> B = Map.of("src_ip", "10.0.0.2");

    /** Records what it is given. */
    private static final class Recorder implements Notifier {
        final List<Alert> alerts = new CopyOnWriteArrayList<>();

        @Override
        public String describe() {
            return "recorder";
        }

        @Override
        public void deliver(List<Alert> batch) {
            alerts.addAll(batch);
        }

        @Override
        public void close() {
        }

        List<String> lines() {
            List<String> out = new ArrayList<>();
            for (Alert a : alerts) {
                out.add(a.state() + " " + a.key().get("src_ip") + " " + (long) a.value() + " @"
                        + (a.windowEndNanos() - T0) / MINUTE);
            }
            return out;
        }
    }

    private static Snapshot hh(long minute, Map<Map<String, Object>, Long> rows) {
        List<Snapshot.Row> r = new ArrayList<>();
        long total = 0;
        for (Map.Entry<Map<String, Object>, Long> e : rows.entrySet()) {
            r.add(new Snapshot.Row(e.getKey(), e.getValue(), e.getValue(), e.getValue() + 5));
            total += e.getValue();
        }
        r.sort((x, y) -> Long.compare(y.value(), x.value()));
        return new Snapshot("hh", "count-min", "packets", T0, T0 + minute * MINUTE, r,
                Map.of("total_packets", total, "total_bytes", total * 100, "total_flows", 3L));
    }

    private static Alerter.Builder hhAlerter(Recorder r) {
        return Alerter.builder().task("count-min", Map.of("name", "hh", "key", "src_ip", "threshold", "10"))
                .checkInterval(Duration.ofMinutes(1)).cooldown(Duration.ofMinutes(10)).notifier(r);
    }

    @Test
    void aStandingConditionFiresOnceThenAfterTheCooldownAndResolvesWhenItClears() {
        Recorder r = new Recorder();
        Alerter a = hhAlerter(r).rule(AlertRule.of("big", "hh", "heavy_hitter_count", ">", "100")).build();
        long[] values = {50, 150, 200, 200, 50, 300, 50, 20, 20, 20, 20, 20, 400, 400};
        for (int m = 0; m < values.length; m++) {
            a.accept(hh(m + 1, Map.of(A, values[m], B, 20L)));
        }
        a.close();
        // fired at 2; suppressed at 3, 4; resolved at 5; true again at 6 within the cooldown of the fire at 2:
        // suppressed, and its clearing at 7 is not noticed (nothing was); at 13 the cooldown has passed: fired
        assertEquals(List.of("FIRED 10.0.0.1 150 @2", "RESOLVED 10.0.0.1 50 @5", "FIRED 10.0.0.1 400 @13"),
                r.lines());
        Alerter.Stats s = a.stats();
        assertEquals(14, s.checks());
        assertEquals(2, s.fired());
        assertEquals(1, s.resolved());
        assertEquals(4, s.suppressed()); // 3, 4, 6, 14
        assertEquals(3, s.notified());
        assertEquals(0, s.failed());
        assertEquals(r.alerts.get(0).id(), r.alerts.get(1).id(), "a resolved notice carries its alert's id");
        assertEquals(r.alerts.get(0).id(), r.alerts.get(2).id(), "the id is the (rule, key)'s");
        assertEquals(Alerter.id("big", A), r.alerts.get(0).id());
        assertTrue(r.alerts.get(0).explanation().startsWith("src_ip=10.0.0.1: heavy_hitter_count 150 > 100"),
                r.alerts.get(0).explanation());
    }

    @Test
    void aStandingConditionIsNoticedAgainEveryCooldownAndEachKeyOnItsOwn() {
        Recorder r = new Recorder();
        Alerter a = Alerter.builder().task("count-min", Map.of("name", "hh", "key", "src_ip"))
                .checkInterval(Duration.ofMinutes(1)).cooldown(Duration.ofMinutes(3)).notifier(r)
                .rule(AlertRule.of("big", "hh", "heavy_hitter_count", ">=", "100")).build();
        for (int m = 1; m <= 7; m++) {
            a.accept(hh(m, Map.of(A, 100L, B, m >= 3 ? 500L : 1L)));
        }
        a.close();
        assertEquals(List.of("FIRED 10.0.0.1 100 @1", "FIRED 10.0.0.2 500 @3", "FIRED 10.0.0.1 100 @4",
                "FIRED 10.0.0.2 500 @6", "FIRED 10.0.0.1 100 @7"), r.lines());
    }

    @Test
    void aWindowRuleComparesTheChangeSinceThePreviousCheckAndStartsAgainAfterAReset() {
        Recorder r = new Recorder();
        Alerter a = Alerter.builder().task("exact", Map.of("name", "per_five_tuple", "key", "five_tuple"))
                .cooldown(Duration.ZERO).notifier(r)
                .rule(AlertRule.of("spike", "per_five_tuple", "total_bytes", ">", "1000").withWindow(true)).build();
        long[] cumulative = {500, 1600, 2000, 3500};
        for (int m = 0; m < cumulative.length; m++) {
            a.accept(new Snapshot("per_five_tuple", "exact", "packets", T0, T0 + (m + 1) * MINUTE, List.of(),
                    Map.of("total_packets", 1L, "total_bytes", cumulative[m], "total_flows", 0L)));
        }
        // the period reset the state: its first check compares its total since the reset
        a.accept(new Snapshot("per_five_tuple", "exact", "packets", T0 + 4 * MINUTE, T0 + 5 * MINUTE, List.of(),
                Map.of("total_packets", 1L, "total_bytes", 1200L, "total_flows", 0L)));
        a.close();
        List<String> lines = new ArrayList<>();
        for (Alert x : r.alerts) {
            lines.add(x.state() + " " + (long) x.value() + " " + (x.windowStartNanos() - T0) / MINUTE + "-"
                    + (x.windowEndNanos() - T0) / MINUTE);
        }
        // after the reset the window starts at the reset: 1200 > 1000 holds again, and a cooldown of 0 notices it
        assertEquals(List.of("FIRED 1100 1-2", "RESOLVED 400 2-3", "FIRED 1500 3-4", "FIRED 1200 4-5"), lines);
    }

    @Test
    void aCheckWaitsForEveryTaskAndTotalFlowsCountsDistinctKeysApartFromFinishedFlows() {
        Recorder r = new Recorder();
        Alerter a = Alerter.builder().task("exact", Map.of("name", "per_src", "key", "src_ip"))
                .task("count-min", Map.of("name", "hh", "key", "src_ip")).notifier(r)
                .rule(AlertRule.of("keys", "per_src", "total_flows", "=", "3"))
                .rule(AlertRule.of("done", "per_src", "finished_flows", ">", "6")).build();
        List<Snapshot.Row> rows = List.of(Snapshot.Row.exact(A, 5), Snapshot.Row.exact(B, 4),
                Snapshot.Row.exact(Map.of("src_ip", "10.0.0.3"), 1));
        a.accept(new Snapshot("per_src", "exact", "packets", T0, T0 + MINUTE, rows,
                Map.of("total_packets", 10L, "total_bytes", 1000L, "total_flows", 7L)));
        assertEquals(0, a.stats().checks(), "the count-min task's snapshot of the check is still to come");
        a.accept(hh(1, Map.of(A, 5L)));
        assertEquals(1, a.stats().checks());
        a.close();
        assertEquals(2, r.alerts.size());
        assertEquals(3.0, r.alerts.get(0).value());
        assertEquals("total_flows", r.alerts.get(0).metric());
        assertEquals(Map.of(), r.alerts.get(0).key());
        assertEquals(7.0, r.alerts.get(1).value());
    }

    @Test
    void rulesThatCannotWorkAreRefusedNamingTheirField() {
        Alerter.Builder b = Alerter.builder().task("count-min", Map.of("name", "hh", "key", "src_ip",
                "threshold", "100")).task("exact", Map.of("name", "ex", "key", "src_ip"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AlertRule.of("x", "hh", "bytes", ">", "1"))
                .getMessage().startsWith("metric: 'bytes' (expected: total_packets"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AlertRule.of("x", "hh", "total_bytes", "=>",
                "1")).getMessage().startsWith("operator: '=>'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AlertRule.of("x", "hh", "total_bytes", ">",
                "lots")).getMessage().startsWith("threshold: 'lots'"));
        assertEquals("task_name: 'nope': no such task (tasks: hh, ex)", assertThrows(IllegalArgumentException.class,
                () -> b.rule(AlertRule.of("x", "nope", "total_bytes", ">", "1"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.rule(AlertRule.of("x", "ex",
                "heavy_hitter_count", ">", "1"))).getMessage().startsWith("metric: 'heavy_hitter_count' needs a "
                + "Count-Min task by packets"));
        for (String op : List.of("<", "<=", "=")) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> b.rule(AlertRule.of("x", "hh",
                    "heavy_hitter_count", op, "99"))).getMessage().contains("can never fire"), op);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.rule(AlertRule.of("x", "hh",
                "heavy_hitter_count", "<", "100"))).getMessage().contains("can never fire"));
        b.rule(AlertRule.of("ok", "hh", "heavy_hitter_count", "<=", "100")); // a key at 100 is reported
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.rule(AlertRule.of("ok", "hh",
                "total_packets", ">", "1"))).getMessage().startsWith("name: 'ok' names two rules"));
    }

    @Test
    void aRuleBelowTheReportingThresholdWarnsThatItFiresForEveryReportedKey() {
        List<String> warnings = new ArrayList<>();
        Alerter.builder().onWarning(warnings::add).task("super-spread", Map.of("name", "ss", "key", "src_ip",
                "element", "dst_ip", "threshold", "50"))
                .rule(AlertRule.of("wide", "ss", "super_spreader_spread", ">", "10"));
        assertEquals(List.of("threshold: 10 (rule 'wide') is below the reporting threshold of task 'ss' (50): the "
                + "rule fires for every key the task reports"), warnings);
    }

    /** A notifier that waits for {@code release}, then refuses. */
    private static Notifier stuck(CountDownLatch release) {
        return new Notifier() {
            @Override
            public String describe() {
                return "stuck";
            }

            @Override
            public void deliver(List<Alert> alerts) throws NotifierException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new NotifierException("refused");
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aFailingOrSlowNotifierIsCountedAndNeverHoldsUpChecks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder r = new Recorder();
        Alerter a = Alerter.builder().task("count-min", Map.of("name", "hh", "key", "src_ip"))
                .cooldown(Duration.ZERO).closeTimeout(Duration.ofSeconds(5)).notifier(stuck(release))
                .notifier(r).rule(AlertRule.of("big", "hh", "heavy_hitter_count", ">", "1")).build();
        long start = System.nanoTime();
        for (int m = 1; m <= 20; m++) {
            a.accept(hh(m, Map.of(A, 5L)));
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "checks never wait for a notifier");
        assertEquals(20, a.stats().checks());
        release.countDown();
        a.close();
        Alerter.Stats s = a.stats();
        assertEquals(20, s.fired());
        assertEquals(20, r.alerts.size(), "the other notifier got every alert");
        assertEquals(20, s.notified());
        assertEquals(20, s.failed(), "every alert the stuck notifier refused");

        CountDownLatch later = new CountDownLatch(1);
        Alerter small = Alerter.builder().task("count-min", Map.of("name", "hh", "key", "src_ip"))
                .cooldown(Duration.ZERO).queueCapacity(1).closeTimeout(Duration.ofSeconds(5)).notifier(stuck(later))
                .rule(AlertRule.of("big", "hh", "heavy_hitter_count", ">", "1")).build();
        for (int m = 1; m <= 20; m++) {
            small.accept(hh(m, Map.of(A, 5L)));
        }
        later.countDown();
        small.close();
        assertEquals(20, small.stats().fired());
        assertEquals(20, small.stats().failed(), "refused, or found no room in a queue: each counted once");
        assertEquals(0, small.stats().notified());
    }

    @Test
    void aModelThatFailsLeavesTheBuiltInExplanationAndSaysSo() {
        Recorder r = new Recorder();
        AlertAnalyzer down = new AlertAnalyzer() {
            @Override
            public String describe() {
                return "model http://127.0.0.1:9/v1";
            }

            @Override
            public String analyze(Alert alert, List<Snapshot> evidence) throws Exception {
                if (alert.key().equals(A)) {
                    throw new java.net.ConnectException("Connection refused");
                }
                return "  B looks fine: " + evidence.size() + " snapshot(s)  ";
            }
        };
        Alerter a = hhAlerter(r).analyzer(down).rule(AlertRule.of("big", "hh", "heavy_hitter_count", ">", "100"))
                .build();
        a.accept(hh(1, Map.of(A, 500L, B, 600L)));
        a.close();
        Alert b = r.alerts.get(0);
        assertEquals(B, b.key());
        assertEquals("B looks fine: 1 snapshot(s)", b.analysis());
        Alert x = r.alerts.get(1);
        assertNull(x.analysis());
        assertTrue(x.explanation().endsWith("(Model analysis by model http://127.0.0.1:9/v1 failed: Connection "
                + "refused.)"), x.explanation());
        assertEquals(1, a.stats().analysisFailed());
    }

    @Test
    void theJsonFormIsAnEventLineAndReadsBack() {
        Alert a = new Alert("0123456789abcdef", "scan", "ss", Map.of("src_ip", "10.0.0.1"), "super_spreader_spread",
                512, 100, T0, T0 + 30_000_000_000L + 5, Alert.State.FIRED, "why", null);
        String json = a.toJson();
        assertTrue(json.startsWith("{\"event\":\"alert\",\"id\":\"0123456789abcdef\",\"rule\":\"scan\",\"task\":"
                + "\"ss\",\"key\":{\"src_ip\":\"10.0.0.1\"},\"metric\":\"super_spreader_spread\",\"value\":512,"
                + "\"threshold\":100,\"window_start\":\"2026-01-01T00:00:00.000000000Z\",\"window_end\":"
                + "\"2026-01-01T00:00:30.000000005Z\",\"state\":\"fired\",\"explanation\":\"why\"}"), json);
        assertEquals(a, Alert.fromJson(json));
        Alert withModel = a.withAnalysis("text");
        assertEquals(withModel, Alert.fromJson(withModel.toJson()));
    }
}
