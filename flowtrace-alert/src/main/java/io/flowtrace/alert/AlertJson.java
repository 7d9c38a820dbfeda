package io.flowtrace.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON form of an {@link Alert}, as flowtrace writes every event: {@code "event"} first, snake case, UTC times. */
final class AlertJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private AlertJson() {
    }

    static String time(long epochNanos) {
        return TIME.format(Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)));
    }

    static long nanos(String time) {
        Instant i = Instant.parse(time);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static String write(Alert a) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("event", "alert");
        o.put("id", a.id());
        o.put("rule", a.rule());
        o.put("task", a.task());
        ObjectNode key = o.putObject("key");
        for (Map.Entry<String, Object> e : a.key().entrySet()) {
            Object v = e.getValue();
            if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                key.put(e.getKey(), ((Number) v).longValue());
            } else if (v instanceof Number) {
                key.put(e.getKey(), ((Number) v).doubleValue());
            } else {
                key.put(e.getKey(), String.valueOf(v));
            }
        }
        o.put("metric", a.metric());
        number(o, "value", a.value());
        number(o, "threshold", a.threshold());
        o.put("window_start", time(a.windowStartNanos()));
        o.put("window_end", time(a.windowEndNanos()));
        o.put("state", a.state() == Alert.State.FIRED ? "fired" : "resolved");
        o.put("explanation", a.explanation());
        if (a.analysis() != null) {
            o.put("analysis", a.analysis());
        }
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e); // a tree of text and numbers always writes
        }
    }

    /** Whole numbers as integers ({@code 5000}, not {@code 5000.0}), as the engine's thresholds read. */
    private static void number(ObjectNode o, String field, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 9.0e15) {
            o.put(field, (long) v);
        } else {
            o.put(field, v);
        }
    }

    static Alert read(String json) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject() || !"alert".equals(n.path("event").asText())) {
            throw new IllegalArgumentException("not an alert (expected: a JSON object with \"event\":\"alert\")");
        }
        Map<String, Object> key = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("key").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            key.put(e.getKey(), v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? (Object) v.asDouble()
                    : v.asText());
        }
        String state = n.path("state").asText();
        return new Alert(text(n, "id"), text(n, "rule"), text(n, "task"), key, text(n, "metric"),
                n.path("value").asDouble(), n.path("threshold").asDouble(), nanos(text(n, "window_start")),
                nanos(text(n, "window_end")), "resolved".equals(state) ? Alert.State.RESOLVED : Alert.State.FIRED,
                text(n, "explanation"), n.hasNonNull("analysis") ? n.get("analysis").asText() : null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("alert: " + field + ": missing");
        }
        return v.asText();
    }
}
