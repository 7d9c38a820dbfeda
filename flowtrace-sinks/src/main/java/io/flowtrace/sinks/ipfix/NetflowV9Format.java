package io.flowtrace.sinks.ipfix;

import java.nio.ByteBuffer;

/**
 * NetFlow v9 (RFC 3954): a 20-byte header with a record count, template flowsets with id 0, times as
 * {@code FIRST_SWITCHED}/{@code LAST_SWITCHED} (22/21: milliseconds of system uptime, 4 bytes), and a sequence
 * number that counts export packets.
 *
 * <p>Flow times are packet times (of a capture file, possibly years old), so each message gets its own clock: its
 * "boot" is set up to about 24 days before the first record's end, and its header's {@code unix_secs} and
 * {@code SysUptime} are chosen so that {@code unix_secs * 1000 - SysUptime} is that boot, which is how collectors
 * turn the uptime offsets back into absolute times. A record outside the 49 days a 32-bit offset reaches starts a
 * new message.
 */
final class NetflowV9Format extends ExportFormat {
    /** Half the reach of a 32-bit millisecond offset, in seconds: room before and after the first record. */
    private static final long HALF_REACH_SECONDS = 2_147_483L;
    /** Latest offset, leaving room to round the uptime up to whole seconds. */
    private static final long MAX_OFFSET = 0xffffffffL - 1000;

    private long packetsSent;
    private long bootMillis = -1;
    private long lastEndOffset;

    NetflowV9Format(long domainId) {
        super(domainId);
    }

    @Override
    int version() {
        return 9;
    }

    @Override
    int headerLength() {
        return 20;
    }

    @Override
    int templateSetId() {
        return 0;
    }

    @Override
    int startElement() {
        return 22;
    }

    @Override
    int endElement() {
        return 21;
    }

    @Override
    int timeLength() {
        return 4;
    }

    @Override
    void begin() {
        bootMillis = -1;
        lastEndOffset = 0;
    }

    @Override
    boolean admits(long startMillis, long endMillis) {
        if (bootMillis < 0) {
            long bootSeconds = Math.max(0, Math.min(Math.floorDiv(startMillis, 1000),
                    Math.floorDiv(endMillis, 1000) - HALF_REACH_SECONDS));
            bootMillis = bootSeconds * 1000;
            return true;
        }
        return startMillis >= bootMillis && endMillis - bootMillis <= MAX_OFFSET;
    }

    @Override
    void putTimes(ByteBuffer b, long startMillis, long endMillis) {
        long start = clamp(startMillis - bootMillis);
        long end = clamp(endMillis - bootMillis);
        b.putInt((int) start);
        b.putInt((int) end);
        lastEndOffset = Math.max(lastEndOffset, end);
    }

    /** Only a first record longer than 49 days, or before 1970, is out of reach: its times are cut to fit. */
    private static long clamp(long offset) {
        return Math.max(0, Math.min(MAX_OFFSET, offset));
    }

    @Override
    void putHeader(ByteBuffer b, int length, int records, int dataRecords, long nowMillis) {
        long unixSeconds;
        long uptime;
        if (bootMillis < 0) { // templates alone: the wall clock, just booted
            unixSeconds = nowMillis / 1000;
            uptime = 0;
        } else {
            uptime = (lastEndOffset + 999) / 1000 * 1000;
            unixSeconds = (bootMillis + uptime) / 1000;
        }
        b.putShort(0, (short) 9);
        b.putShort(2, (short) records);
        b.putInt(4, (int) uptime);
        b.putInt(8, (int) unixSeconds);
        b.putInt(12, (int) packetsSent);
        b.putInt(16, (int) domainId);
        packetsSent++;
    }
}
