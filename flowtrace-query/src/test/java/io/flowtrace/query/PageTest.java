package io.flowtrace.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.memory.MemoryStore;
import io.flowtrace.testkit.HeadlessChromium;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page at {@code /ui/} and as a standalone file, loaded in headless Chromium: what it drew (points, bars, keys
 * and values read back from the DOM) equals the snapshots written; task names and keys that are HTML or script
 * stay text.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PageTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * S; // 2026-01-01T00:00:00Z
    /** A task name and keys as traffic or a config could carry them: each would run script if taken as HTML. */
    private static final String TASK = "cm<script>document.body.setAttribute('data-pwned','task')</script>";
    private static final String KEY1 = "</script><script>document.body.setAttribute('data-pwned','key')</script>";
    private static final String KEY2 = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">&amp;";
    private static final String KEY3 = "10.0.0.3";
    private static final Pattern BAR = Pattern.compile(
            "<li data-key=\"([^\"]*)\" data-value=\"(\\d+)\"[^>]*><span class=\"key\">([^<]*)</span>"
                    + "<span class=\"bar\">.*?</span></span><span class=\"value\">(\\d+)</span>");

    private MemoryStore store;
    private QueryServer server;

    @BeforeEach
    void start() throws Exception {
        store = new MemoryStore();
        // three snapshots a minute apart: packets 35, 70, 105 (bytes 100 each); the last ranks KEY1 > KEY2 > KEY3
        for (int m = 1; m <= 3; m++) {
            store.write(new TaskSnapshot(TASK, TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + m * 60 * S,
                    List.of(), List.of(new TaskSnapshot.Hitter(KEY1, 20L * m, 0),
                    new TaskSnapshot.Hitter(KEY2, 10L * m, 0), new TaskSnapshot.Hitter(KEY3, 5L * m, 0),
                    new TaskSnapshot.Hitter(KEY2, 7L * m, 2)),
                    Map.of("total_packets", 35L * m, "total_bytes", 3500L * m)));
        }
        store.flush();
        QueryService q = new QueryService(store, List.of(new TaskInfo(TASK, TaskSnapshot.SKETCH, List.of("SrcIP"),
                List.of(0, 2))));
        server = QueryServer.start(q, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        store.close();
    }

    private String base() {
        return "http://127.0.0.1:" + server.address().getPort();
    }

    @Test
    void theLivePageDrawsTheStoredSnapshotsAndKeepsHostileTextAsText() throws Exception {
        String dom = HeadlessChromium.dumpDom(base() + "/ui/?refresh=1", 5000);
        assertDrawn(dom, true);
        assertFalse(body(dom).contains("data-error"), dom);
    }

    @Test
    void theStandaloneFileDrawsItsEmbeddedModelFromDisk(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode model = json.createObjectNode().put("title", "report </script><b>x</b>").put("subtitle", "s");
        ObjectNode s = model.putArray("series").addObject().put("name", TASK);
        ArrayNode times = s.putArray("times");
        ArrayNode packets = s.putArray("packets");
        ArrayNode bytes = s.putArray("bytes");
        for (int m = 1; m <= 3; m++) {
            times.add((T0 + m * 60 * S) / S);
            packets.add(35L * m);
            bytes.add(3500L * m);
        }
        ArrayNode bars = model.putArray("bars");
        ObjectNode hh = bars.addObject().put("title", TASK + ": heavy hitters by packets").put("unit", "packets");
        ArrayNode rows = hh.putArray("rows");
        rows.addObject().put("key", KEY1).put("value", 60);
        rows.addObject().put("key", KEY2).put("value", 30);
        rows.addObject().put("key", KEY3).put("value", 15);
        ObjectNode ss = bars.addObject().put("title", TASK + ": super-spreaders by spread").put("unit", "distinct");
        ss.putArray("rows").addObject().put("key", KEY2).put("value", 21);

        String html = Page.standalone(model);
        // the only script elements: uPlot, the page's script, the data; no reference to anything outside the file
        assertEquals(3, count(html, "<script"), "script elements");
        assertFalse(html.contains("src=\"") || html.contains("href=\""), "the file loads nothing");
        Path file = Files.writeString(dir.resolve("report.html"), html);
        String dom = HeadlessChromium.dumpDom(file.toUri().toString(), 3000);
        assertDrawn(dom, false);
        assertTrue(dom.contains("<h1 id=\"title\">report &lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</h1>"), dom);
    }

    @Test
    void thePageFilesAreServedFromTheJarAndNothingElse() throws Exception {
        HttpURLConnection page = open("/ui/", "GET");
        assertEquals(200, page.getResponseCode());
        assertTrue(page.getContentType().startsWith("text/html"), page.getContentType());
        assertTrue(page.getHeaderField("Content-Security-Policy").contains("default-src 'self'"));
        String text = new String(page.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(text.contains("<script src=\"flowtrace.js\"></script>"), text);
        HttpURLConnection lib = open("/ui/uPlot.iife.min.js", "GET");
        assertEquals(200, lib.getResponseCode());
        assertTrue(new String(lib.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("uPlot"),
                "the bundled chart library");
        assertEquals(301, open("/ui", "GET").getResponseCode());
        assertEquals(404, open("/ui/nothing.js", "GET").getResponseCode());
        assertEquals(404, open("/ui/index.html/x", "GET").getResponseCode());
        assertEquals(404, open("/ui/%2e%2e/module-info.class", "GET").getResponseCode());
        assertEquals(405, open("/ui/", "POST").getResponseCode());
    }

    @Test
    void scriptJsonCannotEndAScriptElement() throws Exception {
        ObjectNode o = new ObjectMapper().createObjectNode().put("k", "</script><!-- & \u2028");
        String text = Page.scriptJson(o);
        assertFalse(text.contains("<") || text.contains(">") || text.contains("&"), text);
        assertEquals(o, new ObjectMapper().readTree(text), "the same JSON");
    }

    /**
     * The DOM shows the three snapshots' points and the ranked keys, exactly, as text. The live page draws what each
     * snapshot added to the running totals (35, 70, 105 packets: 35 each); a report draws its model's values as they are.
     */
    private static void assertDrawn(String dom, boolean live) {
        String body = body(dom);
        assertFalse(body.contains("data-pwned"), "script from the data ran: " + body);
        assertTrue(Pattern.compile("data-rendered=\"[1-9]").matcher(body).find(), body);
        assertTrue(body.contains("data-charts=\"1\""), body);
        assertTrue(body.contains("data-points=\"3\""), body);
        assertTrue(body.contains("data-bars=\"4\""), body);
        // the series: the task's name as text, the last point's packets and bytes as written
        assertTrue(dom.contains("<h3>" + html(TASK) + (live ? " (per snapshot)" : "") + "</h3>"), dom);
        assertTrue(dom.contains(live ? "data-points=\"3\" data-last-packets=\"35\" data-last-bytes=\"3500\" "
                + "data-sum-packets=\"105\" data-sum-bytes=\"10500\"" : "data-points=\"3\" data-last-packets=\"105\" "
                + "data-last-bytes=\"10500\" data-sum-packets=\"210\" data-sum-bytes=\"21000\""), dom);
        assertTrue(dom.contains("<canvas"), "uPlot drew on a canvas");
        // the bars, in order: heavy hitters by packets, then the super-spreader
        List<String[]> bars = new ArrayList<>();
        Matcher m = BAR.matcher(dom);
        while (m.find()) {
            assertEquals(HeadlessChromium.unescape(m.group(1)), HeadlessChromium.unescape(m.group(3)));
            assertEquals(m.group(2), m.group(4));
            bars.add(new String[] {HeadlessChromium.unescape(m.group(3)), m.group(4)});
        }
        assertEquals(4, bars.size(), dom);
        assertEquals(List.of(KEY1, "60"), List.of(bars.get(0)));
        assertEquals(List.of(KEY2, "30"), List.of(bars.get(1)));
        assertEquals(List.of(KEY3, "15"), List.of(bars.get(2)));
        assertEquals(List.of(KEY2, "21"), List.of(bars.get(3)));
        // no element came from the data: only the page's own script elements and images (none)
        assertFalse(dom.contains("<img"), dom);
        assertEquals(0, count(body.replaceAll("(?s)<script.*?</script>", ""), "<script"), dom);
    }

    /** How the page writes text: HTML-escaped as Chromium serializes it. */
    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String body(String dom) {
        int at = dom.indexOf("<body");
        return dom.substring(at, dom.indexOf('>', at) + 1);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    private HttpURLConnection open(String path, String method) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(base() + path).toURL().openConnection();
        c.setInstanceFollowRedirects(false);
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        c.setRequestMethod(method);
        return c;
    }
}
