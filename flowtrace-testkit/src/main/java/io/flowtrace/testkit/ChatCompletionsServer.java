package io.flowtrace.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * A local server that speaks the OpenAI chat-completions protocol ({@code POST /v1/chat/completions}) from a script:
 * each request takes the next scripted answer (a whole answer, a stream of server-sent events with or without its
 * closing {@code data: [DONE]}, an error status with headers, an answer with no choices); when the script is empty,
 * the {@linkplain #otherwise(String) standing answer} is given whole or streamed as the request asks, else 500. No model
 * runs: tests assert what a client sends ({@link #requests()}) and how it takes each answer. On 127.0.0.1 and a free
 * port; {@link #close()} stops it. Thread-safe.
 *
 * @since 0.1
 */
public final class ChatCompletionsServer implements AutoCloseable {

    /**
     * One request as received.
     *
     * @param method  the HTTP method
     * @param path    the request path
     * @param headers the headers, names in lower case
     * @param body    the body as UTF-8 text
     */
    public record Request(String method, String path, Map<String, List<String>> headers, String body) {
        /**
         * {@return the first value of a header, or {@code null}}
         *
         * @param name the header's name, any case
         */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private interface Answer {
        void send(HttpExchange ex, boolean stream) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();
    private String standing;

    private ChatCompletionsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        pool = Executors.newFixedThreadPool(4);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * {@return a started server}
     *
     * @throws IOException when it cannot listen
     */
    public static ChatCompletionsServer start() throws IOException {
        return new ChatCompletionsServer();
    }

    /** {@return the base URL a client is given: {@code http://127.0.0.1:PORT/v1/}} */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/";
    }

    /**
     * Scripts a whole answer.
     *
     * @param text the first choice's text
     * @return this server
     */
    public synchronized ChatCompletionsServer answer(String text) {
        script.add((ex, stream) -> send(ex, 200, Map.of("Content-Type", "application/json"), completion(text)));
        return this;
    }

    /**
     * Scripts a streamed answer: one {@code data:} event per piece, then {@code data: [DONE]}.
     *
     * @param pieces the pieces of text
     * @return this server
     */
    public synchronized ChatCompletionsServer stream(String... pieces) {
        script.add((ex, stream) -> sendEvents(ex, List.of(pieces), true));
        return this;
    }

    /**
     * Scripts a stream cut off mid-way once the client has shown it received the pieces: the pieces, then, when
     * {@code received} holds (at most 10 s later), the connection closes without {@code [DONE]}.
     *
     * @param received whether the client has the pieces, e.g. has passed the last one on
     * @param pieces   the pieces sent before the cut
     * @return this server
     */
    public synchronized ChatCompletionsServer streamCut(java.util.function.BooleanSupplier received,
                                                        String... pieces) {
        script.add((ex, stream) -> sendEvents(ex, List.of(pieces), false, () -> {
            long end = System.nanoTime() + 10_000_000_000L;
            while (!received.getAsBoolean() && System.nanoTime() < end) {
                pause(5);
            }
        }));
        return this;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Scripts a stream that goes silent: the pieces, then nothing (no [DONE], the connection held open) until the
     * server is closed.
     *
     * @param pieces the pieces sent before the silence
     * @return this server
     */
    public synchronized ChatCompletionsServer streamStall(String... pieces) {
        script.add((ex, stream) -> {
            try {
                sendEvents(ex, List.of(pieces), false);
            } catch (IOException cut) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw cut;
            }
        });
        return this;
    }

    /**
     * Scripts an error answer.
     *
     * @param status  the HTTP status (401, 429, 500...)
     * @param headers further headers ({@code Retry-After})
     * @param body    the body, e.g. {@code {"error":{"message":"..."}}}
     * @return this server
     */
    public synchronized ChatCompletionsServer fail(int status, Map<String, String> headers, String body) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("Content-Type", "application/json");
        script.add((ex, stream) -> send(ex, status, h, body));
        return this;
    }

    /**
     * Scripts a 200 answer whose {@code choices} list is empty.
     *
     * @return this server
     */
    public synchronized ChatCompletionsServer emptyChoices() {
        script.add((ex, stream) -> send(ex, 200, Map.of("Content-Type", "application/json"),
                "{\"id\":\"chatcmpl-test\",\"object\":\"chat.completion\",\"choices\":[]}"));
        return this;
    }

    /**
     * Sets the answer given when the script is empty: whole, or streamed in pieces of a few words when the request
     * has {@code "stream": true}.
     *
     * @param text the text; {@code null} for 500 answers
     * @return this server
     */
    public synchronized ChatCompletionsServer otherwise(String text) {
        standing = text;
        return this;
    }

    /** {@return every request received so far, in order} */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange ex) throws IOException {
        // not closed on an exception: the JDK server then drops the connection without ending the body, as a cut does
        {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            Answer a;
            String standingText;
            synchronized (this) {
                requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), headers, body));
                a = script.poll();
                standingText = standing;
            }
            boolean stream = body.replace(" ", "").contains("\"stream\":true");
            if (!ex.getRequestURI().getPath().endsWith("/chat/completions")) {
                send(ex, 404, Map.of("Content-Type", "application/json"), "{\"error\":{\"message\":\"no route\"}}");
            } else if (a != null) {
                a.send(ex, stream);
            } else if (standingText == null) {
                send(ex, 500, Map.of("Content-Type", "application/json"),
                        "{\"error\":{\"message\":\"no scripted answer\"}}");
            } else if (stream) {
                sendEvents(ex, List.of(standingText.split("(?<= )")), true);
            } else {
                send(ex, 200, Map.of("Content-Type", "application/json"), completion(standingText));
            }
            ex.close();
        }
    }

    private static void send(HttpExchange ex, int status, Map<String, String> headers, String body) throws IOException {
        headers.forEach(ex.getResponseHeaders()::set);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static void sendEvents(HttpExchange ex, List<String> pieces, boolean done) throws IOException {
        sendEvents(ex, pieces, done, () -> { });
    }

    /** The pieces as events, then {@code [DONE]} when {@code done}; else {@code beforeCut}, then a cut. */
    private static void sendEvents(HttpExchange ex, List<String> pieces, boolean done, Runnable beforeCut)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        out.write(("data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
        for (String p : pieces) {
            out.write(("data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":" + quote(p) + "}}]}\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        if (done) {
            out.write(("data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            out.close();
        } else {
            out.flush();
            beforeCut.run(); // the pieces reach the client before the cut, as they would over a slow network
            // no [DONE] and no clean end of the chunked body: the connection drops as a cut stream's does
            throw new IOException("stream cut by the script");
        }
    }

    private static String completion(String text) {
        return "{\"id\":\"chatcmpl-test\",\"object\":\"chat.completion\",\"model\":\"test\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":" + quote(text) + "},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    /** Stops the server. */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
