package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flowtrace.core.ConfigurationException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's YAML configuration file. Every scalar may hold {@code ${VAR}} (the variable's value, empty when unset)
 * or {@code ${VAR:-default}} (the default when the variable is unset or empty), replaced after parsing so that a
 * value cannot change the file's structure.
 *
 * <pre>
 * interface: ${AGENT_INTERFACE:-eth0}      # the sensor's settings, named as its variables without AGENT_
 * bpf_filter: "tcp or udp"
 * snap_len: 1600
 * promiscuous: true
 * endpoint_url: http://127.0.0.1:8000/ingest
 * batch_size: 100
 * send_interval: 5s
 * hostname: sensor-1
 * user: flowtrace                          # run as this user once the interface is open
 * flow:                                    # the flow options, as the command line's without "--"
 *   idle-timeout: 30s
 *   active-timeout: 5m
 * source:                                  # another source, or more pcap-live keys
 *   type: pcap-live
 *   buffer_size: 16MiB
 * sinks:
 *   - type: file
 *     path: /var/log/flows.ndjson
 * aggregators:
 *   - type: count-min                      # the plugin; its own keys follow
 *     name: per_src_ip
 *     key: src_ip
 * </pre>
 *
 * Immutable once read.
 */
final class AgentConfigFile {
    static final Set<String> AGENT_KEYS = Set.of("interface", "bpf_filter", "snap_len", "promiscuous", "endpoint_url",
            "batch_size", "send_interval", "hostname", "user");
    private static final Set<String> SECTIONS = Set.of("flow", "source", "sinks", "aggregators");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    /** A plugin ({@code type:}) and its settings (every other key; an aggregator's task has its own name). */
    record PluginSpec(String type, Map<String, String> config) {
    }

    final Map<String, String> agent = new LinkedHashMap<>();
    final Map<String, String> flow = new LinkedHashMap<>();
    PluginSpec source;
    final List<PluginSpec> sinks = new ArrayList<>();
    final List<PluginSpec> aggregators = new ArrayList<>();

    private AgentConfigFile() {
    }

    /** An empty configuration: no file given. */
    static AgentConfigFile empty() {
        return new AgentConfigFile();
    }

    /**
     * @param env the environment the placeholders are read from
     * @throws ConfigurationException when the file cannot be read, is not YAML, or has an unknown key
     */
    static AgentConfigFile read(Path file, UnaryOperator<String> env) {
        Object root;
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            JsonNode tree = yaml.readTree(file.toFile()); // a missing node when the file holds nothing but comments
            root = tree == null || tree.isMissingNode() ? null : yaml.treeToValue(tree, Object.class);
        } catch (IOException e) {
            throw new ConfigurationException("config " + file + ": " + firstLine(e.getMessage()), e);
        }
        AgentConfigFile c = new AgentConfigFile();
        if (root == null) {
            return c;
        }
        String where = "config " + file;
        Map<String, Object> top = map(where, root);
        for (Map.Entry<String, Object> e : top.entrySet()) {
            String key = e.getKey();
            if (AGENT_KEYS.contains(key)) {
                c.agent.put(key, scalar(where + ": " + key, e.getValue(), env));
            } else if (key.equals("flow")) {
                c.flow.putAll(strings(where + ": flow", e.getValue(), env));
            } else if (key.equals("source")) {
                c.source = plugin(where + ": source", e.getValue(), env);
            } else if (key.equals("sinks") || key.equals("aggregators")) {
                List<PluginSpec> to = key.equals("sinks") ? c.sinks : c.aggregators;
                if (!(e.getValue() instanceof List<?> list)) {
                    throw new ConfigurationException(where + ": " + key
                            + " (expected: a list of {type: <plugin>, key: value})");
                }
                for (int i = 0; i < list.size(); i++) {
                    to.add(plugin(where + ": " + key + "[" + i + "]", list.get(i), env));
                }
            } else {
                Set<String> known = new TreeSet<>(AGENT_KEYS);
                known.addAll(SECTIONS);
                throw new ConfigurationException(where + ": unknown key '" + key + "' (known: "
                        + String.join(", ", known) + ")");
            }
        }
        return c;
    }

    private static PluginSpec plugin(String where, Object value, UnaryOperator<String> env) {
        Map<String, String> config = strings(where, value, env);
        String type = config.remove("type");
        if (type == null || type.isEmpty()) {
            throw new ConfigurationException(where + ": type missing (expected: type: <plugin name>, then its keys)");
        }
        return new PluginSpec(type, config);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String where, Object value) {
        if (!(value instanceof Map)) {
            throw new ConfigurationException(where + ": expected a mapping of key: value");
        }
        return (Map<String, Object>) value;
    }

    private static Map<String, String> strings(String where, Object value, UnaryOperator<String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map(where, value).entrySet()) {
            out.put(e.getKey(), scalar(where + ": " + e.getKey(), e.getValue(), env));
        }
        return out;
    }

    private static String scalar(String where, Object value, UnaryOperator<String> env) {
        if (value instanceof Map || value instanceof List) {
            throw new ConfigurationException(where + ": expected a single value");
        }
        return value == null ? "" : expand(String.valueOf(value), env);
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}}. */
    static String expand(String text, UnaryOperator<String> env) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if ((v == null || v.isEmpty()) && m.group(2) != null) {
                v = m.group(3);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "cannot be read";
        }
        int eol = s.indexOf('\n');
        return eol < 0 ? s : s.substring(0, eol);
    }
}
