package io.flowtrace.examples;

import io.flowtrace.core.settings.Setting;

import java.util.List;

/** Usage text generated from a command's settings: aligned columns, defaults and environment variables shown. */
final class Usage {
    private static final int WIDTH = 110;
    private static final int MAX_COLUMN = 30;

    private Usage() {
    }

    static String of(Command c) {
        StringBuilder sb = new StringBuilder("usage: java -jar flowtrace.jar ").append(c.synopsis()).append('\n');
        if (!c.description().isEmpty()) {
            sb.append('\n').append(c.description()).append('\n');
        }
        int column = 0;
        for (Setting<?> s : c.settings()) {
            column = Math.max(column, option(s).length() + 4);
        }
        column = Math.min(column, MAX_COLUMN);
        for (Command.Options g : c.options()) {
            sb.append('\n').append(g.title()).append(":\n");
            for (Setting<?> s : g.settings()) {
                String head = "  " + option(s);
                sb.append(head.length() + 1 >= column ? head + "\n" + " ".repeat(column) : Text.left(head, column));
                wrap(sb, s.help() + details(s), column);
            }
        }
        return sb.append("\ndurations: 500ms, 30s, 5m, 1h; 0 means never").toString();
    }

    /** {@code --name LABEL}, or {@code --name} for a flag. */
    static String option(Setting<?> s) {
        return "--" + s.name() + (s.isFlag() ? "" : " " + s.label());
    }

    private static String details(Setting<?> s) {
        String d = s.defaultText().isEmpty() || s.isFlag() ? "" : "default " + s.defaultText();
        if (s.env() != null) {
            d = s.env() + (d.isEmpty() ? "" : ", " + d);
        }
        return d.isEmpty() ? "" : " (" + d + ")";
    }

    /** Appends {@code text} from the current column, continuing lines at {@code column}. */
    private static void wrap(StringBuilder sb, String text, int column) {
        int room = WIDTH - column;
        int at = 0;
        while (text.length() - at > room) {
            int cut = text.lastIndexOf(' ', at + room);
            if (cut <= at) {
                cut = at + room;
            }
            sb.append(text, at, cut).append('\n').append(" ".repeat(column));
            at = cut + 1;
        }
        sb.append(text, at, text.length()).append('\n');
    }
}
