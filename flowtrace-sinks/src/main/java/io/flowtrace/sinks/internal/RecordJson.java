package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.FlowRecordJson;

import java.io.IOException;

/**
 * The one place where sinks turn a {@link FlowRecord} into JSON: core's {@link FlowRecordJson}, so every sink
 * writes the same fields as the rest of flowtrace. Also holds the field order, which is the CSV header. One
 * instance per thread; not thread-safe.
 */
final class RecordJson {
    /** Field names in the order {@link FlowRecordJson} writes them; also the CSV columns. */
    static final String[] FIELDS = {
        "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip", "src_port", "dst_port",
        "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size", "start_time",
        "src_packets", "dst_packets", "src_bytes", "dst_bytes", "src_ip_bytes", "dst_ip_bytes",
        "src_tcp_flags", "dst_tcp_flags", "end_reason", "ip_version", "vlan",
    };

    private final FlowRecordJson json = new FlowRecordJson();

    void write(FlowRecord r, JsonGenerator g) throws IOException {
        json.write(r, g);
    }
}
