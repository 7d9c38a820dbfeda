package io.flowtrace.examples;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Numbers for the summaries the commands print: always {@code ,} between thousands and {@code .} before decimals,
 * whatever the JVM's locale, so that scripts reading a summary read the same text everywhere; and without
 * {@link java.util.Formatter}, whose first use costs a short run some 15-25 ms of start-up (its pattern and the
 * locale's number symbols are loaded then).
 */
final class Text {
    private Text() {
    }

    /** {@code v} with {@code ,} between groups of three digits: {@code String.format(Locale.ROOT, "%,d", v)}. */
    static String grouped(long v) {
        String digits = Long.toString(v);
        int start = v < 0 ? 1 : 0;
        int n = digits.length() - start;
        if (n <= 3) {
            return digits;
        }
        StringBuilder sb = new StringBuilder(digits.length() + (n - 1) / 3);
        sb.append(digits, 0, start);
        int first = n % 3 == 0 ? 3 : n % 3;
        sb.append(digits, start, start + first);
        for (int i = start + first; i < digits.length(); i += 3) {
            sb.append(',').append(digits, i, i + 3);
        }
        return sb.toString();
    }

    /**
     * {@code v} with {@code decimals} digits after the point, rounded half up from its shortest decimal form, as
     * {@code String.format(Locale.ROOT, "%.<decimals>f", v)} writes it.
     */
    static String fixed(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        }
        String s = new BigDecimal(Double.toString(v)).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
        // the formatter keeps the sign of a negative value that rounds to zero
        return v < 0 || (v == 0 && 1 / v < 0) ? (s.startsWith("-") ? s : "-" + s) : s;
    }

    /** {@code s} right-aligned in {@code width} characters ({@code %<width>s}). */
    static String right(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** {@code s} left-aligned in {@code width} characters ({@code %-<width>s}). */
    static String left(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
