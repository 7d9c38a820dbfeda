package io.flowtrace.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The page that shows a task's traffic over time and ranked keys as bars: served live by {@link QueryServer} at
 * {@code /ui/}, or written as one self-contained file ({@link #standalone(JsonNode)}) with its chart library (uPlot,
 * bundled in this jar), style and data inlined, which works offline from disk.
 *
 * <p>The data model the page draws: {@code {"title", "subtitle", "series": [{"name", "times": [epoch seconds],
 * "packets": [..], "bytes": [..]}], "bars": [{"title", "unit", "rows": [{"key", "value"}]}]}}.
 *
 * @since 0.1
 */
public final class Page {
    /** The page's files, by name under {@code /ui/}, with their media types. */
    static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "flowtrace.js", "text/javascript; charset=utf-8",
            "flowtrace.css", "text/css; charset=utf-8",
            "uPlot.iife.min.js", "text/javascript; charset=utf-8",
            "uPlot.min.css", "text/css; charset=utf-8",
            "LICENSE", "text/plain; charset=utf-8");
    private static final ObjectMapper SCRIPT_JSON = new ObjectMapper();

    static {
        SCRIPT_JSON.getFactory().setCharacterEscapes(new ScriptEscapes());
    }

    private Page() {
    }

    /**
     * {@return one of the page's files} (read from this jar)
     *
     * @param name a key of {@link #ASSETS}
     * @throws IllegalArgumentException when it is not one
     */
    static byte[] asset(String name) {
        if (!ASSETS.containsKey(name)) {
            throw new IllegalArgumentException("no page file " + name);
        }
        try (InputStream in = Page.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("ui/" + name + " is missing from the jar (a broken build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(String name) {
        return new String(asset(name), StandardCharsets.UTF_8);
    }

    /**
     * The page as one HTML file that draws {@code model} with no server and no internet: the chart library, the
     * style and the script inlined, the model embedded as JSON escaped for a {@code <script>} element (a
     * {@code </script>} inside a key stays text).
     *
     * @param model the data the page draws (the shape in this class's description)
     * @return the HTML text
     * @throws IllegalArgumentException when {@code model} is not a JSON object
     */
    public static String standalone(JsonNode model) {
        if (model == null || !model.isObject()) {
            throw new IllegalArgumentException("model: expected a JSON object");
        }
        String html = text("index.html");
        html = inline(html, "<link rel=\"stylesheet\" href=\"uPlot.min.css\">", "style", text("uPlot.min.css"));
        html = inline(html, "<link rel=\"stylesheet\" href=\"flowtrace.css\">", "style", text("flowtrace.css"));
        html = inline(html, "<script src=\"uPlot.iife.min.js\"></script>", "script", text("uPlot.iife.min.js"));
        html = inline(html, "<script src=\"flowtrace.js\"></script>", "script", text("flowtrace.js"));
        return replace(html, "<!--flowtrace-data-->", "<script id=\"flowtrace-data\" type=\"application/json\">"
                + scriptJson(model) + "</script>");
    }

    /**
     * {@code value} as JSON text that is safe inside an HTML {@code <script>} element: {@code <}, {@code >},
     * {@code &} and the JavaScript line separators written as {@code \}{@code uXXXX} escapes, so no
     * {@code </script>} or {@code <!--} can appear in it.
     *
     * @param value any JSON
     * @return the JSON text
     */
    public static String scriptJson(JsonNode value) {
        try {
            return SCRIPT_JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree always serializes
        }
    }

    private static String inline(String html, String tag, String element, String content) {
        String lower = content.toLowerCase(Locale.ROOT);
        if (lower.contains("</" + element) || lower.contains("<!--")) {
            throw new IllegalStateException(tag + ": the file cannot be inlined (it holds </" + element + ")");
        }
        return replace(html, tag, "<" + element + ">\n" + content + "\n</" + element + ">");
    }

    private static String replace(String html, String marker, String with) {
        int at = html.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException("ui/index.html has no " + marker);
        }
        return html.substring(0, at) + with + html.substring(at + marker.length());
    }

    /** Escapes what could end or confuse a script element. */
    private static final class ScriptEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] table;

        ScriptEscapes() {
            table = standardAsciiEscapesForJSON();
            table['<'] = ESCAPE_CUSTOM;
            table['>'] = ESCAPE_CUSTOM;
            table['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch == '<' || ch == '>' || ch == '&' || ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format(Locale.ROOT, "\\u%04x", ch));
            }
            return null;
        }
    }
}
