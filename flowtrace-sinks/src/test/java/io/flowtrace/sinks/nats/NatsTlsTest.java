package io.flowtrace.sinks.nats;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NATS sink over TLS against a real nats-server with a self-signed certificate made for the test (the JDK's
 * keytool): trusted through {@code truststore}, refused without it, accepted by {@code tls=insecure}.
 */
class NatsTlsTest {
    private static final String PASSWORD = "changeit";

    @TempDir
    static Path certs;
    @TempDir
    Path dir;
    private NatsServerProcess server;
    private static Path truststore;
    private static Path keyPem;
    private static Path certPem;

    /** One certificate for the class: making an RSA key takes keytool a while. */
    @BeforeAll
    static void makeCertificate() throws Exception {
        Path keystore = certs.resolve("server.p12");
        truststore = certs.resolve("trust.p12");
        Path cert = certs.resolve("server.crt");
        keytool("-genkeypair", "-alias", "nats", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "nats", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "nats", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", PASSWORD);
        // nats-server reads PEM: write the key (PKCS#8) and certificate out of the key store
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        keyPem = certs.resolve("server-key.pem");
        certPem = certs.resolve("server-cert.pem");
        Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey("nats", PASSWORD.toCharArray()).getEncoded()));
        Files.writeString(certPem, pem("CERTIFICATE", ks.getCertificate("nats").getEncoded()));
    }

    @BeforeEach
    void startTlsServer() throws Exception {
        server = new NatsServerProcess(dir, false, "--tls", "--tlscert", certPem.toString(), "--tlskey",
                keyPem.toString());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        Path bin = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), "keytool " + args[0] + ": " + out);
    }

    private NatsSink sink(String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("url", "tls://127.0.0.1:" + server.port());
        values.put("connect-timeout", "2s");
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new NatsSink("nats", NatsSinkProvider.settings(new PluginConfig("sink 'nats'", values)), Pause.SLEEP,
                System::nanoTime);
    }

    /** Publishes one record, flushes and closes the sink: its counters and last error stay readable. */
    private static NatsSink publishOne(NatsSink sink) throws Exception {
        try {
            sink.accept(TestRecords.record(1));
            sink.flush();
        } finally {
            sink.close();
        }
        return sink;
    }

    @Test
    void tlsWithTheServersCertificateInTheTrustStoreConnects() throws Exception {
        NatsSink sink = publishOne(sink("tls", "on", "truststore", truststore.toString(), "truststore-password",
                PASSWORD));
        assertEquals(1L, sink.counters().get("confirmed"), sink.counters() + " " + sink.lastError());
    }

    @Test
    void anUntrustedCertificateIsRefusedAndReported() throws Exception {
        NatsSink sink = publishOne(sink("tls", "on", "retry-budget", "300ms", "backoff", "50ms", "backoff-max",
                "100ms"));
        assertEquals(1L, sink.counters().get("failed"));
        assertNotNull(sink.lastError());
    }

    @Test
    void insecureTlsAcceptsAnyCertificate() throws Exception {
        NatsSink sink = publishOne(sink("tls", "insecure"));
        assertEquals(1L, sink.counters().get("confirmed"), sink.counters() + " " + sink.lastError());
    }
}
