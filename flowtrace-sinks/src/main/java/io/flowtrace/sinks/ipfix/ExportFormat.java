package io.flowtrace.sinks.ipfix;

import java.nio.ByteBuffer;

/**
 * What differs between IPFIX and NetFlow v9 in a message: the header, the template set id, how a record's first and
 * last packet times are written, and what the header's sequence number counts. One instance per sink (it keeps the
 * sequence and the open message's clock); used on the sink's delivery thread only.
 */
abstract class ExportFormat {
    /** Information elements both protocols number alike (IANA's registry took them over from NetFlow v9). */
    static final int OCTETS = 1;
    static final int PACKETS = 2;
    static final int PROTOCOL = 4;
    static final int TCP_FLAGS = 6;
    static final int SRC_PORT = 7;
    static final int SRC_IPV4 = 8;
    static final int INGRESS_INTERFACE = 10;
    static final int DST_PORT = 11;
    static final int DST_IPV4 = 12;
    static final int SRC_IPV6 = 27;
    static final int DST_IPV6 = 28;
    static final int VLAN = 58;
    static final int END_REASON = 136;
    /** RFC 5103: a reverse element is its forward element's number under this private enterprise number. */
    static final long REVERSE_PEN = 29305;

    final long domainId;

    ExportFormat(long domainId) {
        this.domainId = domainId;
    }

    static ExportFormat of(IpfixSettings s) {
        return s.version() == 9 ? new NetflowV9Format(s.domainId()) : new IpfixFormat(s.domainId());
    }

    abstract int version();

    abstract int headerLength();

    /** The set id of a template set (data sets take their template's id). */
    abstract int templateSetId();

    /** The element that holds the first packet's time, and the last's. */
    abstract int startElement();

    abstract int endElement();

    /** Bytes of each of the two time fields. */
    abstract int timeLength();

    /** A new message begins. */
    abstract void begin();

    /** Whether a record with these times can join the open message (v9: within reach of the message's clock). */
    abstract boolean admits(long startMillis, long endMillis);

    abstract void putTimes(ByteBuffer b, long startMillis, long endMillis);

    /**
     * Writes the header at position 0 and advances the sequence.
     *
     * @param length      bytes of the whole message
     * @param records     template and data records in it
     * @param dataRecords data records in it
     * @param nowMillis   wall-clock export time
     */
    abstract void putHeader(ByteBuffer b, int length, int records, int dataRecords, long nowMillis);
}
