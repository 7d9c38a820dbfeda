package io.flowtrace.alert.email;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One SMTP conversation (RFC 5321) that sends one message: greeting, EHLO, STARTTLS, AUTH PLAIN or LOGIN,
 * MAIL, RCPT, DATA, QUIT. Not thread-safe; used once. Every reply is read under the read timeout, and a reply is
 * read at most {@value #MAX_LINES} lines of {@value #MAX_LINE} bytes, so a broken server cannot hang or flood it.
 */
final class SmtpSession implements Closeable {
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;

    /** A refused step: {@code permanent} for 5xx replies and policy refusals, which a retry cannot cure. */
    static final class SmtpException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean permanent;

        SmtpException(String message, boolean permanent) {
            super(message);
            this.permanent = permanent;
        }
    }

    private record Reply(int code, List<String> lines) {
        String text() {
            return code + " " + String.join(" / ", lines);
        }
    }

    private final EmailSettings s;
    private final SSLSocketFactory tls;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean secure;
    private List<String> extensions = List.of();

    SmtpSession(EmailSettings settings, SSLSocketFactory tls) {
        this.s = settings;
        this.tls = tls;
    }

    /** Sends {@code message} (CRLF lines) to every recipient; throws on the first refused step. */
    void send(byte[] message) throws IOException, SmtpException {
        Socket plain = new Socket();
        socket = plain;
        plain.connect(new InetSocketAddress(s.host(), s.port()), (int) Math.min(Integer.MAX_VALUE,
                s.connectTimeout().toMillis()));
        plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, s.timeout().toMillis()));
        if (s.tls() == EmailSettings.Tls.TLS) {
            upgrade();
        } else {
            streams();
        }
        expect(read(), 220, "greeting");
        ehlo();
        if (!secure && s.tls() != EmailSettings.Tls.NONE) {
            boolean offered = extensions.contains("STARTTLS");
            if (offered) {
                expect(command("STARTTLS"), 220, "STARTTLS");
                upgrade();
                ehlo();
            } else if (s.tls() == EmailSettings.Tls.STARTTLS) {
                throw new SmtpException("the server does not offer STARTTLS (tls: starttls requires it; tls: tls for "
                        + "implicit TLS, tls: none to send in clear)", true);
            } else if (s.username() != null) {
                throw new SmtpException("the server does not offer STARTTLS: refusing to send the password in clear "
                        + "(set tls: none to allow it)", true);
            }
        }
        if (s.username() != null) {
            authenticate();
        }
        expect(command("MAIL FROM:<" + s.from().mailbox() + ">"), 250, "MAIL FROM");
        for (EmailSettings.Address to : s.to()) {
            Reply r = command("RCPT TO:<" + to.mailbox() + ">");
            if (r.code() != 250 && r.code() != 251) {
                fail("RCPT TO " + to.mailbox(), r);
            }
        }
        expect(command("DATA"), 354, "DATA");
        out.write(dotStuffed(message));
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(read(), 250, "message");
        try {
            command("QUIT");
        } catch (IOException | SmtpException ignored) {
            // the message is accepted; a server that drops the line at QUIT changes nothing
        }
    }

    private void ehlo() throws IOException, SmtpException {
        Reply r = command("EHLO " + heloName());
        if (r.code() != 250) {
            expect(command("HELO " + heloName()), 250, "HELO");
            extensions = List.of();
            return;
        }
        List<String> ext = new ArrayList<>();
        for (int i = 1; i < r.lines().size(); i++) {
            ext.add(r.lines().get(i).trim().toUpperCase(Locale.ROOT));
        }
        extensions = ext;
    }

    /** An address literal of this end of the connection: needs no DNS and says truthfully who connects. */
    private String heloName() {
        InetAddress a = socket.getLocalAddress();
        return a instanceof Inet6Address ? "[IPv6:" + a.getHostAddress().replaceAll("%.*$", "") + "]"
                : "[" + a.getHostAddress() + "]";
    }

    private void authenticate() throws IOException, SmtpException {
        String methods = "";
        for (String e : extensions) {
            if (e.startsWith("AUTH ") || e.startsWith("AUTH=")) {
                methods = " " + e.substring(5) + " ";
            }
        }
        String user = s.username();
        String pass = s.password() == null ? "" : s.password();
        Base64.Encoder b64 = Base64.getEncoder();
        if (methods.contains(" PLAIN ")) {
            String token = b64.encodeToString(("\0" + user + "\0" + pass).getBytes(StandardCharsets.UTF_8));
            expectAuth(command("AUTH PLAIN " + token));
        } else if (methods.contains(" LOGIN ")) {
            expect(command("AUTH LOGIN"), 334, "AUTH LOGIN");
            expect(command(b64.encodeToString(user.getBytes(StandardCharsets.UTF_8))), 334, "AUTH LOGIN");
            expectAuth(command(b64.encodeToString(pass.getBytes(StandardCharsets.UTF_8))));
        } else {
            throw new SmtpException("the server offers no AUTH PLAIN or LOGIN"
                    + (methods.isBlank() ? " (no AUTH at all" + (secure ? ")" : "; some servers offer it only "
                    + "after STARTTLS)") : " (offers:" + methods.stripTrailing() + ")"), true);
        }
    }

    private void expectAuth(Reply r) throws SmtpException {
        if (r.code() != 235) {
            fail("AUTH (username '" + s.username() + "')", r);
        }
    }

    private void upgrade() throws IOException {
        SSLSocket ssl = (SSLSocket) tls.createSocket(socket, s.host(), s.port(), true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        ssl.setSSLParameters(p);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        socket = ssl;
        secure = true;
        streams();
    }

    private void streams() throws IOException {
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    private Reply command(String line) throws IOException, SmtpException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return read();
    }

    private void expect(Reply r, int code, String step) throws SmtpException {
        if (r.code() != code) {
            fail(step, r);
        }
    }

    private static void fail(String step, Reply r) throws SmtpException {
        throw new SmtpException(step + " refused: " + r.text(), r.code() >= 500);
    }

    private Reply read() throws IOException, SmtpException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' '
                    && line.charAt(3) != '-')) {
                throw new SmtpException("not an SMTP reply: '" + printable(line) + "'", false);
            }
            lines.add(line.length() > 4 ? printable(line.substring(4)) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
            if (lines.size() >= MAX_LINES) {
                throw new SmtpException("a reply of more than " + MAX_LINES + " lines", false);
            }
        }
    }

    private String readLine() throws IOException, SmtpException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the server closed the connection");
            }
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            if (b.size() >= MAX_LINE) {
                throw new SmtpException("a reply line longer than " + MAX_LINE + " bytes", false);
            }
            b.write(c);
        }
    }

    private static String printable(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    /** The message with a dot doubled at the start of every line (RFC 5321 4.5.2), ending with CRLF. */
    static byte[] dotStuffed(byte[] message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') {
                b.write('.');
            }
            b.write(c);
            lineStart = c == '\n';
        }
        if (!lineStart) {
            b.write('\r');
            b.write('\n');
        }
        return b.toByteArray();
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing after a failure: the failure is what is reported
        }
    }
}
