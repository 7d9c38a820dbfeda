package io.flowtrace.sinks.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * A real HTTP server on 127.0.0.1 for sink tests, answering from a script: each request takes the next scripted
 * answer (a status, optional {@code Retry-After} and body, or a stall that never answers until {@link #stop()}),
 * then 200 once the script is used up. Bodies answered with 2xx are kept, decompressed, as are those of
 * {@link Answer#takeThenStall()}. Can be stopped and started
 * again on the same port, so a test can make the endpoint go away and come back.
 */
public final class TestHttpServer implements AutoCloseable {
    /** One scripted answer; {@code takes}: the body is kept as received (2xx) before the answer, or the stall. */
    public record Answer(int status, String retryAfter, String body, boolean stalls, boolean takes) {
        public static Answer status(int status) {
            return new Answer(status, null, "", false, status >= 200 && status < 300);
        }

        public static Answer retryAfter(int status, String retryAfter) {
            return new Answer(status, retryAfter, "", false, false);
        }

        public static Answer body(int status, String body) {
            return new Answer(status, null, body, false, status >= 200 && status < 300);
        }

        public static Answer stall() {
            return new Answer(0, null, "", true, false);
        }

        /** The request is taken (kept as received) but never answered: a lost answer, as the client sees it. */
        public static Answer takeThenStall() {
            return new Answer(0, null, "", true, true);
        }
    }

    /** A request that was answered with 2xx; {@code query} as sent, or {@code null}. */
    public record Received(String path, String query, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile int requests;
    private int port;
    private HttpServer server;
    private ExecutorService executor;

    /** Binds a free port and starts. */
    public TestHttpServer() throws IOException {
        start(0);
    }

    public synchronized void start() throws IOException {
        if (server == null) {
            start(port);
        }
    }

    private void start(int onPort) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Stops listening (connections are then refused) and ends stalled requests; can be started again. */
    public synchronized void stop() {
        if (server != null) {
            release.countDown();
            server.stop(0);
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public void script(Answer... answers) {
        script.addAll(List.of(answers));
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Requests seen, answered or not. */
    public int requests() {
        return requests;
    }

    private void handle(HttpExchange ex) throws IOException {
        requests++;
        try (ex) {
            byte[] raw;
            try (InputStream in = ex.getRequestBody()) {
                raw = in.readAllBytes();
            }
            Answer a = script.poll();
            boolean takes = a == null || a.takes();
            if (takes) {
                String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
                byte[] body = "gzip".equals(enc) ? new GZIPInputStream(new java.io.ByteArrayInputStream(raw))
                        .readAllBytes() : raw;
                received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(),
                        Map.copyOf(ex.getRequestHeaders()),
                        new String(body, StandardCharsets.UTF_8)));
            }
            if (a != null && a.stalls()) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            int status = a == null ? 200 : a.status();
            if (a != null && a.retryAfter() != null) {
                ex.getResponseHeaders().add("Retry-After", a.retryAfter());
            }
            byte[] out = a == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(out);
                }
            }
        }
    }
}
