package io.flowtrace.examples.config;

import io.flowtrace.alert.AlertRule;
import io.flowtrace.alert.Alerter;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Alerting as a configuration file gives it: the engine's {@code alerter} block as it ships, with flowtrace's own keys
 * in it, its {@code smtp} block (an {@code email} notifier when {@code host} is set) and its {@code ai} block (the
 * model asked when {@code alerter.ai_analysis.enabled}).
 *
 * <pre>
 * alerter:
 *   enabled: true
 *   check_interval: 30s
 *   cooldown: 30m                       # flowtrace's: default of every rule
 *   ai_analysis: { enabled: true }      # the ai block's model, called directly
 *   notifiers:                          # flowtrace's: webhook, nats, email, log (and installed ones)
 *     - { type: webhook, url: https://hooks.example/flowtrace, header.X-Api-Key: ${HOOK_KEY} }
 *   rules:
 *     - { name: scan, task_name: ss_src_dst, metric: super_spreader_spread, operator: ">", threshold: 500,
 *         cooldown: 1h, window: true }  # cooldown and window: flowtrace's
 * </pre>
 *
 * Everything is checked when read; rules are checked against the tasks when the alerter is made ({@link #alerter}),
 * and a refused rule names its key path, line and column. Immutable once read.
 */
public final class AlertConfig {
    /** The top-level blocks alerting reads. */
    public static final Set<String> BLOCKS = Set.of("alerter", "smtp", "ai");
    /** The keys of the {@code alerter} block: the engine's, then flowtrace's. */
    public static final Set<String> ALERTER_KEYS = Set.of("enabled", "check_interval", "ai_analysis", "rules",
            "cooldown", "notifiers");
    /** The keys of a rule: the engine's, then flowtrace's. */
    public static final Set<String> RULE_KEYS = Set.of("name", "task_name", "metric", "operator", "threshold",
            "cooldown", "window");
    /** The keys of the engine's {@code smtp} block, passed to the {@code email} notifier. */
    public static final Set<String> SMTP_KEYS = Set.of("host", "port", "username", "password", "from", "to", "tls",
            "ca_file", "connect_timeout", "timeout", "retries", "retry_backoff", "retry_budget", "subject");
    /** The keys of the engine's {@code ai} block; all but {@code rpc_listen_addr} go to the {@code openai} analyzer. */
    public static final Set<String> AI_KEYS = Set.of("provider", "api_key", "model", "base_url", "rpc_listen_addr",
            "timeout", "connect_timeout", "retries", "retry_backoff", "max_retry_wait");
    /** The analyzer type a model is asked through. */
    public static final String MODEL_ANALYZER = "openai";

    /** A rule and its place in the file. */
    private record RuleAt(AlertRule rule, ConfigNode node) {
    }

    /**
     * A notifier of the file.
     *
     * @param type     its type
     * @param settings its settings
     * @param where    its key path and place, for messages
     */
    public record NotifierSpec(String type, Map<String, Object> settings, String where) {
    }

    /**
     * One aggregator the rules may read.
     *
     * @param engineTask the task name rules use
     * @param type       the aggregator type
     * @param settings   its settings
     */
    public record TaskSpec(String engineTask, String type, Map<String, String> settings) {
    }

    private final boolean enabled;
    private final Duration checkInterval;
    private final Duration cooldown;
    private final List<RuleAt> rules = new ArrayList<>();
    private final List<NotifierSpec> notifiers = new ArrayList<>();
    private final Map<String, Object> model;
    private final String modelWhere;

    private AlertConfig(boolean enabled, Duration checkInterval, Duration cooldown, Map<String, Object> model,
                        String modelWhere) {
        this.enabled = enabled;
        this.checkInterval = checkInterval;
        this.cooldown = cooldown;
        this.model = model;
        this.modelWhere = modelWhere;
    }

    /**
     * Reads the {@code alerter}, {@code smtp} and {@code ai} blocks of a file; {@code null} when it has no
     * {@code alerter} block or the block says {@code enabled: false}.
     *
     * @param root the file's root
     * @param warn takes one line per warning
     * @return the alerting, or {@code null}
     * @throws ConfigurationException naming the key path, its place and what is accepted
     */
    public static AlertConfig read(ConfigNode root, Consumer<String> warn) {
        Map<String, Object> ai = null;
        if (root.has("ai") && root.plain().get("ai") != null) {
            ConfigNode n = root.node("ai");
            check(n, AI_KEYS);
            ai = new LinkedHashMap<>();
            for (String k : n.keys()) { // the engine's keys and the client's own (timeouts, retries)
                if (!k.equals("rpc_listen_addr") && !n.text(k).isBlank()) {
                    ai.put(k, n.text(k).trim());
                }
            }
            if (n.has("rpc_listen_addr") && !n.text("rpc_listen_addr").isBlank()) {
                warn.accept(n.located("rpc_listen_addr") + ": not served (flowtrace runs no separate AI service: it "
                        + "calls the model of this block directly)");
            }
        }
        NotifierSpec email = null;
        if (root.has("smtp") && root.plain().get("smtp") != null) {
            ConfigNode n = root.node("smtp");
            check(n, SMTP_KEYS);
            if (n.has("host") && !n.text("host").isBlank()) {
                Map<String, Object> s = new LinkedHashMap<>();
                for (String k : n.keys()) { // the engine's keys and the notifier's own (tls, ca_file, ...)
                    if (!n.text(k).isBlank()) {
                        s.put(k, n.text(k).trim());
                    }
                }
                email = new NotifierSpec("email", s, n.where());
            }
        }
        if (!root.has("alerter") || root.plain().get("alerter") == null) {
            return null;
        }
        ConfigNode a = root.node("alerter");
        check(a, ALERTER_KEYS);
        if (a.has("enabled") && !bool(a, "enabled")) {
            return null;
        }
        Duration interval = a.has("check_interval") ? positive(a, "check_interval") : Duration.ofSeconds(60);
        Duration cooldown = a.has("cooldown") ? duration(a, "cooldown") : null;
        Map<String, Object> model = null;
        String modelWhere = null;
        if (a.has("ai_analysis") && a.plain().get("ai_analysis") != null) {
            ConfigNode an = a.node("ai_analysis");
            check(an, Set.of("enabled", "service_addr"));
            boolean on = an.has("enabled") && bool(an, "enabled");
            if (an.has("service_addr") && !an.text("service_addr").isBlank()) {
                warn.accept(an.located("service_addr") + ": not used: flowtrace calls the model of the ai block "
                        + "directly (no separate service to run)");
            }
            if (on) {
                modelWhere = an.located("enabled");
                if (ai == null) {
                    throw new ConfigurationException(modelWhere + ": true, but the file has no ai block (expected: "
                            + "ai: {provider, api_key, model, base_url})");
                }
                if (!ai.containsKey("api_key") && !local(String.valueOf(ai.get("base_url")))) {
                    warn.accept(modelWhere + ": the ai block's api_key is empty: no model is asked; alerts carry "
                            + "the built-in explanation");
                } else {
                    model = ai;
                }
            }
        }
        AlertConfig c = new AlertConfig(true, interval, cooldown, model, modelWhere);
        if (a.has("notifiers") && a.plain().get("notifiers") != null) {
            for (ConfigNode n : a.nodes("notifiers", "{type: webhook|nats|email|log, key: value}")) {
                if (!n.has("type") || n.text("type").isBlank()) {
                    throw new ConfigurationException(n.where() + ": type missing (expected: type: webhook, nats, "
                            + "email or log, then its keys)");
                }
                Map<String, Object> s = new LinkedHashMap<>();
                for (String k : n.keys()) {
                    if (!k.equals("type")) {
                        s.put(k, n.text(k));
                    }
                }
                c.notifiers.add(new NotifierSpec(n.text("type").trim(), s, n.located("type")));
            }
        }
        if (email != null) {
            c.notifiers.add(email);
        }
        if (a.has("rules") && a.plain().get("rules") != null) {
            for (ConfigNode r : a.nodes("rules", "{name, task_name, metric, operator, threshold}")) {
                check(r, RULE_KEYS);
                for (String k : List.of("name", "task_name", "metric", "operator", "threshold")) {
                    if (!r.has(k) || r.text(k).isBlank()) {
                        throw new ConfigurationException(r.where() + ": " + k + ": missing (a rule is {name, "
                                + "task_name, metric, operator, threshold})");
                    }
                }
                AlertRule rule;
                try {
                    rule = AlertRule.of(r.text("name").trim(), r.text("task_name").trim(), r.text("metric"),
                            r.text("operator"), r.text("threshold"));
                } catch (IllegalArgumentException e) {
                    throw located(r, e);
                }
                if (r.has("cooldown")) {
                    rule = rule.withCooldown(duration(r, "cooldown"));
                }
                if (r.has("window")) {
                    rule = rule.withWindow(bool(r, "window"));
                }
                c.rules.add(new RuleAt(rule, r));
            }
        }
        if (c.rules.isEmpty()) {
            warn.accept(a.where() + ": no rules: no alerts");
        }
        return c;
    }

    /** {@return whether there is a rule to check} */
    public boolean active() {
        return enabled && !rules.isEmpty();
    }

    /** {@return the check interval} */
    public Duration checkInterval() {
        return checkInterval;
    }

    /** {@return the rules, in the file's order} */
    public List<AlertRule> rules() {
        List<AlertRule> out = new ArrayList<>();
        rules.forEach(r -> out.add(r.rule()));
        return out;
    }

    /** {@return the notifiers of the file (the smtp block's last)} */
    public List<NotifierSpec> notifiers() {
        return notifiers;
    }

    /** {@return whether a model is asked} */
    public boolean modelAnalysis() {
        return model != null;
    }

    /**
     * Makes the alerter: the tasks declared, each rule checked against them (a refused rule is named with its key
     * path, line and column), the notifiers and the model made through their providers. With {@code checkOnly} it
     * stops before anything is started and returns {@code null}.
     *
     * @param tasks     the aggregators the rules may read
     * @param warn      takes one line per warning
     * @param checkOnly check without starting anything
     * @return the alerter, or {@code null} when {@code checkOnly}
     * @throws ConfigurationException naming what is wrong and where
     */
    public Alerter alerter(List<TaskSpec> tasks, Consumer<String> warn, boolean checkOnly) {
        ConfigNode[] current = new ConfigNode[1];
        Alerter.Builder b = Alerter.builder().onWarning(w -> warn.accept(current[0] == null ? w
                : locatedText(current[0], w))).checkInterval(checkInterval);
        if (cooldown != null) {
            b.cooldown(cooldown);
        }
        for (TaskSpec t : tasks) {
            b.task(t.engineTask(), t.type(), t.settings());
        }
        for (RuleAt r : rules) {
            current[0] = r.node();
            try {
                b.rule(r.rule());
            } catch (IllegalArgumentException e) {
                throw located(r.node(), e);
            }
        }
        current[0] = null;
        if (model != null) {
            try {
                b.analyzer(MODEL_ANALYZER, model);
            } catch (ConfigurationException e) {
                throw new ConfigurationException(modelWhere + ": " + e.getMessage(), e);
            }
        }
        for (NotifierSpec n : notifiers) {
            try {
                b.notifier(n.type(), n.settings());
            } catch (ConfigurationException e) {
                throw new ConfigurationException(n.where() + ": " + e.getMessage(), e);
            }
        }
        return checkOnly ? null : b.build();
    }

    /** {@code field: rest} of a rule's problem, with the field's key path and place in the file. */
    private static ConfigurationException located(ConfigNode rule, IllegalArgumentException e) {
        return new ConfigurationException(locatedText(rule, e.getMessage()), e);
    }

    private static String locatedText(ConfigNode rule, String m) {
        int colon = m.indexOf(": ");
        String field = colon < 0 ? "" : m.substring(0, colon);
        if (colon > 0 && rule.has(field)) {
            return rule.located(field) + ": " + m.substring(colon + 2);
        }
        return rule.where() + ": " + m;
    }

    /** Whether a model's base URL is on this machine (such a server may need no key). */
    private static boolean local(String url) {
        try {
            String host = java.net.URI.create(url.trim()).getHost();
            return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")
                    || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void check(ConfigNode n, Set<String> known) {
        for (String k : n.keys()) {
            if (!known.contains(k)) {
                throw n.unknown(k, known);
            }
        }
    }

    private static Duration duration(ConfigNode n, String key) {
        try {
            return Durations.parse(n.text(key).trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(n.located(key) + ": " + e.getMessage());
        }
    }

    private static Duration positive(ConfigNode n, String key) {
        Duration d = duration(n, key);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigurationException(n.located(key) + ": " + n.text(key) + " (expected: > 0)");
        }
        return d;
    }

    private static boolean bool(ConfigNode n, String key) {
        String v = n.text(key).trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "true": case "on": case "yes": return true;
            case "false": case "off": case "no": return false;
            default:
                throw new ConfigurationException(n.located(key) + ": '" + v + "' (expected: true or false)");
        }
    }
}
