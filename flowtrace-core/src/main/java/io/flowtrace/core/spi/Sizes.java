package io.flowtrace.core.spi;

import java.util.Locale;

/**
 * Parses byte sizes: {@code 4096}, {@code 256KiB}, {@code 1MiB}, {@code 2GiB}, {@code 10KB} (powers of 1000).
 *
 * @since 0.1
 */
public final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a byte size.
     *
     * @param text the size, e.g. {@code 256KiB}
     * @return the size in bytes
     * @throws IllegalArgumentException when {@code text} is not a size, naming it
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw bad(text);
        }
        long n = Long.parseLong(t.substring(0, i));
        String unit = t.substring(i).trim().toLowerCase(Locale.ROOT);
        long mult;
        switch (unit) {
            case "": case "b": mult = 1; break;
            case "k": case "kib": mult = 1L << 10; break;
            case "m": case "mib": mult = 1L << 20; break;
            case "g": case "gib": mult = 1L << 30; break;
            case "kb": mult = 1000; break;
            case "mb": mult = 1000_000; break;
            case "gb": mult = 1000_000_000; break;
            default: throw bad(text);
        }
        if (n > Long.MAX_VALUE / mult) {
            throw bad(text);
        }
        return n * mult;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("size: '" + text + "' (expected: bytes, or a number with KiB, MiB, GiB)");
    }
}
