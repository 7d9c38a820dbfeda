package io.flowtrace.sketch;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.internal.DecodedPacket;

/** Single IPv4 packets and finished flows, written field by field, for the aggregator tests. */
public final class TestPackets {
    private TestPackets() {
    }

    public static DecodedPacket packet(int src, int dst, int sport, int dport, int proto, int len) {
        DecodedPacket p = new DecodedPacket();
        p.ipVersion = 4;
        p.srcLo = src & 0xFFFFFFFFL;
        p.dstLo = dst & 0xFFFFFFFFL;
        p.srcPort = sport;
        p.dstPort = dport;
        p.protocol = proto;
        p.wireLength = len;
        return p;
    }

    public static FlowEvent flow(int src, int dst, int sport, int dport) {
        FlowKey k = FlowKey.ipv4(src, dst, sport, dport, 6);
        return new FlowEvent(FlowEvent.flowIdOf(k, 1), k, 1, 2, 1, 1, 60, 60, 40, 40, 0, 0,
                EndReason.TCP_FIN, null, null, Direction.UNKNOWN);
    }
}
