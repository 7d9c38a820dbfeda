package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;

import java.nio.ByteBuffer;

/**
 * Packs template and data records into one message in a reused buffer of {@code mtu} bytes: the header is left
 * blank until {@link #finish}, each run of records of one template is a set, and every data set is padded to four
 * bytes (RFC 3954 asks for it; RFC 7011 allows it). Two templates: {@link #IPV4} and {@link #IPV6}, with the same
 * elements apart from the addresses; in biflow mode (RFC 5103, IPFIX only) both also carry the reverse packets,
 * octets and TCP flags. Used on the sink's delivery thread only.
 */
final class MessageWriter {
    /** Smallest {@code mtu}: a header, both templates and one IPv6 record fit with room to spare. */
    static final int MIN_MTU = 256;
    /** Smallest {@code mtu} for biflow records, whose templates and records are larger. */
    static final int MIN_BIFLOW_MTU = 300;
    static final int IPV4 = 256;
    static final int IPV6 = 257;
    private static final int FIELDS = 13;
    /** The reverse elements of a biflow record: packets, octets, TCP flags. */
    private static final int REVERSE_FIELDS = 3;

    private final ExportFormat format;
    private final ByteBuffer b;
    private final boolean ipBytes;
    private final boolean biflow;
    private final int v4Length;
    private final int v6Length;
    private int openSet = -1;
    private int setStart;
    private int records;
    private int dataRecords;
    private int templateRecords;

    MessageWriter(ExportFormat format, int mtu, boolean ipBytes, boolean biflow) {
        this.format = format;
        this.b = ByteBuffer.allocate(mtu);
        this.ipBytes = ipBytes;
        this.biflow = biflow;
        int common = 2 + 2 + 1 + 1 + 2 + 4 + 1 + 8 + 8 + 2 * format.timeLength() + (biflow ? 8 + 8 + 1 : 0);
        this.v4Length = 8 + common;
        this.v6Length = 32 + common;
        reset();
    }

    /** Starts an empty message. */
    void reset() {
        b.clear();
        b.position(format.headerLength());
        openSet = -1;
        records = 0;
        dataRecords = 0;
        templateRecords = 0;
        format.begin();
    }

    boolean isEmpty() {
        return records == 0;
    }

    int dataRecords() {
        return dataRecords;
    }

    int templateRecords() {
        return templateRecords;
    }

    /** Adds both templates as one template set; call on an empty message, before any data record. */
    void putTemplates() {
        closeSet();
        int start = b.position();
        b.putShort((short) format.templateSetId());
        b.putShort((short) 0);
        template(IPV4, ExportFormat.SRC_IPV4, ExportFormat.DST_IPV4, 4);
        template(IPV6, ExportFormat.SRC_IPV6, ExportFormat.DST_IPV6, 16);
        b.putShort(start + 2, (short) (b.position() - start));
        records += 2;
        templateRecords += 2;
    }

    private void template(int id, int src, int dst, int addressLength) {
        b.putShort((short) id);
        b.putShort((short) (biflow ? FIELDS + REVERSE_FIELDS : FIELDS));
        field(src, addressLength);
        field(dst, addressLength);
        field(ExportFormat.SRC_PORT, 2);
        field(ExportFormat.DST_PORT, 2);
        field(ExportFormat.PROTOCOL, 1);
        field(ExportFormat.TCP_FLAGS, 1); // reduced-size encoding of tcpControlBits: flowtrace keeps 8 flag bits
        field(ExportFormat.VLAN, 2);
        field(ExportFormat.INGRESS_INTERFACE, 4);
        field(ExportFormat.END_REASON, 1);
        field(ExportFormat.PACKETS, 8);
        field(ExportFormat.OCTETS, 8);
        field(format.startElement(), format.timeLength());
        field(format.endElement(), format.timeLength());
        if (biflow) {
            reverseField(ExportFormat.PACKETS, 8);
            reverseField(ExportFormat.OCTETS, 8);
            reverseField(ExportFormat.TCP_FLAGS, 1);
        }
    }

    private void field(int id, int length) {
        b.putShort((short) id);
        b.putShort((short) length);
    }

