package io.flowtrace.sinks.ipfix;

import java.nio.ByteBuffer;

/**
 * IPFIX (RFC 7011): version 10, a 16-byte header with the message length, template sets with id 2, times as
 * {@code flowStartMilliseconds}/{@code flowEndMilliseconds} (absolute, 8 bytes), and a sequence number that counts
 * the data records sent before the message.
 */
final class IpfixFormat extends ExportFormat {
    private long dataRecordsSent;

    IpfixFormat(long domainId) {
        super(domainId);
    }

    @Override
    int version() {
        return 10;
    }

    @Override
    int headerLength() {
        return 16;
    }

    @Override
    int templateSetId() {
        return 2;
    }

    @Override
    int startElement() {
        return 152;
    }

    @Override
    int endElement() {
        return 153;
    }

    @Override
    int timeLength() {
        return 8;
    }

    @Override
    void begin() {
    }

    @Override
    boolean admits(long startMillis, long endMillis) {
        return true;
    }

    @Override
    void putTimes(ByteBuffer b, long startMillis, long endMillis) {
        b.putLong(startMillis);
        b.putLong(endMillis);
    }

    @Override
    void putHeader(ByteBuffer b, int length, int records, int dataRecords, long nowMillis) {
        b.putShort(0, (short) 10);
        b.putShort(2, (short) length);
        b.putInt(4, (int) (nowMillis / 1000));
        b.putInt(8, (int) dataRecordsSent);
        b.putInt(12, (int) domainId);
        dataRecordsSent += dataRecords;
    }
}
