package io.flowtrace.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Loads a page in a real browser, headless Chromium (Debian package {@code chromium}), and returns the DOM after its
 * scripts ran ({@code --dump-dom}): how tests check what a page drew. Each load runs a fresh browser with a fresh
 * profile in a temporary directory, no network beyond what the page asks, and removes the process tree and the
 * directory when done.
 *
 * @since 0.1
 */
public final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /**
     * {@return the Chromium executable}: {@code $FLOWTRACE_CHROMIUM}, else {@code chromium} or
     * {@code chromium-browser} on the {@code PATH}
     *
     * @throws IllegalStateException when there is none (install it: {@code scripts/install-deps.sh --test})
     */
    public static Path executable() {
        List<Path> candidates = new ArrayList<>();
        String given = System.getenv("FLOWTRACE_CHROMIUM");
        if (given != null && !given.isBlank()) {
            candidates.add(Path.of(given));
        }
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin" : path).split(":")) {
            if (!d.isEmpty()) {
                candidates.add(Path.of(d, "chromium"));
                candidates.add(Path.of(d, "chromium-browser"));
            }
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no chromium on the PATH (install the Debian package chromium: "
                + "scripts/install-deps.sh --test), or set FLOWTRACE_CHROMIUM");
    }

    /**
     * Loads {@code url} and returns the serialized DOM once the page settled: virtual time runs up to
     * {@code virtualMillis} (timers fire early; network answers are waited for).
     *
     * @param url           an {@code http://} or {@code file://} address
     * @param virtualMillis the virtual-time budget, e.g. 5000
     * @return the DOM as HTML text
     * @throws IOException          when Chromium cannot be started, fails, or takes over two minutes
     * @throws InterruptedException when interrupted while waiting
     */
    public static String dumpDom(String url, int virtualMillis) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("flowtrace-chromium");
        Process p = null;
        java.util.Set<ProcessHandle> helpers = new java.util.HashSet<>();
        try {
            Path log = profile.resolve("stderr.txt");
            List<String> cmd = List.of(executable().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile.resolve("profile"), "--virtual-time-budget=" + virtualMillis,
                    "--dump-dom", url);
            // the DOM goes to a file, not a pipe: Chromium's helper processes inherit its standard output and may
            // hold a pipe open after the browser has written the DOM and exited
            Path domFile = profile.resolve("dom.html");
            p = new ProcessBuilder(cmd).redirectOutput(domFile.toFile()).redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
                // remembered while they are the browser's: once it has exited they can no longer be listed
                p.descendants().forEach(helpers::add);
                if (System.nanoTime() > deadline) {
                    throw new IOException("chromium took over 2 minutes on " + url);
                }
            }
            byte[] b = Files.readAllBytes(domFile);
            if (p.exitValue() != 0 || b.length == 0) {
                throw new IOException("chromium exited " + p.exitValue() + " on " + url + ": "
                        + tail(Files.readString(log, StandardCharsets.UTF_8)));
            }
            return new String(b, StandardCharsets.UTF_8);
        } finally {
            if (p != null) {
                p.descendants().forEach(helpers::add);
                helpers.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            delete(profile);
        }
    }

    /**
     * {@return HTML text or attribute value as the text it stands for}: the character references Chromium writes
     * when it serializes a DOM ({@code &amp;amp; &amp;lt; &amp;gt; &amp;quot; &amp;nbsp;} and numeric ones)
     *
     * @param html serialized text
     */
    public static String unescape(String html) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);").matcher(html);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String r = m.group(1);
            String c;
            if (r.startsWith("#x")) {
                c = Character.toString(Integer.parseInt(r.substring(2), 16));
            } else if (r.startsWith("#")) {
                c = Character.toString(Integer.parseInt(r.substring(1)));
            } else {
                c = switch (r) {
                    case "amp" -> "&";
                    case "lt" -> "<";
                    case "gt" -> ">";
                    case "quot" -> "\"";
                    case "apos" -> "'";
                    case "nbsp" -> "\u00a0";
                    default -> m.group();
                };
            }
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(c));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }
}
