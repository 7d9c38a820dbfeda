package io.flowtrace.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.Answers.TaskSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The query API over HTTP/JSON, on the JDK's {@code com.sun.net.httpserver} (no dependency; the agent's
 * {@code /metrics} runs on it too). Routes, with the analysis engine's request and response fields:
 * <ul>
 *   <li>{@code GET /}: 200 {@code {"status":"ok"}} (Grafana's connection test).</li>
 *   <li>{@code POST /search}: the task names, then {@code task:metric} for every metric (Grafana's JSON
 *   datasource).</li>
 *   <li>{@code POST /query} {@code {"targets":[{"target":"task:metric"}],"range":{"from":..,"to":..}}}:
 *   {@code [{"target","datapoints":[[value, epoch_ms]]}]}, one point per snapshot in the range; a bare task is
 *   {@code task:total_packets}; an unknown target has no datapoints.</li>
 *   <li>{@code /api/v1/aggregate} {@code {"task_name","src_ip","dst_ip","src_port","dst_port","protocol",
 *   "end_time"}}: {@code {"summaries":[{"task_name","total_bytes","total_packets","flow_count"}]}}.</li>
 *   <li>{@code /api/v1/flows/trace} {@code {"task_name","flow_keys":{"SrcIP":..},"end_time"}}:
 *   {@code {"lifecycle":{"first_seen","last_seen","first_seen_unix_nano","last_seen_unix_nano","total_packets",
 *   "total_bytes"}}}.</li>
 *   <li>{@code /api/v1/heavyhitters} {@code {"task_name","type","limit","end_time"}}:
 *   {@code {"hitters":[{"flow","value"}]}}.</li>
 * </ul>
 * The {@code /api/v1} routes take a JSON body (POST) or the same fields as query parameters (GET; trace's keys as
 * {@code SrcIP=...}). {@code end_time} is RFC 3339 text or epoch nanoseconds ({@code end_time_unix_nano} too).
 * Errors: {@code {"error": "..."}} with 400 (what is wrong), 404 (no such task, key or route), 405, 413 (a body
 * over {@value #MAX_BODY} bytes). Requests run on a small bounded pool; a request that takes longer than the JDK
 * server's {@code sun.net.httpserver.maxReqTime} (set to 30 s unless given) is cut off.
 *
 * @since 0.1
 */
public final class QueryServer implements AutoCloseable {
    /** The largest request body read. */
    public static final int MAX_BODY = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // slow clients: the JDK server reads these once; a request or response that takes longer is cut off
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "30");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "60");
        }
    }

    private final QueryService queries;
    private final HttpServer server;
    private final ThreadPoolExecutor pool;

    private QueryServer(QueryService queries, HttpServer server, ThreadPoolExecutor pool) {
        this.queries = queries;
        this.server = server;
        this.pool = pool;
    }

    /**
     * Starts serving.
     *
     * @param queries what answers
     * @param address where to listen (port 0: a free port)
     * @return the running server
     * @throws IOException when the address cannot be bound
     */
    public static QueryServer start(QueryService queries, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 64);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
                r -> {
                    Thread t = new Thread(r, "flowtrace-query-http");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
        QueryServer s = new QueryServer(queries, server, pool);
        server.createContext("/", s::handle);
        server.setExecutor(pool);
        server.start();
        return s;
    }

    /** {@return the address the server listens on (with the port it got)} */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening, lets running requests finish for up to a second. */
    @Override
    public void close() {
        server.stop(1);
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            JsonNode answer;
            try {
                answer = route(path, method, ex);
            } catch (QueryException e) {
                error(ex, e.status(), e.getMessage());
                return;
            } catch (TooLarge e) {
                error(ex, 413, "request body over " + MAX_BODY + " bytes");
                return;
            } catch (MethodNotAllowed e) {
                ex.getResponseHeaders().set("Allow", e.getMessage());
                error(ex, 405, method + " " + path + " (expected: " + e.getMessage() + ")");
                return;
            }
            send(ex, 200, answer);
        } catch (IOException | RuntimeException e) {
            LOG.debug("query request failed: {}", e.toString());
            try {
                error(ex, 500, e.toString());
            } catch (IOException | RuntimeException ignored) {
                // the client is gone
            }
        }
    }

    private JsonNode route(String path, String method, HttpExchange ex) throws IOException {
        switch (path) {
            case "/":
                allow(method, "GET", "HEAD");
                return JSON.createObjectNode().put("status", "ok");
            case "/search":
                allow(method, "POST", "GET");
                body(ex); // Grafana sends {"target": ...}: every target is listed whatever it asks
                return search();
            case "/query":
                allow(method, "POST");
                return query(body(ex));
            case "/api/v1/aggregate":
                allow(method, "POST", "GET");
                return aggregate(request(ex, method));
            case "/api/v1/flows/trace":
                allow(method, "POST", "GET");
                return trace(request(ex, method));
            case "/api/v1/heavyhitters":
                allow(method, "POST", "GET");
                return heavyHitters(request(ex, method));
            case "/api/v1/tasks":
                allow(method, "GET", "POST");
                return tasks();
            default:
                throw new QueryException(404, "no route " + path + " (routes: /, /search, /query, /api/v1/aggregate, "
                        + "/api/v1/flows/trace, /api/v1/heavyhitters, /api/v1/tasks)");
        }
    }

    // ---- routes ----

    private JsonNode search() {
        ArrayNode out = JSON.createArrayNode();
        List<String> names = queries.taskNames();
        names.forEach(out::add);
        for (String n : names) {
            for (String m : TaskMetrics.NAMES) {
                out.add(n + ":" + m);
            }
        }
        return out;
    }

    private JsonNode tasks() {
        ArrayNode out = JSON.createArrayNode();
        for (TaskInfo t : queries.tasks()) {
            ObjectNode o = out.addObject();
            o.put("task_name", t.name());
            o.put("kind", t.kind());
            t.keyFields().forEach(o.putArray("key_fields")::add);
            t.types().forEach(o.putArray("types")::add);
        }
        return out;
    }

    private JsonNode query(JsonNode req) {
        if (!req.isObject()) {
            throw bad("body: expected a JSON object {\"targets\": [{\"target\": \"task:metric\"}], \"range\": "
                    + "{\"from\": ..., \"to\": ...}}");
        }
        long from = 0;
        long to = Long.MAX_VALUE;
        JsonNode range = req.get("range");
        if (range != null && !range.isNull()) {
            if (!range.isObject()) {
                throw bad("range: expected {\"from\": time, \"to\": time}");
            }
            from = time(range.get("from"), "range.from", 0);
            to = time(range.get("to"), "range.to", Long.MAX_VALUE);
            if (to < from) {
                throw bad("range: to is before from");
            }
        }
        JsonNode targets = req.get("targets");
        if (targets != null && !targets.isNull() && !targets.isArray()) {
            throw bad("targets: expected a list of {\"target\": \"task:metric\"}");
        }
        ArrayNode out = JSON.createArrayNode();
        if (targets == null) {
            return out;
        }
        List<String> names = queries.taskNames();
        for (JsonNode t : targets) {
            JsonNode tn = t.isTextual() ? t : t.get("target");
            if (tn == null || !tn.isTextual()) {
                continue; // Grafana sends empty target rows while a panel is edited
            }
            String target = tn.asText();
            ObjectNode series = out.addObject();
            series.put("target", target);
            ArrayNode points = series.putArray("datapoints");
            int colon = target.lastIndexOf(':');
            String task = colon < 0 ? target : target.substring(0, colon);
            String metric = colon < 0 ? TaskMetrics.DEFAULT : target.substring(colon + 1);
            if (!names.contains(task) || !TaskMetrics.NAMES.contains(metric)) {
                continue; // the engine's dashboard names tasks a config may not have: no datapoints, no error
            }
            for (Point p : queries.series(task, metric, from, to)) {
                points.addArray().add(p.value()).add(p.timeNanos() / 1_000_000);
            }
        }
        return out;
    }

    private JsonNode aggregate(JsonNode req) {
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : List.of("src_ip", "dst_ip", "src_port", "dst_port", "protocol")) {
            JsonNode v = req.get(f);
            if (v != null && !v.isNull() && !(v.isNumber() && v.asLong() == 0) && !v.asText().isEmpty()) {
                filters.put(f, v.asText()); // 0 is proto3's "not set" for the numeric filters
            }
        }
        List<TaskSummary> sums = queries.aggregate(text(req, "task_name"), filters, endTime(req));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("summaries");
        for (TaskSummary s : sums) {
            arr.addObject().put("task_name", s.taskName()).put("total_bytes", s.totalBytes())
                    .put("total_packets", s.totalPackets()).put("flow_count", s.flowCount());
        }
        return out;
    }

    private JsonNode trace(JsonNode req) {
        Map<String, String> keys = new LinkedHashMap<>();
        JsonNode fk = req.get("flow_keys");
        if (fk != null && !fk.isNull()) {
            if (!fk.isObject()) {
                throw bad("flow_keys: expected an object {\"SrcIP\": \"10.0.0.1\", \"DstPort\": \"443\"}");
            }
            for (Map.Entry<String, JsonNode> e : fk.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw bad("flow_keys: " + e.getKey() + ": expected text");
                }
                keys.put(e.getKey(), e.getValue().asText());
            }
        }
        FlowLifecycle l = queries.trace(text(req, "task_name"), keys, endTime(req));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode o = out.putObject("lifecycle");
        o.put("first_seen", rfc3339(l.firstSeenNanos()));
        o.put("last_seen", rfc3339(l.lastSeenNanos()));
        o.put("first_seen_unix_nano", l.firstSeenNanos());
        o.put("last_seen_unix_nano", l.lastSeenNanos());
        o.put("total_packets", l.totalPackets());
        o.put("total_bytes", l.totalBytes());
        return out;
    }

    private JsonNode heavyHitters(JsonNode req) {
        int type = (int) integer(req, "type", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
        int limit = (int) integer(req, "limit", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
        List<HeavyHitter> hh = queries.heavyHitters(text(req, "task_name"), type, endTime(req), limit);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("hitters");
        for (HeavyHitter h : hh) {
            arr.addObject().put("flow", h.flow()).put("value", h.value());
        }
        return out;
    }

    // ---- request reading ----

    /** The request as JSON: the body of a POST, the query parameters of a GET (trace's other keys as flow_keys). */
    private static JsonNode request(HttpExchange ex, String method) throws IOException {
        if (!"GET".equals(method)) {
            JsonNode body = body(ex);
            if (body.isMissingNode() || body.isNull()) {
                return JSON.createObjectNode();
            }
            if (!body.isObject()) {
                throw bad("body: expected a JSON object");
            }
            return body;
        }
        ObjectNode o = JSON.createObjectNode();
        URI uri = ex.getRequestURI();
        String q = uri.getRawQuery();
        if (q == null) {
            return o;
        }
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (List.of("task_name", "type", "limit", "end_time", "end_time_unix_nano", "src_ip", "dst_ip",
                    "src_port", "dst_port", "protocol").contains(k)) {
                o.put(k, v);
            } else {
                ObjectNode fk = o.has("flow_keys") ? (ObjectNode) o.get("flow_keys") : o.putObject("flow_keys");
                fk.put(k, v);
            }
        }
        return o;
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] b;
        try (InputStream in = ex.getRequestBody()) {
            b = in.readNBytes(MAX_BODY + 1);
        }
        if (b.length > MAX_BODY) {
            throw new TooLarge();
        }
        if (b.length == 0) {
            return JSON.missingNode();
        }
        try {
            JsonNode n = JSON.readTree(b);
            return n == null ? JSON.missingNode() : n;
        } catch (JsonProcessingException e) {
            throw bad("body: not JSON: " + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    private static String text(JsonNode req, String field) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw bad(field + ": expected text");
        }
        return v.asText();
    }

    private static long integer(JsonNode req, String field, long dflt, long min, long max) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return dflt;
        }
        long n;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            n = v.asLong();
        } else if (v.isTextual()) {
            try {
                n = Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                throw bad(field + ": '" + v.asText() + "' (expected: an integer)");
            }
        } else {
            throw bad(field + ": " + v + " (expected: an integer)");
        }
        if (n < min || n > max) {
            throw bad(field + ": " + n + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    /** {@code end_time} (RFC 3339 or epoch nanoseconds) or {@code end_time_unix_nano}; 0 when absent. */
    private static long endTime(JsonNode req) {
        JsonNode n = req.get("end_time_unix_nano");
        if (n != null && !n.isNull()) {
            return integer(req, "end_time_unix_nano", 0, 0, Long.MAX_VALUE);
        }
        JsonNode v = req.get("end_time");
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return 0;
        }
        if (v.isIntegralNumber() || (v.isTextual() && v.asText().matches("\\d+"))) {
            return integer(req, "end_time", 0, 0, Long.MAX_VALUE);
        }
        return instantNanos(v.asText(), "end_time");
    }

    /** A Grafana range bound: RFC 3339 text or epoch milliseconds. */
    private static long time(JsonNode v, String field, long dflt) {
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.isNumber()) {
            return Math.multiplyExact(v.asLong(), 1_000_000L);
        }
        if (v.asText().matches("\\d+")) {
            return Math.multiplyExact(Long.parseLong(v.asText()), 1_000_000L);
        }
        return instantNanos(v.asText(), field);
    }

    private static long instantNanos(String text, String field) {
        try {
            Instant i = Instant.parse(text);
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            try {
                Instant i = java.time.OffsetDateTime.parse(text).toInstant();
                return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
            } catch (DateTimeParseException | ArithmeticException e2) {
                throw bad(field + ": '" + text + "' (expected: RFC 3339 time such as 2026-01-02T03:04:05Z, or "
                        + "epoch nanoseconds)");
            }
        }
    }

    /** {@return RFC 3339 UTC text of epoch nanoseconds} */
    static String rfc3339(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
                .toString();
    }

    private static void allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new MethodNotAllowed(String.join(", ", allowed));
    }

    private static QueryException bad(String message) {
        return new QueryException(QueryException.BAD_REQUEST, message);
    }

    // ---- responses ----

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, JSON.createObjectNode().put("error", message));
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super(null, null, false, false);
        }
    }

    private static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MethodNotAllowed(String allowed) {
            super(allowed, null, false, false);
        }
    }
}
