package io.flowtrace.examples.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flowtrace.core.ConfigurationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One YAML configuration file, read into a tree of maps, lists and text: flowtrace's own file and the traffic-analysis
 * engine's {@code config.yaml} are read by this one loader (what each command takes from them: {@link RunConfig}).
 *
 * <p><b>Naming rule.</b> Keys in YAML are snake_case ({@code idle_timeout}, {@code endpoint_url}, as the engine's
 * file); command-line flags and plugin options are kebab-case ({@code --idle-timeout}, {@code max-keys}). A setting
 * declared once ({@link io.flowtrace.core.settings.Setting}) has both forms.
 *
 * <p><b>Placeholders.</b> Every text value may hold {@code ${VAR}} (the variable's value, empty when unset) or
 * {@code ${VAR:-default}} (the default when the variable is unset or empty). They are replaced after parsing, so a
 * value cannot change the file's structure. Variables come from the environment and from a {@code .env} file beside
 * the configuration file ({@code NAME=value} lines, {@code #} comments, optional {@code export} and quotes); a variable
 * set in the environment wins over the {@code .env} file, as the engine's godotenv loads it.
 *
 * <p>Errors name the file, the key path and where the key is: {@code config agent.yaml: flow: idle_timeout (line 3,
 * column 3): ...}; a file that is not YAML, the line and column of the problem. Immutable once read.
 */
public final class ConfigFile {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final Pattern DOT_ENV_LINE =
            Pattern.compile("\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*?)\\s*");

    private final Path path;
    private final ConfigNode root;

    private ConfigFile(Path path, Map<String, Object> root, Map<String, String> locations) {
        this.path = path;
        this.root = new ConfigNode("config " + path, root, locations);
    }

    /**
     * @param env the environment (the {@code .env} file beside {@code file} fills what it does not set)
     * @throws ConfigurationException when the file or its {@code .env} cannot be read, or is not a mapping
     */
    public static ConfigFile read(Path file, UnaryOperator<String> env) {
        Object tree;
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            JsonNode node = yaml.readTree(file.toFile()); // a missing node when the file holds nothing but comments
            tree = node == null || node.isMissingNode() ? null : yaml.treeToValue(node, Object.class);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ConfigurationException("config " + file + (l == null ? "" : ": line " + l.getLineNr()
                    + ", column " + l.getColumnNr()) + ": " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigurationException("config " + file + ": " + firstLine(e.getMessage()), e);
        }
        if (tree == null) {
            return new ConfigFile(file, Map.of(), Map.of());
        }
        if (!(tree instanceof Map)) {
            throw new ConfigurationException("config " + file + ": expected a mapping of key: value");
        }
        Map<String, String> dotEnv = dotEnv(file.toAbsolutePath().resolveSibling(".env"));
        UnaryOperator<String> vars = name -> {
            String v = env.apply(name);
            return v != null ? v : dotEnv.get(name);
        };
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) expandAll(tree, vars);
        return new ConfigFile(file, root, locations(file, "config " + file));
    }

    /** Each key's line and column, by key path ({@code config FILE: flow: idle_timeout}, lists as {@code [i]}). */
    private static Map<String, String> locations(Path file, String root) {
        Map<String, String> out = new java.util.HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(file.toFile())) {
            locate(p, p.nextToken(), root, out);
        } catch (IOException e) {
            // read once already: what fails now leaves those keys without a place
        }
        return out;
    }

    private static void locate(JsonParser p, JsonToken t, String path, Map<String, String> out) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = path + ": " + p.currentName();
                JsonLocation l = p.currentTokenLocation();
                out.put(key, "line " + l.getLineNr() + ", column " + l.getColumnNr());
                locate(p, p.nextToken(), key, out);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            for (JsonToken e = p.nextToken(); e != null && e != JsonToken.END_ARRAY; e = p.nextToken()) {
                locate(p, e, path + "[" + i++ + "]", out);
            }
        }
    }

    public Path path() {
        return path;
    }

    /** The top-level mapping. */
    public ConfigNode root() {
        return root;
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}} in {@code text}. */
    public static String expand(String text, UnaryOperator<String> env) {
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

    /** The variables of a {@code .env} file; none when there is no such file. */
    static Map<String, String> dotEnv(Path file) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return vars;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException(file + ": " + firstLine(e.getMessage()), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.trim().startsWith("#")) {
                continue;
            }
            Matcher m = DOT_ENV_LINE.matcher(line);
            if (!m.matches()) {
                throw new ConfigurationException(file + ": line " + (i + 1) + ": '" + line
                        + "' (expected: NAME=value)");
            }
            vars.put(m.group(1), unquote(m.group(2)));
        }
        return vars;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        int comment = v.indexOf(" #");
        return comment < 0 ? v : v.substring(0, comment).trim();
    }

    private static Object expandAll(Object v, UnaryOperator<String> env) {
        if (v instanceof String) {
            return expand((String) v, env);
        }
        if (v instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<?, ?>) v).forEach((k, x) -> out.put(String.valueOf(k), expandAll(x, env)));
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            ((List<?>) v).forEach(x -> out.add(expandAll(x, env)));
            return out;
        }
        return v;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "cannot be read";
        }
        int eol = s.indexOf('\n');
        return eol < 0 ? s : s.substring(0, eol);
    }
}
