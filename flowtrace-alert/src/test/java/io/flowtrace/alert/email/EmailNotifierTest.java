package io.flowtrace.alert.email;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.alert.spi.NotifierProvider;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.SmtpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The email notifier against a real SMTP server (aiosmtpd), its messages read back by Python's email package. */
class EmailNotifierTest {
    private static final String PASSWORD = "s3cr\u00e9t-pw";
    private static final long T0 = 1_700_000_000_000_000_000L;

    private static Alert alert(String rule, Map<String, Object> key, double value, Alert.State state,
                               String explanation, String analysis) {
        return new Alert(rule + "-" + key.hashCode(), rule, "cm_src", key, "heavy_hitter_count", value, 10,
                T0, T0 + 60_000_000_000L, state, explanation, analysis);
    }

    private static List<Alert> alerts() {
        Map<String, Object> scanner = new LinkedHashMap<>();
        scanner.put("src_ip", "10.0.0.66");
        Map<String, Object> hostile = new LinkedHashMap<>();
        hostile.put("src_ip", "<script>alert(1)</script>");
        return List.of(
                alert("Potential_Nmap_Scan_Detected", scanner, 1024, Alert.State.FIRED,
                        "10.0.0.66 sent SYNs to 1024 ports of 10.0.0.5 & got 3 replies: a port scan",
                        "Severity: high.\nBlock 10.0.0.66."),
                alert("Weird_Key", hostile, 12, Alert.State.FIRED, "a key with <b>markup</b>", null),
                alert("Total_Traffic_Spike", Map.of(), 5, Alert.State.RESOLVED, "back under the threshold", null));
    }

    private static Notifier notifier(Map<String, Object> settings) {
        NotifierProvider p = ServiceLoader.load(NotifierProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.type().equals("email")).findFirst().orElseThrow();
        PluginConfig c = new PluginConfig("notifier 'email'", settings);
        Notifier n = p.create(c);
        c.validate();
        return n;
    }

    private static Map<String, Object> settings(SmtpServer s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", s.host());
        m.put("port", s.port());
        m.put("from", "flowtrace@example.org");
        m.put("to", "ops@example.org, Night Desk <night@example.org>");
        m.put("retry_backoff", "10ms");
        m.put("timeout", "5s");
        if (s.mode() != SmtpServer.Mode.PLAIN) {
            m.put("ca_file", s.caFile().toString());
        }
        return m;
    }

