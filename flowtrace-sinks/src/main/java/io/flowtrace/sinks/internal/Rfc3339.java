package io.flowtrace.sinks.internal;

/**
 * Formats epoch nanoseconds as RFC 3339 UTC with nine fraction digits ({@code 2024-05-01T12:00:00.123456789Z})
 * into a caller's array, without allocating.
 */
public final class Rfc3339 {
    /** Characters written by {@link #format}. */
    public static final int LENGTH = 30;

    private Rfc3339() {
    }

    /** Writes {@link #LENGTH} characters at {@code out[off]}. */
    public static void format(long epochNanos, char[] out, int off) {
        long secs = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nanos = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        long days = Math.floorDiv(secs, 86_400L);
        int secOfDay = (int) Math.floorMod(secs, 86_400L);
        // civil-from-days (H. Hinnant), valid for the proleptic Gregorian calendar
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        if (m <= 2) {
            y++;
        }
        digits(out, off, (int) y, 4);
        out[off + 4] = '-';
        digits(out, off + 5, m, 2);
        out[off + 7] = '-';
        digits(out, off + 8, d, 2);
        out[off + 10] = 'T';
        digits(out, off + 11, secOfDay / 3600, 2);
        out[off + 13] = ':';
        digits(out, off + 14, secOfDay / 60 % 60, 2);
        out[off + 16] = ':';
        digits(out, off + 17, secOfDay % 60, 2);
        out[off + 19] = '.';
        digits(out, off + 20, nanos, 9);
        out[off + 29] = 'Z';
    }

    /** The formatted text (allocates; for messages and tests). */
    public static String format(long epochNanos) {
        char[] c = new char[LENGTH];
        format(epochNanos, c, 0);
        return new String(c);
    }

    private static void digits(char[] out, int off, int value, int width) {
        for (int i = off + width - 1; i >= off; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