    /** An enterprise-specific field specifier (RFC 7011 3.2): the element's number with the top bit, then the PEN. */
    private void reverseField(int id, int length) {
        b.putShort((short) (0x8000 | id));
        b.putShort((short) length);
        b.putInt((int) ExportFormat.REVERSE_PEN);
    }

    /**
     * Adds one direction of {@code e} as a data record: forward is initiator to responder with the initiator's
     * counters, reverse the other way with the responder's; in biflow mode the one record is forward with the
     * responder's counters as reverse elements ({@code reverse} must be false). Returns false, adding nothing, when
     * the message has no room for it (or, in NetFlow v9, its times are out of the message clock's reach): send and
     * start another.
     */
    boolean add(FlowEvent e, boolean reverse, long ingressInterface) {
        FlowKey k = e.key();
        boolean v6 = k.ipVersion() == 6;
        int template = v6 ? IPV6 : IPV4;
        int length = v6 ? v6Length : v4Length;
        if (b.position() + 3 + 4 + length + 3 > b.limit()) { // pad of the open set, a set header, pad of this one
            return false;
        }
        long startMillis = Math.floorDiv(e.startNanos(), 1_000_000L);
        long endMillis = Math.floorDiv(e.endNanos(), 1_000_000L);
        if (!format.admits(startMillis, endMillis)) {
            return false;
        }
        if (openSet != template) {
            closeSet();
            openSet = template;
            setStart = b.position();
            b.putShort((short) template);
            b.putShort((short) 0);
        }
        if (v6) {
            b.putLong(reverse ? k.dstHi() : k.srcHi());
            b.putLong(reverse ? k.dstLo() : k.srcLo());
            b.putLong(reverse ? k.srcHi() : k.dstHi());
            b.putLong(reverse ? k.srcLo() : k.dstLo());
        } else {
            b.putInt((int) (reverse ? k.dstLo() : k.srcLo()));
            b.putInt((int) (reverse ? k.srcLo() : k.dstLo()));
        }
        b.putShort((short) (reverse ? k.dstPort() : k.srcPort()));
        b.putShort((short) (reverse ? k.srcPort() : k.dstPort()));
        b.put((byte) k.protocol());
        b.put((byte) (reverse ? e.tcpFlagsReverse() : e.tcpFlagsForward()));
        b.putShort((short) k.vlan());
        b.putInt((int) ingressInterface);
        b.put((byte) endReason(e.endReason()));
        b.putLong(reverse ? e.packetsReverse() : e.packetsForward());
        b.putLong(ipBytes ? (reverse ? e.ipBytesReverse() : e.ipBytesForward())
                : (reverse ? e.bytesReverse() : e.bytesForward()));
        format.putTimes(b, startMillis, endMillis);
        if (biflow) {
            b.putLong(e.packetsReverse());
            b.putLong(ipBytes ? e.ipBytesReverse() : e.bytesReverse());
            b.put((byte) e.tcpFlagsReverse());
        }
        records++;
        dataRecords++;
        return true;
    }

    /** Closes the last set and writes the header; returns the message, ready to send (position 0, limit its end). */
    ByteBuffer finish(long nowMillis) {
        closeSet();
        int length = b.position();
        format.putHeader(b, length, records, dataRecords, nowMillis);
        b.flip();
        return b;
    }

    private void closeSet() {
        if (openSet < 0) {
            return;
        }
        while ((b.position() - setStart) % 4 != 0) {
            b.put((byte) 0);
        }
        b.putShort(setStart + 2, (short) (b.position() - setStart));
        openSet = -1;
    }

    /**
     * IANA's flowEndReason: 1 idle timeout, 2 active timeout, 3 end of flow detected, 4 forced end, 5 lack of
     * resources.
     */
    static int endReason(EndReason r) {
        switch (r) {
            case IDLE_TIMEOUT: return 1;
            case ACTIVE_TIMEOUT: return 2;
            case TCP_FIN: case TCP_RST: return 3;
            case END_OF_CAPTURE: case SHUTDOWN: return 4;
            case EVICTED: return 5;
            default: throw new AssertionError(r);
        }
    }
}
