package io.flowtrace.examples;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A small HTTP/1.1 server on the loopback interface for end-to-end tests: answers every request with 200 and a
 * fixed body, keeps connections alive unless the client asks otherwise (or speaks HTTP/1.0), and keeps every
 * request body. One thread per connection. Thread-safe.
 */
final class TinyHttpServer implements AutoCloseable {
    private final ServerSocket socket;
    private final byte[] body;
    private final java.util.function.UnaryOperator<String> check;
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    /** Per request with a body: its target (path and query) and its Authorization header ("" when absent). */
    private final List<String> targets = Collections.synchronizedList(new ArrayList<>());
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

    TinyHttpServer(String responseBody) throws IOException {
        this(responseBody, request -> null);
    }

    /**
     * @param check why a request body is refused (answered 400 with that text and not kept), or {@code null} to
     *              take it; called on the connection's thread
     */
    TinyHttpServer(String responseBody, java.util.function.UnaryOperator<String> check) throws IOException {
        this.check = check;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.body = responseBody.getBytes(StandardCharsets.UTF_8);
        Thread accept = new Thread(this::accept, "tiny-http-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Request bodies received so far, in order. */
    List<String> bodies() {
        synchronized (bodies) {
            return new ArrayList<>(bodies);
        }
    }

    /** Targets (path and query) of the requests with a body, in order. */
    List<String> targets() {
        synchronized (targets) {
            return new ArrayList<>(targets);
        }
    }

    /** Authorization headers of the requests with a body, in order ("" when absent). */
    List<String> authorizations() {
        synchronized (authorizations) {
            return new ArrayList<>(authorizations);
        }
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "tiny-http-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                int length = 0;
                String authorization = "";
                boolean close = requestLine.endsWith("HTTP/1.0");
                for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                    String lower = h.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    } else if (lower.startsWith("authorization:")) {
                        authorization = h.substring(14).trim();
                    } else if (lower.startsWith("connection:") && lower.contains("close")) {
                        close = true;
                    }
                }
                byte[] request = in.readNBytes(length);
                String refusal = request.length > 0 ? check.apply(new String(request, StandardCharsets.UTF_8)) : null;
                if (refusal != null) {
                    byte[] why = refusal.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 400 Bad Request\r\nContent-Length: " + why.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(why);
                    out.flush();
                    continue;
                }
                if (request.length > 0) {
                    String[] parts = requestLine.split(" ");
                    targets.add(parts.length > 1 ? parts[1] : "");
                    authorizations.add(authorization);
                    bodies.add(new String(request, StandardCharsets.UTF_8));
                }
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n"
                        + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.US_ASCII);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
