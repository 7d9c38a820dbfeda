package io.flowtrace.capture;

import io.flowtrace.core.spi.PacketHandler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Keeps a copy of every packet handed on, for assertions. */
class Recorder implements PacketHandler {

    record Packet(long timestampNanos, int linkType, byte[] data, int wireLength, int interfaceIndex) {
        @Override
        public String toString() {
            return "Packet[ts=" + timestampNanos + ", link=" + linkType + ", caplen=" + data.length + ", wire="
                    + wireLength + ", if=" + interfaceIndex + "]";
        }
    }

    final List<Packet> packets = new ArrayList<>();

    @Override
    public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                         int wireLength, int interfaceIndex) {
        packets.add(new Packet(timestampNanos, linkType, Arrays.copyOfRange(data, offset, offset + capturedLength),
                wireLength, interfaceIndex));
    }

    Packet get(int i) {
        return packets.get(i);
    }

    int size() {
        return packets.size();
    }
}
