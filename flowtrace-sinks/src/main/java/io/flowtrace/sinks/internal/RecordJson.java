package io.flowtrace.sinks.internal;

import io.flowtrace.core.FlowEventJson;
import io.flowtrace.core.FlowEventNdjson;

/**
 * The field order of a record as JSON ({@link FlowEventJson}, {@link FlowEventNdjson}), which is also the CSV
 * header. Sinks write records through {@link JsonLines}, so every sink writes the same fields as the rest of
 * flowtrace.
 */
final class RecordJson {
    private RecordJson() {
    }

    /** Field names in the order core's encoders write them; also the CSV columns. */
    static final String[] FIELDS = {
        "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip", "src_port", "dst_port",
        "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size", "start_time",
        "src_packets", "dst_packets", "src_bytes", "dst_bytes", "src_ip_bytes", "dst_ip_bytes",
        "src_tcp_flags", "dst_tcp_flags", "end_reason", "ip_version", "vlan",
    };
}
