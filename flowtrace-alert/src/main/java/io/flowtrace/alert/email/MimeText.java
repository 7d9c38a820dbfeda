package io.flowtrace.alert.email;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The few encodings a mail needs: RFC 2047 header words, base64 bodies in 76-column lines, HTML escaping. */
final class MimeText {
    private MimeText() {
    }

    /**
     * A header value as it is when it is printable ASCII, else as RFC 2047 encoded words ({@code =?UTF-8?B?...?=}),
     * each at most 75 characters and never splitting a character, folded onto continuation lines.
     */
    static String encodeWord(String text) {
        boolean ascii = true;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x20 || ch > 0x7e) {
                ascii = false;
                break;
            }
        }
        if (ascii && !text.contains("=?")) {
            return text;
        }
        // 39 bytes of UTF-8 make 52 base64 characters, a 64-character word: with "Subject: " a line stays under 78
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int bytes = 0;
            int j = i;
            while (j < text.length()) {
                int cp = text.codePointAt(j);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + n > 39) {
                    break;
                }
                bytes += n;
                j += Character.charCount(cp);
            }
            if (out.length() > 0) {
                out.append("\r\n ");
            }
            out.append("=?UTF-8?B?").append(Base64.getEncoder()
                    .encodeToString(text.substring(i, j).getBytes(StandardCharsets.UTF_8))).append("?=");
            i = j;
        }
        return out.toString();
    }

    /** Base64 in lines of 76 characters with CRLF, as a MIME body part wants. */
    static String base64Lines(String text) {
        return Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                .encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    /** Text made safe inside HTML elements and attribute values. */
    static String html(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '<': sb.append("&lt;"); break;
                case '>': sb.append("&gt;"); break;
                case '&': sb.append("&amp;"); break;
                case '"': sb.append("&quot;"); break;
                case '\'': sb.append("&#39;"); break;
                default: sb.append(ch);
            }
        }
        return sb.toString();
    }
}
