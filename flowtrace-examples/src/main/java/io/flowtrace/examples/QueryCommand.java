package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.settings.Setting;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code query --addr HOST:PORT --mode aggregate|trace|heavyhitters|superspreader ...}: the analysis engine's query
 * client, asking an {@code engine}'s query API over HTTP/Json.MAPPER. The engine client's single-dash flags
 * ({@code -mode trace}) are accepted too. Prints a table (default) or the server's JSON; exit 1 when the server
 * refuses the question (its message on stderr) or cannot be reached.
 */
final class QueryCommand implements Command {
    /** Made on first use, so that other commands start without loading Jackson's databind. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Override
    public String summary() {
        return "ask an engine's query API: totals, one key's life, heavy hitters, super-spreaders";
    }

    @Override
    public String synopsis() {
        return "query [--addr HOST:PORT] --mode aggregate|trace|heavyhitters|superspreader [--task T] [--key F=V,...]";
    }

    @Override
    public String description() {
        return "Asks a running 'flowtrace engine' as the engine's query client does: aggregate (bytes, packets\n"
                + "and distinct keys per exact task, --key filters), trace (first and last seen, packets and\n"
                + "bytes of --key in --task), heavyhitters (--type 0 packets, 1 bytes) and superspreader (type 2).";
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("options", CommandSettings.QUERY));
    }

    @Override
    public int run(CommandLine given, PrintStream out, PrintStream err) throws Exception {
        CommandLine a = given;
        if (!given.positional.isEmpty()) {
            // the engine's client writes -mode trace: read its single-dash flags as ours
            List<String> argv = new ArrayList<>();
            for (String p : given.positional) {
                argv.add(p.startsWith("-") && !p.startsWith("--") && p.length() > 1 && Character.isLetter(p.charAt(1))
                        ? "-" + p : p);
            }
            CommandLine single = CommandLine.parse(settings(), argv);
            if (!single.positional.isEmpty()) {
                throw new UsageException("unexpected argument " + single.positional.get(0));
            }
            for (Setting<?> s : settings()) {
                if (single.has(s) && given.has(s)) {
                    throw new UsageException("--" + s.name() + " given twice");
                }
            }
            a = merged(given, single);
        }
        String mode = a.value(CommandSettings.MODE);
        String task = a.value(CommandSettings.TASK);
        Map<String, String> key = a.value(CommandSettings.QUERY_KEY).isBlank() ? Map.of()
                : Meter.pairs("--key", a.value(CommandSettings.QUERY_KEY));
        String end = a.value(CommandSettings.END);
        ObjectNode req = Json.MAPPER.createObjectNode();
        String path;
        switch (mode) {
            case "aggregate":
                path = "/api/v1/aggregate";
                if (!task.isBlank()) {
                    req.put("task_name", task);
                }
                for (Map.Entry<String, String> e : key.entrySet()) {
                    req.put(requestField(e.getKey()), e.getValue());
                }
                break;
            case "trace":
                path = "/api/v1/flows/trace";
                need(task, "trace");
                if (key.isEmpty()) {
                    throw new UsageException("--mode trace needs --key, e.g. \"SrcIP=10.0.0.1,DstPort=443\"");
                }
                req.put("task_name", task);
                ObjectNode fk = req.putObject("flow_keys");
                key.forEach(fk::put);
                break;
            default:
                path = "/api/v1/heavyhitters";
                need(task, mode);
                req.put("task_name", task);
                req.put("type", mode.equals("superspreader") ? 2 : (int) a.value(CommandSettings.TYPE));
                req.put("limit", (int) a.value(CommandSettings.QUERY_LIMIT));
                break;
        }
        if (!end.isBlank()) {
            req.put("end_time", end);
        }
        JsonNode answer = post(a.value(CommandSettings.ADDR), path, req);
        if (a.value(CommandSettings.QUERY_FORMAT).equals("json")) {
            out.println(Json.MAPPER.writeValueAsString(answer));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        switch (mode) {
            case "aggregate":
                rows.add(new String[] {"task_name", "total_packets", "total_bytes", "flow_count"});
                for (JsonNode s : answer.path("summaries")) {
                    rows.add(new String[] {s.path("task_name").asText(), s.path("total_packets").asText(),
                            s.path("total_bytes").asText(), s.path("flow_count").asText()});
                }
                break;
            case "trace":
                JsonNode l = answer.path("lifecycle");
                rows.add(new String[] {"first_seen", "last_seen", "total_packets", "total_bytes"});
                rows.add(new String[] {l.path("first_seen").asText(), l.path("last_seen").asText(),
                        l.path("total_packets").asText(), l.path("total_bytes").asText()});
                break;
            default:
                rows.add(new String[] {"flow", "value"});
                for (JsonNode h : answer.path("hitters")) {
                    rows.add(new String[] {h.path("flow").asText(), h.path("value").asText()});
                }
                break;
        }
        printTable(rows, out);
        return 0;
    }

    /** {@code given} with the values of {@code more} added. */
    private static CommandLine merged(CommandLine given, CommandLine more) {
        List<String> argv = new ArrayList<>();
        for (Setting<?> s : CommandSettings.QUERY) {
            for (CommandLine c : List.of(given, more)) {
                for (String v : c.all(s)) {
                    argv.add("--" + s.name());
                    argv.add(v);
                }
            }
        }
        return CommandLine.parse(CommandSettings.QUERY, argv);
    }

    private static void need(String task, String mode) {
        if (task.isBlank()) {
            throw new UsageException("--mode " + mode + " needs --task NAME");
        }
    }

    /** {@code SrcIP} (or {@code src_ip}) as the aggregate request's field {@code src_ip}. */
    private static String requestField(String key) {
        String k = key.replace("_", "").toLowerCase(Locale.ROOT);
        switch (k) {
            case "srcip": return "src_ip";
            case "dstip": return "dst_ip";
            case "srcport": return "src_port";
            case "dstport": return "dst_port";
            case "protocol": return "protocol";
            default:
                throw new UsageException("--key: unknown field '" + key
                        + "' (expected: SrcIP, DstIP, SrcPort, DstPort, Protocol)");
        }
    }

    /** POSTs a JSON request to an engine's query API and returns its answer; a refusal is a FlowTraceException. */
    static JsonNode post(String addr, String path, JsonNode body) throws IOException, InterruptedException {
        String base = addr.contains("://") ? addr : "http://" + addr;
        URI uri;
        try {
            uri = URI.create(base.replaceAll("/+$", "") + path);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--addr: '" + addr + "' (expected: HOST:PORT or http://HOST:PORT)");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body))).build();
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new FlowTraceException(uri + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(resp.body());
        } catch (IOException e) {
            throw new FlowTraceException(uri + ": " + resp.statusCode() + ": not a JSON answer");
        }
        if (resp.statusCode() != 200) {
            throw new FlowTraceException(uri + ": " + resp.statusCode() + ": "
                    + (answer != null && answer.has("error") ? answer.get("error").asText() : answer));
        }
        return answer;
    }

    /** Columns two spaces apart, numbers right aligned. */
    private static void printTable(List<String[]> rows, PrintStream out) {
        int[] width = new int[rows.get(0).length];
        boolean[] numeric = new boolean[width.length];
        java.util.Arrays.fill(numeric, true);
        for (int r = 0; r < rows.size(); r++) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], rows.get(r)[i].length());
                if (r > 0 && !rows.get(r)[i].matches("-?\\d+")) {
                    numeric[i] = false;
                }
            }
        }
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    sb.append("  ");
                }
                sb.append(numeric[i] ? Text.right(row[i], width[i]) : Text.left(row[i], width[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
