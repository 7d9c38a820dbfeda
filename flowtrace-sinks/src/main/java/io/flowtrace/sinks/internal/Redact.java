package io.flowtrace.sinks.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text made safe for a log line, an error or a start line: URLs without their user information
 * ({@code user:password@}) and query ({@code ?api_key=...}), where secrets are commonly put, and text from a remote
 * party (a response body, a server's error) with its control characters escaped, so that it can neither forge
 * log lines nor drive a terminal. Stateless and thread-safe.
 */
public final class Redact {
    /** A scheme and {@code ://}, then everything up to white space: a URL inside free text. */
    private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://\\S*");

    private Redact() {
    }

    /**
     * {@code url} without user information, query or fragment, and with control characters escaped:
     * {@code https://u:p@host/in?key=k} becomes {@code https://host/in}. Everything up to the last {@code @} goes,
     * so a password with an unescaped {@code @} or {@code /} in a URL that does not parse is hidden too.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        int cut = indexOfAny(url, "?#");
        String s = cut < 0 ? url : url.substring(0, cut);
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            int scheme = s.indexOf("://");
            s = (scheme >= 0 && scheme < at ? s.substring(0, scheme + 3) : "") + s.substring(at + 1);
        }
        return controls(s);
    }

    /**
     * Free text (an exception's message, a server's answer) with every URL in it redacted as by {@link #url} and
     * control characters escaped.
     */
    public static String message(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = URL.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            sb.append(controls(text.substring(last, m.start()))).append(url(m.group()));
            last = m.end();
        }
        if (last == 0) {
            return controls(text);
        }
        return sb.append(controls(text.substring(last))).toString();
    }

    /**
     * {@code text} with control characters (C0, DEL, C1, and the Unicode line and paragraph separators) written as
     * {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}, and backslashes doubled, so what reaches a log
     * is one line that says exactly what was received.
     */
    public static String controls(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        int n = text.length();
        while (i < n && !special(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder sb = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (special(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean special(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\' || c == '\u2028' || c == '\u2029';
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
