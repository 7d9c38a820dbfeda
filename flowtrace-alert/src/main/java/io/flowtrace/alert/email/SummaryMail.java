package io.flowtrace.alert.email;

import io.flowtrace.alert.Alert;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** One check's alerts as a MIME message: an HTML summary and its plain-text alternative. */
final class SummaryMail {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SummaryMail() {
    }

    /** {@return the subject: the template with {@code {n}} replaced by the number of fired alerts} */
    static String subject(String template, List<Alert> alerts) {
        return template.replace("{n}", String.valueOf(fired(alerts)));
    }

    static long fired(List<Alert> alerts) {
        return alerts.stream().filter(a -> a.state() == Alert.State.FIRED).count();
    }

    /** The whole message, headers and body, CRLF line ends, as it goes after DATA (before dot-stuffing). */
    static byte[] message(EmailSettings s, List<Alert> alerts, Instant now, String host) {
        String boundary = "=_flowtrace_" + HexFormat.of().formatHex(bytes(12));
        StringBuilder m = new StringBuilder(4096);
        m.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now,
                ZoneOffset.UTC))).append("\r\n");
        m.append("From: ").append(s.from().header()).append("\r\n");
        m.append("To: ").append(s.to().stream().map(EmailSettings.Address::header)
                .collect(Collectors.joining(",\r\n "))).append("\r\n");
        m.append("Subject: ").append(MimeText.encodeWord(subject(s.subject(), alerts))).append("\r\n");
        m.append("Message-ID: <").append(HexFormat.of().formatHex(bytes(16))).append("@").append(host)
                .append(">\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Auto-Submitted: auto-generated\r\n");
        m.append("Content-Type: multipart/alternative; boundary=\"").append(boundary).append("\"\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        m.append(MimeText.base64Lines(text(alerts)));
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        m.append(MimeText.base64Lines(html(alerts)));
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static String key(Alert a) {
        if (a.key().isEmpty()) {
            return "(task total)";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : a.key().entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    static String window(Alert a) {
        return Instant.ofEpochSecond(0, a.windowStartNanos()) + " .. " + Instant.ofEpochSecond(0, a.windowEndNanos());
    }

    private static String state(Alert a) {
        return a.state() == Alert.State.FIRED ? "FIRED" : "RESOLVED";
    }

    static String text(List<Alert> alerts) {
        long fired = fired(alerts);
        StringBuilder sb = new StringBuilder();
        sb.append("flowtrace alert summary: ").append(fired).append(" triggered, ").append(alerts.size() - fired)
                .append(" resolved\n\n");
        for (Alert a : alerts) {
            sb.append(state(a)).append("  ").append(a.rule()).append('\n');
            sb.append("  task:      ").append(a.task()).append('\n');
            sb.append("  key:       ").append(key(a)).append('\n');
            sb.append("  value:     ").append(a.metric()).append(" = ").append(number(a.value()))
                    .append(" (threshold ").append(number(a.threshold())).append(")\n");
            sb.append("  window:    ").append(window(a)).append('\n');
            sb.append("  id:        ").append(a.id()).append('\n');
            sb.append("  explanation: ").append(a.explanation()).append('\n');
            if (a.analysis() != null) {
                sb.append("  analysis:\n");
                for (String line : a.analysis().split("\r?\n", -1)) {
                    sb.append("    ").append(line).append('\n');
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String html(List<Alert> alerts) {
        long fired = fired(alerts);
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>flowtrace alert summary</title>"
                + "</head>\n<body style=\"font-family:sans-serif\">\n");
        sb.append("<h2>flowtrace alert summary: ").append(fired).append(" triggered, ").append(alerts.size() - fired)
                .append(" resolved</h2>\n");
        sb.append("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" style=\"border-collapse:collapse\">\n");
        sb.append("<tr><th>state</th><th>rule</th><th>task</th><th>key</th><th>metric</th><th>value</th>"
                + "<th>threshold</th><th>window (UTC)</th><th>explanation</th></tr>\n");
        for (Alert a : alerts) {
            sb.append("<tr><td>").append(state(a)).append("</td><td>").append(MimeText.html(a.rule()))
                    .append("</td><td>").append(MimeText.html(a.task())).append("</td><td>")
                    .append(MimeText.html(key(a))).append("</td><td>").append(MimeText.html(a.metric()))
                    .append("</td><td>").append(number(a.value())).append("</td><td>").append(number(a.threshold()))
                    .append("</td><td>").append(MimeText.html(window(a))).append("</td><td>")
                    .append(MimeText.html(a.explanation()));
            if (a.analysis() != null) {
                sb.append("<div style=\"white-space:pre-wrap;margin-top:6px\"><b>analysis:</b> ")
                        .append(MimeText.html(a.analysis())).append("</div>");
            }
            sb.append("</td></tr>\n");
        }
        sb.append("</table>\n</body></html>\n");
        return sb.toString();
    }
}
