package io.flowtrace.core.settings;

import io.flowtrace.core.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a setting's text becomes its value, and back: the parser with its check, the Java type of the builder setter
 * it feeds, a label for usage text ({@code D}, {@code on|off}, {@code N}), what is accepted, and the values a shell
 * may complete. Immutable and thread-safe.
 *
 * @param <T> the value's type
 */
public final class ValueType<T> {
    private final Class<?> javaType;
    private final String label;
    private final String expected;
    private final List<String> values;
    private final Function<String, T> parser;
    private final Function<? super T, String> printer;

    private ValueType(Class<?> javaType, String label, String expected, List<String> values,
                      Function<String, T> parser, Function<? super T, String> printer) {
        this.javaType = Objects.requireNonNull(javaType, "javaType");
        this.label = Objects.requireNonNull(label, "label");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.values = List.copyOf(values);
        this.parser = Objects.requireNonNull(parser, "parser");
        this.printer = Objects.requireNonNull(printer, "printer");
    }

    /**
     * A type of your own.
     *
     * @param parser throws {@link IllegalArgumentException} whose message says what is wrong with the text, without
     *               the setting's name (it is put in front)
     */
    public static <T> ValueType<T> of(Class<?> javaType, String label, String expected, List<String> values,
                                      Function<String, T> parser, Function<? super T, String> printer) {
        return new ValueType<>(javaType, label, expected, values, parser, printer);
    }

    /** A duration ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}); {@code 0} means never. Never negative. */
    public static ValueType<Duration> duration() {
        return new ValueType<>(Duration.class, "D", "a duration such as 500ms, 30s, 5m; 0 means never", List.of(),
                Durations::parse, Durations::format);
    }

    /** {@code on}, {@code off}, and their spellings {@code true/false}, {@code yes/no}. */
    public static ValueType<Boolean> onOff() {
        return new ValueType<>(boolean.class, "on|off", "on or off", List.of("on", "off"), ValueType::parseOnOff,
                v -> v ? "on" : "off");
    }

    /** A whole number from {@code min} to {@code max}; {@code _} may group digits. */
    public static ValueType<Integer> integer(int min, int max) {
        String range = min + ".." + max;
        return new ValueType<>(int.class, "N", "a whole number " + range, List.of(), text -> {
            long n;
            try {
                n = Long.parseLong(text.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' (expected: a whole number " + range + ")");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(text.trim() + " (expected: " + range + ")");
            }
            return (int) n;
        }, String::valueOf);
    }

    /** One of an enum's constants, written in lower case with {@code -} for {@code _}. */
    public static <E extends Enum<E>> ValueType<E> oneOf(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(enumText(e));
        }
        return new ValueType<>(type, String.join("|", names), String.join(" or ", names), names, text -> {
            for (E e : type.getEnumConstants()) {
                if (enumText(e).equals(Names.kebab(text.trim().toLowerCase(Locale.ROOT)))) {
                    return e;
                }
            }
            throw new IllegalArgumentException("'" + text + "' (expected: " + String.join(" or ", names) + ")");
        }, ValueType::enumText);
    }

    /** One of the given words. */
    public static ValueType<String> choice(String... words) {
        List<String> names = List.of(words);
        return new ValueType<>(String.class, String.join("|", names), String.join(" or ", names), names, text -> {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (!names.contains(t)) {
                throw new IllegalArgumentException("'" + text + "' (expected: " + String.join(" or ", names) + ")");
            }
            return t;
        }, v -> v);
    }

    /** Any text, as given. */
    public static ValueType<String> text(String label) {
        return new ValueType<>(String.class, label, "text", List.of(), t -> t, v -> v);
    }

    private static String enumText(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static boolean parseOnOff(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "on": case "true": case "yes": return true;
            case "off": case "false": case "no": return false;
            default: throw new IllegalArgumentException("'" + text + "' (expected: on or off)");
        }
    }

    /**
     * Parses and checks a value.
     *
     * @throws IllegalArgumentException saying what is wrong and what is accepted
     */
    public T parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no value (expected: " + expected + ")");
        }
        return parser.apply(text);
    }

    /** The text form of a value, as {@link #parse} reads it. */
    public String format(T value) {
        return printer.apply(value);
    }

    /** The parameter type of the builder setter a value of this type is given to. */
    public Class<?> javaType() {
        return javaType;
    }

    /** The value's placeholder in usage text. */
    public String label() {
        return label;
    }

    /** What is accepted, in words. */
    public String expected() {
        return expected;
    }

    /** Every accepted value, where there are few (on/off, an enum's constants); empty otherwise. */
    public List<String> values() {
        return values;
    }
}
