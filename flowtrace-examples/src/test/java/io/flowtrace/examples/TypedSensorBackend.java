package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A receiver that decodes each POSTed body as the sensor's backend, written in Go against the sensor's struct with
 * unknown fields refused, would: one JSON object whose keys are exactly the struct's fourteen, strings where the
 * struct has {@code string}, whole numbers where it has {@code int} ({@code 12.0} does not decode into an int),
 * numbers where it has {@code float64}, an RFC 3339 string where it has {@code time.Time}. A body that does not
 * decode is answered 400 with the reason (kept in {@link #errors()}), one that does 200. Thread-safe.
 * Serves on the loopback interface through {@link TinyHttpServer}.
 */
final class TypedSensorBackend implements AutoCloseable {
    /** The Go struct's fields and their Go types. */
    static final Map<String, String> STRUCT = orderedMap(
            "flow_id", "string", "timestamp", "time.Time", "interface", "string", "hostname", "string",
            "direction", "string", "src_ip", "string", "dst_ip", "string", "src_port", "string", "dst_port", "string",
            "protocol", "string", "flow_duration", "float64", "packet_count", "int", "byte_count", "int",
            "avg_packet_size", "float64");
    /** What Go's time.Parse(time.RFC3339, s) takes. */
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final TinyHttpServer server;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    TypedSensorBackend() throws IOException {
        server = new TinyHttpServer("ok", body -> {
            String error = decode(body);
            if (error != null) {
                errors.add(error);
            }
            return error;
        });
    }

    String url() {
        return "http://127.0.0.1:" + server.port() + "/ingest";
    }

    /** The bodies taken, in order. */
    List<JsonNode> accepted() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String b : server.bodies()) {
            out.add(MAPPER.readTree(b));
        }
        return out;
    }

    List<String> errors() {
        synchronized (errors) {
            return new ArrayList<>(errors);
        }
    }

    /** Why the body does not decode into the struct, or {@code null} when it does. */
    static String decode(String body) {
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (IOException e) {
            return "not JSON: " + e.getMessage();
        }
        if (n == null || !n.isObject()) {
            return "json: cannot unmarshal " + (n == null ? "nothing" : n.getNodeType()) + " into FlowEvent";
        }
        Set<String> keys = new LinkedHashSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!STRUCT.containsKey(k)) {
                return "json: unknown field \"" + k + "\"";
            }
            keys.add(k);
        }
        if (!keys.equals(STRUCT.keySet())) {
            Set<String> missing = new LinkedHashSet<>(STRUCT.keySet());
            missing.removeAll(keys);
            return "missing fields " + missing;
        }
        for (Map.Entry<String, String> f : STRUCT.entrySet()) {
            JsonNode v = n.get(f.getKey());
            boolean ok;
            switch (f.getValue()) {
                case "string": ok = v.isTextual(); break;
                case "int": ok = v.isIntegralNumber(); break;
                case "float64": ok = v.isNumber(); break;
                default: ok = v.isTextual() && RFC3339.matcher(v.asText()).matches(); break;
            }
            if (!ok) {
                return "json: cannot unmarshal " + v.getNodeType() + " " + v + " into Go struct field FlowEvent."
                        + f.getKey() + " of type " + f.getValue();
            }
        }
        return null;
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
