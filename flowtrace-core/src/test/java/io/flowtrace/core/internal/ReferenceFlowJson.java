package io.flowtrace.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.IpText;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The flow event's JSON written the plain way, through Jackson's generator and java.time: the model
 * {@link FlowEventEncoder} is tested against.
 */
final class ReferenceFlowJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private ReferenceFlowJson() {
    }

    static String time(long nanos) {
        return TIME.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L)));
    }

    static String toJson(FlowEvent r) {
        StringWriter out = new StringWriter();
        FlowKey k = r.key();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event", "flow");
            g.writeStringField("flow_id", r.flowId());
            g.writeStringField("timestamp", time(r.endNanos()));
            g.writeStringField("interface", r.interfaceName());
            g.writeStringField("hostname", r.hostname());
            g.writeStringField("direction", r.direction().jsonName());
            g.writeStringField("src_ip", IpText.format(k.ipVersion(), k.srcHi(), k.srcLo()));
            g.writeStringField("dst_ip", IpText.format(k.ipVersion(), k.dstHi(), k.dstLo()));
            g.writeNumberField("src_port", k.srcPort());
            g.writeNumberField("dst_port", k.dstPort());
            g.writeStringField("protocol", k.protocolName());
            g.writeNumberField("flow_duration", r.durationNanos() / 1e9);
            g.writeNumberField("packet_count", r.packetCount());
            g.writeNumberField("byte_count", r.byteCount());
            g.writeNumberField("avg_packet_size", r.averagePacketSize());
            g.writeStringField("start_time", time(r.startNanos()));
            g.writeNumberField("src_packets", r.packetsForward());
            g.writeNumberField("dst_packets", r.packetsReverse());
            g.writeNumberField("src_bytes", r.bytesForward());
            g.writeNumberField("dst_bytes", r.bytesReverse());
            g.writeNumberField("src_ip_bytes", r.ipBytesForward());
            g.writeNumberField("dst_ip_bytes", r.ipBytesReverse());
            g.writeNumberField("src_tcp_flags", r.tcpFlagsForward());
            g.writeNumberField("dst_tcp_flags", r.tcpFlagsReverse());
            g.writeStringField("end_reason", r.endReason().jsonName());
            g.writeNumberField("ip_version", k.ipVersion());
            g.writeNumberField("vlan", k.vlan());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
