package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrace.alert.ai.AnalystPrompt;
import io.flowtrace.alert.ai.ChatClient;
import io.flowtrace.alert.ai.ChatException;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.ConfigFile;
import io.flowtrace.examples.config.ConfigNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code ask --addr HOST:PORT "question"}: fetches a running engine's task summaries and heavy hitters from its query
 * API, sends them with the question to the model of a config file's {@code ai} block (or {@code --base-url} and
 * {@code --model}), and streams the answer to standard output as it arrives. The API key comes from
 * {@code FLOWTRACE_AI_API_KEY} or the block's {@code api_key} and is never printed. Exit 1 when the engine or the
 * model fails; a stream cut off mid-way keeps what was printed and says so.
 */
final class AskCommand implements Command {
    /** Made on first use, so that other commands start without loading Jackson's databind. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private static final String[] HITTER_TYPES = {"packets", "bytes", "spread"};

    private final UnaryOperator<String> env;

    AskCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "ask a model about a running engine's traffic: its task summaries as data, the answer streamed";
    }

    @Override
    public String synopsis() {
        return "ask [--addr HOST:PORT] [--config FILE | --base-url URL --model NAME] \"question\"";
    }

    @Override
    public String description() {
        return "Fetches the task summaries (packets, bytes, distinct keys) and heavy hitters of a running\n"
                + "'flowtrace engine' from its query API, sends them with the question to an OpenAI-compatible\n"
                + "chat-completions model and streams the answer. The model: the ai block of --config FILE\n"
                + "(provider, api_key, model, base_url), --base-url and --model overriding it; the key: the\n"
                + "environment variable " + CommandSettings.AI_KEY_ENV + ", else the block's api_key.";
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("options", CommandSettings.ASK));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        String question = String.join(" ", a.positional).strip();
        if (question.isEmpty()) {
            throw new UsageException("no question (expected: ask [options] \"question\")");
        }
        Map<String, Object> ai = new LinkedHashMap<>();
        String what = "ai";
        if (a.has(CommandSettings.ASK_CONFIG)) {
            ConfigFile file = ConfigFile.read(Path.of(a.value(CommandSettings.ASK_CONFIG)), env);
            ConfigNode root = file.root();
            if (root.has("ai")) {
                ai.putAll(root.node("ai").plain());
                what = root.located("ai");
            }
        }
        if (!a.value(CommandSettings.BASE_URL).isBlank()) {
            ai.put("base_url", a.value(CommandSettings.BASE_URL));
        }
        if (!a.value(CommandSettings.MODEL).isBlank()) {
            ai.put("model", a.value(CommandSettings.MODEL));
        }
        String key = env.apply(CommandSettings.AI_KEY_ENV);
        if (key != null && !key.isBlank()) {
            ai.put("api_key", key);
        }
        if (ai.get("model") == null || String.valueOf(ai.get("model")).isBlank()) {
            throw new UsageException("no model: give --model NAME, or --config FILE with an ai block that names one");
        }
        String data = engineData(a.value(CommandSettings.ADDR), a.value(CommandSettings.ASK_LIMIT));
        try (ChatClient client = ChatClient.create(new PluginConfig(what, ai))) {
            err.println("flowtrace ask: asking " + client.describe());
            try {
                client.stream(AnalystPrompt.forQuestion(question, data), piece -> {
                    out.print(piece);
                    out.flush();
                });
                out.println();
                return 0;
            } catch (ChatException e) {
                if (!e.partialText().isEmpty()) {
                    out.println();
                }
                err.println("flowtrace ask: " + e.getMessage() + (e.partialText().isEmpty() ? ""
                        : " (the answer above is incomplete)"));
                return 1;
            }
        }
    }

    /** The engine's task summaries and heavy hitters as text for the model. */
    static String engineData(String addr, int limit) throws Exception {
        StringBuilder d = new StringBuilder();
        d.append("Asked at ").append(Instant.now()).append(" from the engine's query API.\n");
        JsonNode sums = QueryCommand.post(addr, "/api/v1/aggregate", Json.MAPPER.createObjectNode());
        d.append("\nExact tasks (totals of the latest snapshot):\n");
        for (JsonNode s : sums.path("summaries")) {
            d.append("- ").append(s.path("task_name").asText()).append(": ").append(s.path("total_packets").asLong())
                    .append(" packets, ").append(s.path("total_bytes").asLong()).append(" bytes, ")
                    .append(s.path("flow_count").asLong()).append(" distinct keys\n");
        }
        JsonNode tasks = QueryCommand.post(addr, "/api/v1/tasks", Json.MAPPER.createObjectNode());
        boolean header = false;
        for (JsonNode t : tasks) {
            for (JsonNode type : t.path("types")) {
                int ty = type.asInt();
                if (ty < 0 || ty >= HITTER_TYPES.length) {
                    continue;
                }
                if (!header) {
                    d.append("\nHeavy hitters (largest first):\n");
                    header = true;
                }
                ObjectNode req = Json.MAPPER.createObjectNode().put("task_name", t.path("task_name").asText())
                        .put("type", ty).put("limit", limit);
                JsonNode hh = QueryCommand.post(addr, "/api/v1/heavyhitters", req);
                d.append("- ").append(t.path("task_name").asText()).append(" by ").append(HITTER_TYPES[ty])
                        .append(" (key fields: ");
                StringBuilder fields = new StringBuilder();
                for (JsonNode f : t.path("key_fields")) {
                    fields.append(fields.length() == 0 ? "" : " ").append(f.asText());
                }
                d.append(fields).append("):\n");
                for (JsonNode h : hh.path("hitters")) {
                    d.append("    ").append(h.path("flow").asText()).append(": ").append(h.path("value").asLong())
                            .append('\n');
                }
                if (hh.path("hitters").isEmpty()) {
                    d.append("    (none above the task's reporting threshold)\n");
                }
            }
        }
        return d.toString();
    }
}