    @Test
    void starttlsWithAuthSendsOneHtmlSummaryWithTheEnginesSubject() throws Exception {
        try (SmtpServer server = SmtpServer.startWithAuth(SmtpServer.Mode.STARTTLS, "alerts", PASSWORD, false)) {
            Map<String, Object> m = settings(server);
            m.put("username", "alerts");
            m.put("password", PASSWORD);
            try (Notifier n = notifier(m)) {
                assertFalse(n.describe().contains(PASSWORD), n.describe());
                n.deliver(alerts());
            }
            List<SmtpServer.Message> got = server.awaitMessages(1, Duration.ofSeconds(10));
            assertEquals(1, got.size());
            SmtpServer.Message msg = got.get(0);
            assertEquals("Go2NetSpectra Alert Summary (2 Triggered)", msg.subject());
            assertEquals("flowtrace@example.org", msg.from());
            assertEquals(List.of("ops@example.org", "night@example.org"), msg.recipients());
            assertEquals("multipart/alternative", msg.contentType());
            assertEquals(List.of("PLAIN alerts ok"), server.authAttempts());
            for (String rule : List.of("Potential_Nmap_Scan_Detected", "Weird_Key", "Total_Traffic_Spike")) {
                assertTrue(msg.html().contains("<td>" + rule + "</td>"), rule + " in " + msg.html());
                assertTrue(msg.text().contains(rule), rule);
            }
            assertTrue(msg.html().contains("src_ip=10.0.0.66"));
            assertTrue(msg.html().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), msg.html());
            assertFalse(msg.html().contains("<script>"), msg.html());
            assertTrue(msg.html().contains("a key with &lt;b&gt;markup&lt;/b&gt;"));
            assertTrue(msg.html().contains("10.0.0.5 &amp; got 3 replies"));
            assertTrue(msg.html().contains("Block 10.0.0.66."));
            assertTrue(msg.text().contains("<script>alert(1)</script>"), "plain text is not escaped");
            assertTrue(msg.html().contains("<td>FIRED</td>") && msg.html().contains("<td>RESOLVED</td>"));
            assertTrue(msg.text().contains("2023-11-14T22:13:20Z .. 2023-11-14T22:14:20Z"), msg.text());
        }
    }

    @Test
    void nonAsciiSubjectIsEncodedAndDecodesBack() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.STARTTLS)) {
            Map<String, Object> m = settings(server);
            String subject = "Alertes r\u00e9seau : {n} d\u00e9clench\u00e9es \u2014 \u76d1\u63a7\u544a\u8b66 "
                    + "with a long tail so that it needs more than one encoded word";
            m.put("subject", subject);
            try (Notifier n = notifier(m)) {
                n.deliver(alerts());
            }
            SmtpServer.Message msg = server.awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertEquals(subject.replace("{n}", "2"), msg.subject());
            String subjectHeader = msg.raw().substring(msg.raw().indexOf("Subject:"), msg.raw().indexOf("Message-ID:"));
            assertTrue(subjectHeader.contains("=?UTF-8?B?"), subjectHeader);
            for (String line : subjectHeader.split("\r\n")) {
                assertTrue(line.length() <= 78, "header line of " + line.length() + " characters: " + line);
            }
        }
    }

    @Test
    void implicitTlsWithAuth() throws Exception {
        try (SmtpServer server = SmtpServer.startWithAuth(SmtpServer.Mode.TLS, "alerts", PASSWORD, true)) {
            Map<String, Object> m = settings(server);
            m.put("tls", "tls");
            m.put("username", "alerts");
            m.put("password", PASSWORD);
            try (Notifier n = notifier(m)) {
                n.deliver(alerts().subList(0, 1));
            }
            SmtpServer.Message msg = server.awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertEquals("Go2NetSpectra Alert Summary (1 Triggered)", msg.subject());
            assertEquals(1, server.authAttempts().size());
        }
    }

    @Test
    void neverSendsThePasswordInClearUnlessTlsNone() throws Exception {
        try (SmtpServer server = SmtpServer.startWithAuth(SmtpServer.Mode.PLAIN, "alerts", PASSWORD, true)) {
            Map<String, Object> m = settings(server);
            m.put("username", "alerts");
            m.put("password", PASSWORD);
            try (Notifier n = notifier(m)) {
                NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
                assertTrue(e.getMessage().contains("refusing to send the password in clear"), e.getMessage());
                assertFalse(e.getMessage().contains(PASSWORD));
            }
            m.put("tls", "starttls");
            try (Notifier n = notifier(m)) {
                NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
                assertTrue(e.getMessage().contains("does not offer STARTTLS"), e.getMessage());
            }
            assertEquals(List.of(), server.authAttempts(), "no AUTH was tried");
            assertEquals(0, server.messages().size());
            m.put("tls", "none");
            try (Notifier n = notifier(m)) {
                n.deliver(alerts());
            }
            assertEquals(1, server.awaitMessages(1, Duration.ofSeconds(10)).size());
            assertEquals(List.of("PLAIN alerts ok"), server.authAttempts());
        }
    }

    @Test
    void aRefusedPasswordFailsAtOnceWithoutTheSecret() throws Exception {
        try (SmtpServer server = SmtpServer.startWithAuth(SmtpServer.Mode.STARTTLS, "alerts", "other", false)) {
            Map<String, Object> m = settings(server);
            m.put("username", "alerts");
            m.put("password", PASSWORD);
            try (Notifier n = notifier(m)) {
                NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
                assertTrue(e.getMessage().contains("AUTH") && e.getMessage().contains("535"), e.getMessage());
                assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
            }
            assertEquals(List.of("PLAIN alerts refused"), server.authAttempts(), "a 5xx is not retried");
            assertEquals(0, server.messages().size());
        }
    }

    @Test
    void anUntrustedCertificateIsRefused() throws Exception {
        try (SmtpServer server = SmtpServer.start(SmtpServer.Mode.STARTTLS)) {
            Map<String, Object> m = settings(server);
            m.remove("ca_file"); // the JDK's own trust store does not know the test's certificate
            try (Notifier n = notifier(m)) {
                NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
                assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
            }
            assertEquals(0, server.messages().size());
        }
    }

    @Test
    void anUnreachableServerIsRetriedThenReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", "127.0.0.1");
        m.put("port", port);
        m.put("from", "flowtrace@example.org");
        m.put("to", "ops@example.org");
        m.put("retries", 2);
        m.put("retry_backoff", "50ms");
        try (Notifier n = notifier(m)) {
            long t = System.nanoTime();
            NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertTrue(e.getMessage().contains("after 3 tries"), e.getMessage());
            assertTrue(ms >= 150, "two waits of 50ms and 100ms: " + ms + " ms");
        }
        m.put("retries", 5);
        m.put("retry_backoff", "1s");
        m.put("retry_budget", "2500ms");
        try (Notifier n = notifier(m)) {
            NotifierException e = assertThrows(NotifierException.class, () -> n.deliver(alerts()));
            // a wait of 1s, then one of 2s would end past 2.5s: the second try is the last
            assertTrue(e.getMessage().contains("after 2 tries") && e.getMessage().contains("retry_budget 2500ms spent"),
                    e.getMessage());
        }
    }

    @Test
    void badSettingsAreRefusedTogether() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", "smtp.example.org");
        m.put("from", "not an address");
        m.put("to", "ops@example.org, bad\r\nBcc: x@y");
        m.put("tls", "ssl");
        m.put("passwrd", "x");
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> notifier(m));
        for (String part : List.of("from:", "to:", "tls:", "unknown key 'passwrd'")) {
            assertTrue(e.getMessage().contains(part), part + " in " + e.getMessage());
        }
    }

    @Test
    void dotsAtLineStartAreDoubled() {
        assertEquals(".\r\n..x\r\na.b\r\n", new String(SmtpSession.dotStuffed(".\r\n.x\r\na.b".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)), java.nio.charset.StandardCharsets.US_ASCII)
                .replaceFirst("^\\.", ""));
    }
}
