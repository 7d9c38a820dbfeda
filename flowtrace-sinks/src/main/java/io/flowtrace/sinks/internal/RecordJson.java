package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.IpText;

import java.io.IOException;

/**
 * The one place where sinks turn a {@link FlowRecord} into JSON: the sensor's field names first, then flowtrace's
 * additions. Keeps a reused character buffer, so one instance per thread. Not thread-safe.
 */
public final class RecordJson {
    /** Field names in the order they are written; also the CSV header. */
    static final String[] FIELDS = {
        "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip", "src_port", "dst_port",
        "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size", "start_time",
        "packets_forward", "packets_reverse", "bytes_forward", "bytes_reverse", "ip_bytes_forward",
        "ip_bytes_reverse", "tcp_flags_forward", "tcp_flags_reverse", "end_reason", "ip_version", "vlan",
    };

    private final char[] chars = new char[64];
    private final StringBuilder text = new StringBuilder(48);

    /** Writes {@code r} as one JSON object. */
    public void write(FlowRecord r, JsonGenerator g) throws IOException {
        FlowKey k = r.key();
        g.writeStartObject();
        g.writeStringField("flow_id", r.flowId());
        g.writeFieldName("timestamp");
        time(g, r.endNanos());
        g.writeStringField("interface", r.interfaceName());
        g.writeStringField("hostname", r.hostname());
        g.writeStringField("direction", r.direction().jsonName());
        g.writeFieldName("src_ip");
        ip(g, k.ipVersion(), k.srcHi(), k.srcLo());
        g.writeFieldName("dst_ip");
        ip(g, k.ipVersion(), k.dstHi(), k.dstLo());
        g.writeNumberField("src_port", k.srcPort());
        g.writeNumberField("dst_port", k.dstPort());
        g.writeStringField("protocol", k.protocolName());
        g.writeNumberField("flow_duration", r.durationNanos() / 1e9);
        g.writeNumberField("packet_count", r.packetCount());
        g.writeNumberField("byte_count", r.byteCount());
        g.writeNumberField("avg_packet_size", r.averagePacketSize());
        g.writeFieldName("start_time");
        time(g, r.startNanos());
        g.writeNumberField("packets_forward", r.packetsForward());
        g.writeNumberField("packets_reverse", r.packetsReverse());
        g.writeNumberField("bytes_forward", r.bytesForward());
        g.writeNumberField("bytes_reverse", r.bytesReverse());
        g.writeNumberField("ip_bytes_forward", r.ipBytesForward());
        g.writeNumberField("ip_bytes_reverse", r.ipBytesReverse());
        g.writeNumberField("tcp_flags_forward", r.tcpFlagsForward());
        g.writeNumberField("tcp_flags_reverse", r.tcpFlagsReverse());
        g.writeStringField("end_reason", r.endReason().jsonName());
        g.writeNumberField("ip_version", k.ipVersion());
        g.writeNumberField("vlan", k.vlan());
        g.writeEndObject();
    }

    private void time(JsonGenerator g, long nanos) throws IOException {
        Rfc3339.format(nanos, chars, 0);
        g.writeString(chars, 0, Rfc3339.LENGTH);
    }

    private void ip(JsonGenerator g, int version, long hi, long lo) throws IOException {
        text.setLength(0);
        IpText.append(text, version, hi, lo);
        int n = text.length();
        text.getChars(0, n, chars, 0);
        g.writeString(chars, 0, n);
    }
}
