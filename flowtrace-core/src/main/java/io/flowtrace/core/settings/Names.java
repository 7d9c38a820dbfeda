package io.flowtrace.core.settings;

import java.util.Collection;

/**
 * The name forms of a setting and the nearest known name to a mistyped one. Stateless.
 *
 * @since 0.1
 */
public final class Names {
    private Names() {
    }

    /**
     * {@return {@code idle-timeout} -> {@code idle_timeout}: the YAML key}
     *
     * @param kebab the kebab-case name
     */
    public static String snake(String kebab) {
        return kebab.replace('-', '_');
    }

    /**
     * {@return {@code idle_timeout} or {@code idle-timeout} -> {@code idle-timeout}}
     *
     * @param name the name in either form
     */
    public static String kebab(String name) {
        return name.replace('_', '-');
    }

    /**
     * {@return {@code idle-timeout} -> {@code idleTimeout}: the builder setter}
     *
     * @param kebab the kebab-case name
     */
    public static String camel(String kebab) {
        StringBuilder sb = new StringBuilder(kebab.length());
        boolean upper = false;
        for (int i = 0; i < kebab.length(); i++) {
            char c = kebab.charAt(i);
            if (c == '-' || c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    /**
     * The known name nearest to {@code typed}, when it is close enough to be a typo (at most a third of its letters
     * off, and at most 3), else {@code null}.
     *
     * @param typed what was given
     * @param known the names there are
     * @return the nearest name, or {@code null}
     */
    public static String closest(String typed, Collection<String> known) {
        String best = null;
        int bestDistance = Math.min(3, Math.max(1, typed.length() / 3)) + 1;
        for (String k : known) {
            int d = distance(typed, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /**
     * {@return {@code " (did you mean X?)"} or nothing; {@code prefix} goes before the name ({@code --}, or none)}
     *
     * @param typed what was given
     * @param known the names there are
     * @param prefix what goes before the name
     */
    public static String didYouMean(String typed, Collection<String> known, String prefix) {
        String c = closest(typed, known);
        return c == null ? "" : " (did you mean " + prefix + c + "?)";
    }

    /** Edit distance with adjacent transpositions (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
