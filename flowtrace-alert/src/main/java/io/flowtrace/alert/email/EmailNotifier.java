package io.flowtrace.alert.email;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.alert.spi.NotifierException;
import io.flowtrace.core.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Mails one summary per check to every recipient. A try that fails for a reason a retry may cure (a dropped
 * connection, a timeout, a 4xx reply) is retried after {@code retry_backoff}, doubled each time, up to
 * {@code retries} times while {@code retry_budget} lasts; a 5xx reply or a refused TLS policy fails at once. Messages never contain the password.
 * Thread-safe: each delivery opens its own connection.
 */
final class EmailNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(EmailNotifier.class);

    private final EmailSettings s;
    private final SSLSocketFactory tls;
    private final Clock clock;
    private volatile boolean closed;

    EmailNotifier(EmailSettings settings) {
        this(settings, Clock.systemUTC());
    }

    EmailNotifier(EmailSettings settings, Clock clock) {
        this.s = settings;
        this.tls = socketFactory(settings);
        this.clock = clock;
    }

    @Override
    public String describe() {
        return "email smtp://" + s.host() + ":" + s.port() + " (" + s.to().size() + " recipient"
                + (s.to().size() == 1 ? "" : "s") + ", tls " + s.tls().name().toLowerCase(java.util.Locale.ROOT)
                + ")";
    }

    @Override
    public void deliver(List<Alert> alerts) throws NotifierException {
        if (closed) {
            throw new NotifierException(describe() + ": closed");
        }
        if (alerts.isEmpty()) {
            return;
        }
        byte[] message = SummaryMail.message(s, alerts, clock.instant(), s.from().mailbox()
                .substring(s.from().mailbox().indexOf('@') + 1));
        Duration wait = s.retryBackoff();
        long start = System.nanoTime();
        for (int attempt = 0; ; attempt++) {
            String failure;
            boolean permanent;
            try (SmtpSession session = new SmtpSession(s, tls)) {
                session.send(message);
                LOG.debug("{}: sent a summary of {} alert(s)", describe(), alerts.size());
                return;
            } catch (SmtpSession.SmtpException e) {
                failure = e.getMessage();
                permanent = e.permanent;
            } catch (IOException e) {
                failure = e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getClass().getSimpleName() + ": " + e.getMessage();
                permanent = e instanceof javax.net.ssl.SSLHandshakeException; // a certificate does not fix itself
            }
            failure = redact(failure);
            boolean overBudget = System.nanoTime() - start + wait.toNanos() > s.retryBudget().toNanos();
            if (permanent || attempt >= s.retries() || overBudget) {
                throw new NotifierException(describe() + ": " + failure + (attempt > 0 ? " (after " + (attempt + 1)
                        + " tries)" : "") + (overBudget && !permanent && attempt < s.retries()
                        ? " (retry_budget " + io.flowtrace.core.Durations.format(s.retryBudget()) + " spent)" : ""));
            }
            LOG.warn("{}: {}; retrying in {} ms", describe(), failure, wait.toMillis());
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotifierException(describe() + ": interrupted while waiting to retry after: " + failure);
            }
            wait = wait.multipliedBy(2);
        }
    }

    /** A server reply or an exception text with the password (and its base64 forms) taken out. */
    private String redact(String text) {
        if (text == null || s.password() == null) {
            return text;
        }
        String out = text;
        Base64.Encoder b = Base64.getEncoder();
        for (String secret : List.of(
                b.encodeToString(("\0" + s.username() + "\0" + s.password()).getBytes(StandardCharsets.UTF_8)),
                b.encodeToString(s.password().getBytes(StandardCharsets.UTF_8)), s.password())) {
            out = out.replace(secret, "***");
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }

    private static SSLSocketFactory socketFactory(EmailSettings s) {
        if (s.caFile() == null) {
            return (SSLSocketFactory) SSLSocketFactory.getDefault();
        }
        try (InputStream in = Files.newInputStream(s.caFile())) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new ConfigurationException("notifier 'email': ca_file: " + s.caFile()
                        + ": no certificate (expected: PEM certificates)");
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException("notifier 'email': ca_file: " + s.caFile() + ": " + e.getMessage()
                    + " (expected: PEM certificates)", e);
        }
    }
}
