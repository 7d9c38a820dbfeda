package io.flowtrace.core;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses and prints durations in the form used by every flowtrace option: {@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, {@code 2d}, plain {@code 0} for "never"; a bare number is seconds.
 *
 * @since 0.1
 */
public final class Durations {
    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param text a number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}; {@code 0} for never
     * @return the duration
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw bad(text);
        }
        double value;
        try {
            value = Double.parseDouble(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw bad(text);
        }
        String unit = t.substring(i).trim();
        double nanos;
        switch (unit) {
            case "": case "s": case "sec": nanos = value * 1e9; break;
            case "ns": nanos = value; break;
            case "us": case "µs": nanos = value * 1e3; break;
            case "ms": nanos = value * 1e6; break;
            case "m": case "min": nanos = value * 60e9; break;
            case "h": nanos = value * 3600e9; break;
            case "d": nanos = value * 86400e9; break;
            default: throw bad(text);
        }
        if (nanos > Long.MAX_VALUE) {
            throw bad(text);
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("duration: '" + text
                + "' (expected: a number with unit ns, us, ms, s, m, h or d, e.g. 500ms, 30s, 5m; 0 means never)");
    }

    /**
     * {@return short text form: {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}, {@code 0}}
     *
     * @param d the duration
     */
    public static String format(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0";
        }
        if (n % 3_600_000_000_000L == 0) {
            return n / 3_600_000_000_000L + "h";
        }
        if (n % 60_000_000_000L == 0) {
            return n / 60_000_000_000L + "m";
        }
        if (n % 1_000_000_000L == 0) {
            return n / 1_000_000_000L + "s";
        }
        if (n % 1_000_000L == 0) {
            return n / 1_000_000L + "ms";
        }
        return n + "ns";
    }

    /**
     * {@return nanoseconds of a timeout, {@code Long.MAX_VALUE} for zero ("never")}
     *
     * @param d the timeout
     */
    public static long nanosOrNever(Duration d) {
        return d.isZero() ? Long.MAX_VALUE : d.toNanos();
    }
}
