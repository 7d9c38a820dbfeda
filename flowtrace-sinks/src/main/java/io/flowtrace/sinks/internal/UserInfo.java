package io.flowtrace.sinks.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The user information of a URL ({@code user:password@}), which the network sinks turn into credentials. */
public final class UserInfo {
    private UserInfo() {
    }

    /**
     * Percent-decodes URL user information as UTF-8 ({@code +} is a plus sign here, not a space).
     *
     * @throws IllegalArgumentException for a {@code %} not followed by two hexadecimal digits
     */
    public static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (lo < 0) {
                    throw new IllegalArgumentException("bad %-escape");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                int end = raw.indexOf('%', i);
                byte[] b = raw.substring(i, end < 0 ? raw.length() : end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = (end < 0 ? raw.length() : end) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
