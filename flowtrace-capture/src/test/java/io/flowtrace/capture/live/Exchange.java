package io.flowtrace.capture.live;

import io.flowtrace.capture.live.RecordingHandler.Seen;
import io.flowtrace.core.FlowEvent;

import java.util.List;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a capture of one {@link TrafficMaker} exchange must contain, given the server's ports. */
record Exchange(int tcpPort, int udpPort, int messages) {

    String filter() {
        return "(tcp and port " + tcpPort + ") or (udp and port " + udpPort + ")";
    }

    /** True once the last datagram of the exchange (the final UDP reply) has been captured. */
    boolean complete(List<Seen> seen) {
        return count(seen, 17, false, 0) >= messages;
    }

    void assertCaptured(List<Seen> seen) {
        assertAll(
                () -> assertEquals(1, countFlags(seen, true, Seen.SYN, Seen.ACK), "SYN client to server"),
                () -> assertEquals(1, countFlags(seen, false, Seen.SYN | Seen.ACK, 0), "SYN-ACK server to client"),
                () -> assertEquals(messages, count(seen, 6, true, 1), "TCP data segments client to server"),
                () -> assertEquals(messages, count(seen, 6, false, 1), "TCP data segments server to client"),
                () -> assertEquals((long) messages * TrafficMaker.TCP_REQUEST, payload(seen, 6, true),
                        "TCP payload bytes client to server"),
                () -> assertEquals((long) messages * TrafficMaker.TCP_RESPONSE, payload(seen, 6, false),
                        "TCP payload bytes server to client"),
                () -> assertEquals(1, countFlags(seen, true, Seen.FIN, 0), "FIN client to server"),
                () -> assertEquals(1, countFlags(seen, false, Seen.FIN, 0), "FIN server to client"),
                () -> assertEquals(messages, count(seen, 17, true, 0), "UDP datagrams client to server"),
                () -> assertEquals(messages, count(seen, 17, false, 0), "UDP datagrams server to client"),
                () -> assertEquals((long) messages * TrafficMaker.UDP_REQUEST, payload(seen, 17, true),
                        "UDP payload bytes client to server"),
                () -> assertEquals((long) messages * TrafficMaker.UDP_RESPONSE, payload(seen, 17, false),
                        "UDP payload bytes server to client"));
    }

    /**
     * The flow events of the exchange: one per conversation, initiator (client) first, with packets and wire bytes
     * per direction equal to the frames captured ({@code seen}) and, for UDP, to what the client and server sent.
     */
    void assertRecords(List<FlowEvent> records, List<Seen> seen) {
        assertEquals(2, records.size(), "one record per conversation: " + records);
        FlowEvent tcp = records.stream().filter(r -> r.key().protocol() == 6).findFirst().orElseThrow();
        FlowEvent udp = records.stream().filter(r -> r.key().protocol() == 17).findFirst().orElseThrow();
        int frameHeaders = 14 + 20 + 8;
        assertAll(
                () -> assertEquals(tcpPort, tcp.key().dstPort(), "the TCP client is the initiator"),
                () -> assertEquals(count(seen, 6, true, 0), tcp.packetsForward(), "TCP packets client to server"),
                () -> assertEquals(count(seen, 6, false, 0), tcp.packetsReverse(), "TCP packets server to client"),
                () -> assertEquals(wire(seen, 6, true), tcp.bytesForward(), "TCP bytes client to server"),
                () -> assertEquals(wire(seen, 6, false), tcp.bytesReverse(), "TCP bytes server to client"),
                () -> assertEquals(udpPort, udp.key().dstPort(), "the UDP client is the initiator"),
                () -> assertEquals(messages, udp.packetsForward(), "UDP datagrams client to server"),
                () -> assertEquals(messages, udp.packetsReverse(), "UDP datagrams server to client"),
                () -> assertEquals((long) messages * (frameHeaders + TrafficMaker.UDP_REQUEST), udp.bytesForward(),
                        "UDP bytes client to server"),
                () -> assertEquals((long) messages * (frameHeaders + TrafficMaker.UDP_RESPONSE), udp.bytesReverse(),
                        "UDP bytes server to client"));
    }

    private int serverPort(int protocol) {
        return protocol == 6 ? tcpPort : udpPort;
    }

    private boolean toServer(Seen s) {
        return s.dstPort() == serverPort(s.protocol());
    }

    private boolean ours(Seen s, int protocol, boolean toServer) {
        return s.protocol() == protocol && toServer(s) == toServer
                && (s.dstPort() == serverPort(protocol) || s.srcPort() == serverPort(protocol));
    }

    private int count(List<Seen> seen, int protocol, boolean toServer, int minPayload) {
        int n = 0;
        for (Seen s : seen) {
            if (ours(s, protocol, toServer) && s.payloadLength() >= minPayload) {
                n++;
            }
        }
        return n;
    }

    private long payload(List<Seen> seen, int protocol, boolean toServer) {
        return sum(seen, protocol, toServer, Seen::payloadLength);
    }

    private long wire(List<Seen> seen, int protocol, boolean toServer) {
        return sum(seen, protocol, toServer, Seen::wireLength);
    }

    private long sum(List<Seen> seen, int protocol, boolean toServer, ToLongFunction<Seen> field) {
        long n = 0;
        for (Seen s : seen) {
            if (ours(s, protocol, toServer)) {
                n += field.applyAsLong(s);
            }
        }
        return n;
    }

    private int countFlags(List<Seen> seen, boolean toServer, int required, int forbidden) {
        int n = 0;
        for (Seen s : seen) {
            if (ours(s, 6, toServer) && (s.tcpFlags() & required) == required && (s.tcpFlags() & forbidden) == 0) {
                n++;
            }
        }
        return n;
    }
}
