package io.flowtrace.alert;

import io.flowtrace.alert.spi.AlertAnalyzer;
import io.flowtrace.alert.spi.AlertAnalyzerProvider;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Turns snapshots into alerts: every check (one snapshot of every task at the same window end, as
 * {@link FlowTrace.Builder#onSnapshot(Duration, Consumer)} delivers them every {@link #checkInterval()} of packet
 * time, which is wall time for a live source) compares each rule's metric with its threshold, per key for heavy
 * hitters and spreaders. A condition that becomes true fires once per (rule, key); while it stays true it is noticed
 * again only after the rule's cooldown (the checks in between count as suppressed); when it stops being true a
 * {@code resolved} notice with the same id follows. Cooldowns count in the checks' time (packet time), so a capture
 * gives the same alerts however fast it is read.
 *
 * <p>Every fired alert carries the built-in explanation (no network: see {@link Alert#explanation()}); with an
 * {@link AlertAnalyzer} (a model) its text is added as {@link Alert#analysis()}, and when the analyzer fails the
 * alert goes out without it and says so. Alerts are delivered to every {@link Notifier} on threads of the alerter's
 * own, each notifier behind a bounded queue: a slow or failing notifier delays or fails only itself, never metering;
 * what a full queue or a notifier's failure loses is counted ({@link #stats()}).
 *
 * <pre>{@code
 * Alerter alerter = Alerter.builder()
 *         .task("count-min", Map.of("name", "hh", "key", "src_ip", "threshold", "1000"))
 *         .rule(AlertRule.of("big_source", "hh", "heavy_hitter_count", ">", "100000"))
 *         .checkInterval(Duration.ofSeconds(30))
 *         .cooldown(Duration.ofMinutes(30))
 *         .notifier("webhook", Map.of("url", "https://alerts.example/hook"))
 *         .build();
 * FlowTrace meter = alerter.attachTo(FlowTrace.builder().aggregator("count-min", hhSettings)...).build();
 * meter.run();
 * alerter.close(); // evaluates the last check and delivers what is queued
 * }</pre>
 *
 * Thread-safe: {@link #accept} may be called from any thread.
 *
 * @since 0.1
 */
public final class Alerter implements AutoCloseable {
    /** Made at the first message. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Alerter.class);
    }

    /** Checks waiting for their last task's snapshot before the oldest is evaluated with what it has. */
    private static final int MAX_PENDING_CHECKS = 8;

    /**
     * What an alerter has done so far.
     *
     * @param checks         checks evaluated
     * @param fired          fired notices made (first notices and notices after a cooldown)
     * @param suppressed     (rule, key) conditions found true again within their cooldown, not noticed
     * @param resolved       resolved notices made
     * @param notified       notices delivered, counted once per notifier
     * @param failed         notices a notifier could not deliver or that found its queue full, once per notifier
     * @param analysisFailed fired alerts whose model analysis failed (they went out with the built-in explanation)
     * @param untracked      (rule, key) conditions not followed because the alerter's bound on keys was reached
     */
    public record Stats(long checks, long fired, long suppressed, long resolved, long notified, long failed,
                        long analysisFailed, long untracked) {
    }

    private final List<AlertRule> rules;
    private final Map<String, TaskPart> partOfRule; // by rule name
    private final Set<String> expectedTasks;
    private final Duration checkInterval;
    private final Duration defaultCooldown;
    private final int maxKeys;
    private final Delivery delivery;

    private final TreeMap<Long, Map<String, Snapshot>> pending = new TreeMap<>();
    private final Map<String, RuleState> states = new HashMap<>();
    private long lastEnd = Long.MIN_VALUE;
    private int tracked;
    private boolean closed;
    private long checks;
    private long fired;
    private long suppressed;
    private long resolved;
    private long untracked;

    private Alerter(Builder b) {
        this.rules = List.copyOf(b.rules);
        this.partOfRule = Map.copyOf(b.partOfRule);
        Set<String> expected = new LinkedHashSet<>();
        for (List<TaskPart> ps : b.tasks.values()) {
            for (TaskPart p : ps) {
                expected.add(p.aggregatorTask());
            }
        }
        this.expectedTasks = Collections.unmodifiableSet(expected);
        this.checkInterval = b.checkInterval;
        this.defaultCooldown = b.cooldown;
        this.maxKeys = b.maxKeys;
        for (AlertRule r : rules) {
            states.put(r.name(), new RuleState());
        }
        this.delivery = new Delivery(List.copyOf(b.notifiers), b.analyzer, b.queueCapacity, b.closeTimeout);
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the interval between checks (packet time; wall time for a live source)} */
    public Duration checkInterval() {
        return checkInterval;
    }

    /** {@return the rules, in order} */
    public List<AlertRule> rules() {
        return rules;
    }

    /**
     * {@return the rule's cooldown: its own, else the alerter's default}
     *
     * @param rule one of {@link #rules()}
     */
    public Duration cooldown(AlertRule rule) {
        return rule.cooldown() != null ? rule.cooldown() : defaultCooldown;
    }

    /** {@return what the notifiers are, for messages (no secrets)} */
    public List<String> notifiers() {
        return delivery.describe();
    }

    /**
     * Has the alerter check on {@code b}'s snapshots: adds a snapshot schedule of {@link #checkInterval()} whose
     * listener is {@link #accept}.
     *
     * @param b the meter's builder
     * @return {@code b}
     */
    public FlowTrace.Builder attachTo(FlowTrace.Builder b) {
        return b.onSnapshot(checkInterval, this::accept);
    }

    /**
     * Takes one task's snapshot of a check. A check is evaluated when every task the alerter knows has handed in its
     * snapshot for that window end (or when a later check is complete, or at {@link #flush()}). Snapshots of tasks
     * the alerter was not told of serve only as evidence for explanations.
     *
     * @param s a snapshot of one task
     */
    public synchronized void accept(Snapshot s) {
        if (closed || s.endNanos() <= lastEnd) {
            return;
        }
        pending.computeIfAbsent(s.endNanos(), k -> new LinkedHashMap<>()).put(s.task(), s);
        Long done = null;
        for (Map.Entry<Long, Map<String, Snapshot>> e : pending.entrySet()) {
            if (e.getValue().keySet().containsAll(expectedTasks)) {
                done = e.getKey();
            }
        }
        while (!pending.isEmpty() && (done != null && pending.firstKey() <= done
                || pending.size() > MAX_PENDING_CHECKS)) {
            Map.Entry<Long, Map<String, Snapshot>> first = pending.pollFirstEntry();
            evaluate(first.getKey(), first.getValue());
        }
    }

    /** Evaluates every check still waiting for snapshots, with what it has. */
    public synchronized void flush() {
        while (!pending.isEmpty()) {
            Map.Entry<Long, Map<String, Snapshot>> first = pending.pollFirstEntry();
            evaluate(first.getKey(), first.getValue());
        }
    }

    /** {@return the counters so far} */
    public Stats stats() {
        long c;
        long f;
        long s;
        long r;
        long u;
        synchronized (this) {
            c = checks;
            f = fired;
            s = suppressed;
            r = resolved;
            u = untracked;
        }
        return new Stats(c, f, s, r, delivery.notified(), delivery.failed(), delivery.analysisFailed(), u);
    }

    /**
     * Evaluates what is pending ({@link #flush()}), delivers what is queued (waiting at most the close timeout) and
     * closes the notifiers and the analyzer. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            flush();
            closed = true;
        }
        delivery.close();
    }

    // ---- evaluation (under the lock) ----

    private void evaluate(long end, Map<String, Snapshot> check) {
        lastEnd = Math.max(lastEnd, end);
        checks++;
        List<Snapshot> evidence = List.copyOf(check.values());
        Explainer explainer = new Explainer(evidence);
        List<Alert> out = new ArrayList<>();
        for (AlertRule rule : rules) {
            TaskPart part = partOfRule.get(rule.name());
            Snapshot s = check.get(part.aggregatorTask());
            if (s == null) {
                continue; // this task had no snapshot at this check: nothing to compare, nothing resolved
            }
            RuleState st = states.get(rule.name());
            Map<Map<String, Object>, Double> values = values(rule, part, s);
            long windowStart = s.startNanos();
            Map<Map<String, Object>, Double> compared = values;
            if (rule.window()) {
                if (st.start == s.startNanos() && st.previous != null) {
                    windowStart = Math.max(s.startNanos(), st.previousEnd);
                    compared = new LinkedHashMap<>();
                    for (Map.Entry<Map<String, Object>, Double> e : values.entrySet()) {
                        compared.put(e.getKey(), e.getValue() - st.previous.getOrDefault(e.getKey(), 0.0));
                    }
                }
                st.previous = values;
                st.previousEnd = end;
                st.start = s.startNanos();
            }
            long cooldown = cooldown(rule).toNanos();
            Set<Map<String, Object>> holding = new HashSet<>();
            for (Map.Entry<Map<String, Object>, Double> e : compared.entrySet()) {
                double v = e.getValue();
                if (!rule.operator().test(v, rule.threshold())) {
                    continue;
                }
                Map<String, Object> key = e.getKey();
                KeyState ks = st.keys.get(key);
                if (ks == null) {
                    if (tracked >= maxKeys) {
                        untracked++;
                        continue;
                    }
                    ks = new KeyState(id(rule.name(), key));
                    st.keys.put(key, ks);
                    tracked++;
                }
                holding.add(key);
                boolean due = ks.lastFired == Long.MIN_VALUE || end - ks.lastFired >= cooldown;
                ks.active = true;
                if (due) {
                    Alert a = new Alert(ks.id, rule.name(), rule.task(), key, rule.metric().configName(), v,
                            rule.threshold(), windowStart, end, Alert.State.FIRED, "-", null);
                    out.add(a.withExplanation(explainer.explain(a, rule)));
                    ks.lastFired = end;
                    ks.noticed = true;
                    fired++;
                } else {
                    suppressed++;
                }
            }
            for (java.util.Iterator<Map.Entry<Map<String, Object>, KeyState>> it = st.keys.entrySet().iterator();
                 it.hasNext(); ) {
                Map.Entry<Map<String, Object>, KeyState> e = it.next();
                KeyState ks = e.getValue();
                if (ks.active && !holding.contains(e.getKey())) {
                    ks.active = false;
                    if (ks.noticed) {
                        Double now = compared.get(e.getKey());
                        String how = now == null ? "the key is no longer reported by task " + rule.task()
                                : rule.metric() + " is " + Explainer.number(now) + ", no longer "
                                + rule.operator().symbol() + " " + Explainer.number(rule.threshold());
                        out.add(new Alert(ks.id, rule.name(), rule.task(), e.getKey(), rule.metric().configName(),
                                now == null ? 0 : now, rule.threshold(), windowStart, end, Alert.State.RESOLVED,
                                "Resolved: " + how + ".", null));
                        resolved++;
                        ks.noticed = false;
                    }
                }
                if (!ks.active && (ks.lastFired == Long.MIN_VALUE || end - ks.lastFired >= cooldown)) {
                    it.remove();
                    tracked--;
                }
            }
        }
        if (!out.isEmpty()) {
            delivery.submit(out, evidence);
        }
    }

    /** The values a rule compares: one per key for keyed metrics, one under the empty key for task totals. */
    private static Map<Map<String, Object>, Double> values(AlertRule rule, TaskPart part, Snapshot s) {
        Map<Map<String, Object>, Double> out = new LinkedHashMap<>();
        switch (rule.metric()) {
            case TOTAL_PACKETS:
                out.put(Map.of(), (double) s.totals().getOrDefault("total_packets", 0L));
                break;
            case TOTAL_BYTES:
                out.put(Map.of(), (double) s.totals().getOrDefault("total_bytes", 0L));
                break;
            case FINISHED_FLOWS:
                out.put(Map.of(), (double) s.totals().getOrDefault("total_flows", 0L));
                break;
            case TOTAL_FLOWS:
                out.put(Map.of(), (double) s.rows().size());
                break;
            default:
                for (Snapshot.Row r : s.rows()) {
                    out.put(r.key(), (double) r.value());
                }
        }
        return out;
    }

    /** A stable id of (rule, key): the same in every check and every run. */
    static String id(String rule, Map<String, Object> key) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(rule.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(Explainer.keyText(key).getBytes(StandardCharsets.UTF_8));
            byte[] h = d.digest();
            StringBuilder sb = new StringBuilder(16);
            for (int i = 0; i < 8; i++) {
                sb.append(String.format("%02x", h[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e); // every JVM has SHA-256
        }
    }

    private static final class RuleState {
        final Map<Map<String, Object>, KeyState> keys = new HashMap<>();
        Map<Map<String, Object>, Double> previous;
        long previousEnd;
        long start = Long.MIN_VALUE;
    }

    private static final class KeyState {
        final String id;
        boolean active;
        boolean noticed;
        long lastFired = Long.MIN_VALUE;

        KeyState(String id) {
            this.id = id;
        }
    }

    /**
     * Builds an {@link Alerter}: declare the tasks first ({@link #task}), then the rules that read them (each is
     * checked against them when added). Each single setting can be set once. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, List<TaskPart>> tasks = new LinkedHashMap<>();
        private final List<AlertRule> rules = new ArrayList<>();
        private final Map<String, TaskPart> partOfRule = new HashMap<>();
        private final List<Notifier> notifiers = new ArrayList<>();
        private final Set<String> set = new HashSet<>();
        private AlertAnalyzer analyzer;
        private Duration checkInterval = Duration.ofSeconds(60);
        private Duration cooldown = Duration.ofMinutes(30);
        private int queueCapacity = 64;
        private int maxKeys = 100_000;
        private Duration closeTimeout = Duration.ofSeconds(30);
        private Consumer<String> warnings = w -> Log.LOG.warn(w);
        private ClassLoader loader;

        private Builder() {
        }

        private void once(String name) {
            if (!set.add(name)) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        /**
         * Where warnings about rules go (default: the log at WARN).
         *
         * @param w takes one line per warning
         * @return this builder
         */
        public Builder onWarning(Consumer<String> w) {
            once("onWarning");
            warnings = Objects.requireNonNull(w, "w");
            return this;
        }

        /**
         * The class loader notifier and analyzer providers are found with (default: this module's).
         *
         * @param l the loader
         * @return this builder
         */
        public Builder classLoader(ClassLoader l) {
            once("classLoader");
            loader = Objects.requireNonNull(l, "l");
            return this;
        }

        /**
         * Declares a task as it is given to {@link FlowTrace.Builder#aggregator(String, Map)}: rules name it by its
         * {@code name}.
         *
         * @param type     the aggregator type ({@code exact}, {@code count-min}, {@code super-spread}, ...)
         * @param settings its settings ({@code name}, {@code metric}, {@code threshold} are read)
         * @return this builder
         */
        public Builder task(String type, Map<String, ?> settings) {
            return task(null, type, settings);
        }

        /**
         * Declares an aggregator that answers for a task of the analysis engine: rules name it by
         * {@code engineTask}. A Count-Min task of the engine with both thresholds is two aggregators (by packets and
         * by bytes) of one engine task: declare both.
         *
         * @param engineTask the task name rules use, or {@code null} for the aggregator's {@code name}
         * @param type       the aggregator type
         * @param settings   its settings ({@code name}, {@code metric}, {@code threshold} are read)
         * @return this builder
         */
        public Builder task(String engineTask, String type, Map<String, ?> settings) {
            Objects.requireNonNull(type, "type");
            Object name = settings.get("name");
            if (name == null || String.valueOf(name).isBlank()) {
                throw new IllegalArgumentException("task: name: missing (expected: the aggregator's task name)");
            }
            String task = String.valueOf(name);
            String engine = engineTask == null ? task : engineTask;
            Object metric = settings.get("metric");
            String rowMetric = type.equals("super-spread") ? "spread"
                    : metric == null ? (type.equals("exact") || type.equals("count-min") ? "packets" : "")
                    : String.valueOf(metric);
            long from = 0;
            Object threshold = settings.get("threshold");
            if (threshold != null) {
                try {
                    from = Long.parseLong(String.valueOf(threshold).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("task '" + task + "': threshold: '" + threshold
                            + "' (expected: a whole number)");
                }
            } else if (type.equals("super-spread")) {
                from = 1;
            }
            for (List<TaskPart> ps : tasks.values()) {
                for (TaskPart p : ps) {
                    if (p.aggregatorTask().equals(task)) {
                        throw new IllegalArgumentException("task '" + task + "' declared twice");
                    }
                }
            }
            tasks.computeIfAbsent(engine, k -> new ArrayList<>()).add(new TaskPart(engine, task, type, rowMetric,
                    from));
            return this;
        }

        /**
         * Adds a rule, checked against the tasks declared so far. Refused ({@link IllegalArgumentException} whose
         * message begins with the rule's field: {@code task_name: ...}, {@code metric: ...}, {@code threshold: ...}):
         * an unknown task, a metric the task does not have, a name used twice, and a rule on a keyed metric that can
         * never fire because its operator looks below the task's reporting threshold ({@code <}, {@code <=},
         * {@code =} a value keys below it would have: those keys are not reported). A {@code >} or {@code >=} rule
         * whose threshold is below the reporting threshold is accepted with a warning: it fires for every key the
         * task reports.
         *
         * Warnings begin with the rule's field too ({@code threshold: ...}).
         *
         * @param rule the rule
         * @return this builder
         */
        public Builder rule(AlertRule rule) {
            Objects.requireNonNull(rule, "rule");
            for (AlertRule r : rules) {
                if (r.name().equals(rule.name())) {
                    throw new IllegalArgumentException("name: '" + rule.name() + "' names two rules");
                }
            }
            List<TaskPart> parts = tasks.get(rule.task());
            if (parts == null) {
                throw new IllegalArgumentException("task_name: '" + rule.task() + "': no such task (tasks: "
                        + String.join(", ", tasks.keySet()) + ")");
            }
            TaskPart part = null;
            for (TaskPart p : parts) {
                if (p.answers(rule.metric())) {
                    part = p;
                    break;
                }
            }
            if (part == null) {
                Set<String> has = new TreeSet<>();
                for (TaskPart p : parts) {
                    for (AlertRule.Metric m : AlertRule.Metric.values()) {
                        if (p.answers(m)) {
                            has.add(m.configName());
                        }
                    }
                }
                throw new IllegalArgumentException("metric: '" + rule.metric() + "' needs " + TaskPart.needs(
                        rule.metric()) + "; task '" + rule.task() + "' (" + parts.get(0).type() + ") has "
                        + String.join(", ", has));
            }
            if (rule.metric().keyed() && part.reportFrom() > 0) {
                double t = rule.threshold();
                long from = part.reportFrom();
                String op = rule.operator().symbol();
                boolean never = !rule.window() && (rule.operator() == AlertRule.Operator.LT && t <= from
                        || (rule.operator() == AlertRule.Operator.LE || rule.operator() == AlertRule.Operator.EQ)
                        && t < from);
                if (never) {
                    throw new IllegalArgumentException("threshold: " + Explainer.number(t) + " with operator '" + op
                            + "' can never fire: task '" + rule.task() + "' reports only keys with "
                            + rule.metric() + " >= " + from + " (its reporting threshold)");
                }
                if (!rule.window() && (rule.operator() == AlertRule.Operator.GT && t < from
                        || rule.operator() == AlertRule.Operator.GE && t <= from)) {
                    warnings.accept("threshold: " + Explainer.number(t) + " (rule '" + rule.name()
                            + "') is below the reporting threshold of task '" + rule.task() + "' (" + from
                            + "): the rule fires for every key the task reports");
                }
            }
            rules.add(rule);
            partOfRule.put(rule.name(), part);
            return this;
        }

        /**
         * Time between checks (default 60s): packet time, which is wall time for a live source.
         *
         * @param d the interval, &gt; 0
         * @return this builder
         */
        public Builder checkInterval(Duration d) {
            once("checkInterval");
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("check_interval: " + d + " (expected: > 0)");
            }
            checkInterval = d;
            return this;
        }

        /**
         * The cooldown of rules without one of their own (default 30m): the least time between two notices that a
         * (rule, key) condition holds; {@code 0} notices it at every check.
         *
         * @param d the cooldown, &gt;= 0
         * @return this builder
         */
        public Builder cooldown(Duration d) {
            once("cooldown");
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("cooldown: " + d + " (expected: >= 0)");
            }
            cooldown = d;
            return this;
        }

        /**
         * Checks whose alerts may wait for delivery per notifier (default 64); a check that finds the queue full is
         * counted as failed for that notifier.
         *
         * @param n the capacity, &gt;= 1
         * @return this builder
         */
        public Builder queueCapacity(int n) {
            once("queueCapacity");
            if (n < 1) {
                throw new IllegalArgumentException("queueCapacity: " + n + " (expected: >= 1)");
            }
            queueCapacity = n;
            return this;
        }

        /**
         * The most (rule, key) conditions followed at once (default 100,000); past it new keys are counted as
         * untracked, so that attacker-chosen keys cannot grow the alerter without bound.
         *
         * @param n the bound, &gt;= 1
         * @return this builder
         */
        public Builder maxKeys(int n) {
            once("maxKeys");
            if (n < 1) {
                throw new IllegalArgumentException("maxKeys: " + n + " (expected: >= 1)");
            }
            maxKeys = n;
            return this;
        }

        /**
         * How long {@link Alerter#close()} waits for queued alerts to be delivered (default 30s).
         *
         * @param d the timeout
         * @return this builder
         */
        public Builder closeTimeout(Duration d) {
            once("closeTimeout");
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("closeTimeout: " + d + " (expected: >= 0)");
            }
            closeTimeout = d;
            return this;
        }

        /**
         * Adds a notifier of your own; the alerter closes it.
         *
         * @param n the notifier
         * @return this builder
         */
        public Builder notifier(Notifier n) {
            notifiers.add(Objects.requireNonNull(n, "n"));
            return this;
        }

        /**
         * Adds a notifier made by the provider of {@code type}, found through {@link ServiceLoader}
         * ({@code webhook}, {@code nats}, {@code log} built in; {@code email} when installed).
         *
         * @param type     the provider's type
         * @param settings its settings
         * @return this builder
         * @throws ConfigurationException when no provider has that type (naming those there are) or the settings
         *                                are refused
         */
        public Builder notifier(String type, Map<String, ?> settings) {
            Map<String, NotifierProvider> found = providers(NotifierProvider.class, NotifierProvider::type);
            NotifierProvider p = found.get(type);
            if (p == null) {
                throw new ConfigurationException("no notifier named '" + type + "'; available: " + found.keySet()
                        + (type.equals("email") ? " (the email notifier is not installed in this build)" : ""));
            }
            notifiers.add(p.create(new PluginConfig("notifier '" + type + "'", settings)));
            return this;
        }

        /**
         * Calls {@code listener} with every alert, on a delivery thread of its own (as a notifier): how a service
         * embedding flowtrace receives alert objects.
         *
         * @param listener takes each check's alerts
         * @return this builder
         */
        public Builder onAlerts(Consumer<List<Alert>> listener) {
            Objects.requireNonNull(listener, "listener");
            return notifier(new Notifier() {
                @Override
                public String describe() {
                    return "listener " + listener.getClass().getName();
                }

                @Override
                public void deliver(List<Alert> alerts) {
                    listener.accept(alerts);
                }

                @Override
                public void close() {
                }
            });
        }

        /**
         * A model analyzer of your own, asked for every fired alert; the alerter closes it.
         *
         * @param a the analyzer
         * @return this builder
         */
        public Builder analyzer(AlertAnalyzer a) {
            once("analyzer");
            analyzer = Objects.requireNonNull(a, "a");
            return this;
        }

        /**
         * A model analyzer made by the provider of {@code type}, found through {@link ServiceLoader}
         * ({@code openai} when installed).
         *
         * @param type     the provider's type
         * @param settings its settings
         * @return this builder
         * @throws ConfigurationException when no provider has that type or the settings are refused
         */
        public Builder analyzer(String type, Map<String, ?> settings) {
            Map<String, AlertAnalyzerProvider> found = providers(AlertAnalyzerProvider.class,
                    AlertAnalyzerProvider::type);
            AlertAnalyzerProvider p = found.get(type);
            if (p == null) {
                throw new ConfigurationException("no analyzer named '" + type + "'; available: " + found.keySet()
                        + " (the " + type + " analyzer is not installed in this build)");
            }
            return analyzer(p.create(new PluginConfig("analyzer '" + type + "'", settings)));
        }

        private <P> Map<String, P> providers(Class<P> type, java.util.function.Function<P, String> name) {
            Map<String, P> out = new java.util.TreeMap<>();
            ServiceLoader<P> sl = loader == null ? ServiceLoader.load(type, Alerter.class.getClassLoader())
                    : ServiceLoader.load(type, loader);
            java.util.Iterator<P> it = sl.iterator();
            while (true) {
                P p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError e) {
                    Log.LOG.warn("a {} could not be loaded: {}", type.getSimpleName(), e.getMessage());
                    continue;
                }
                P before = out.put(name.apply(p), p);
                if (before != null && before.getClass() != p.getClass()) {
                    throw new ConfigurationException("two " + type.getSimpleName() + "s named '" + name.apply(p)
                            + "': " + before.getClass().getName() + " and " + p.getClass().getName());
                }
            }
            return out;
        }

        /**
         * {@return the alerter; it starts its delivery threads}
         *
         * @throws IllegalStateException when no rule was added
         */
        public Alerter build() {
            if (rules.isEmpty()) {
                throw new IllegalStateException("no rules (expected: at least one rule)");
            }
            if (notifiers.isEmpty()) {
                warnings.accept("no notifier: alerts go to the log");
                notifiers.add(new io.flowtrace.alert.notifiers.LogNotifierProvider().create(
                        new PluginConfig("notifier 'log'", Map.of())));
            }
            return new Alerter(this);
        }

        /** {@return the check interval and cooldown, for messages} */
        @Override
        public String toString() {
            return "Alerter.Builder[check_interval " + Durations.format(checkInterval) + ", cooldown "
                    + Durations.format(cooldown) + ", " + rules.size() + " rules]";
        }
    }
}
