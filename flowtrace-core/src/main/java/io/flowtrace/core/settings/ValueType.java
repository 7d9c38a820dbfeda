package io.flowtrace.core.settings;

import io.flowtrace.core.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a setting's text becomes its value, and back: the parser with its check, the Java type of the builder setter
 * it feeds, a label for usage text ({@code D}, {@code on|off}, {@code N}), what is accepted, and the values a shell
 * may complete. The built-in types are small classes rather than lambdas, so that a command's start-up spins no
 * lambda classes for them. Immutable and thread-safe.
 *
 * @param <T> the value's type
 * @since 0.1
 */
public abstract class ValueType<T> {
    private final Class<?> javaType;
    private final String label;
    private final String expected;
    private final List<String> values;

    /**
     * @param javaType the parameter type of the builder setter a value is given to
     * @param label    the value's placeholder in usage text
     * @param expected what is accepted, in words
     * @param values   every accepted value where there are few, for completion; else empty
     */
    protected ValueType(Class<?> javaType, String label, String expected, List<String> values) {
        this.javaType = Objects.requireNonNull(javaType, "javaType");
        this.label = Objects.requireNonNull(label, "label");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.values = List.copyOf(values);
    }

    /**
     * Parses and checks a text that is not null.
     *
     * @param text the text form
     * @return the value
     * @throws IllegalArgumentException whose message says what is wrong with the text, without the setting's name
     *                                  (it is put in front)
     */
    protected abstract T read(String text);

    /**
     * {@return the text form of a value, as {@link #read} reads it}
     *
     * @param value the value
     */
    protected abstract String write(T value);

    /**
     * {@return A duration ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}); {@code 0} means never} Never negative.
     */
    public static ValueType<Duration> duration() {
        return new DurationType();
    }

    /** {@return {@code on}, {@code off}, and their spellings {@code true/false}, {@code yes/no}} */
    public static ValueType<Boolean> onOff() {
        return new OnOff();
    }

    /**
     * {@return A whole number from {@code min} to {@code max}; {@code _} may group digits}
     *
     * @param min the smallest allowed
     * @param max the largest allowed
     */
    public static ValueType<Integer> integer(int min, int max) {
        return new Whole(min, max);
    }

    /**
     * {@return one of an enum's constants, written in lower case with {@code -} for {@code _}}
     *
     * @param <E> the enum
     * @param type the enum's class
     */
    public static <E extends Enum<E>> ValueType<E> oneOf(Class<E> type) {
        return new OneOf<>(type);
    }

    /**
     * {@return one of the given words}
     *
     * @param words the words allowed
     */
    public static ValueType<String> choice(String... words) {
        return new Choice(List.of(words));
    }

    /**
     * {@return any text, as given}
     *
     * @param label the value's name in usage text, e.g. {@code URL}
     */
    public static ValueType<String> text(String label) {
        return new Text(label);
    }

    /**
     * Parses and checks a value.
     *
     * @param text the text form; null gives an error
     * @return the value
     * @throws IllegalArgumentException saying what is wrong and what is accepted
     */
    public final T parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no value (expected: " + expected + ")");
        }
        return read(text);
    }

    /**
     * {@return the text form of a value, as {@link #parse} reads it}
     *
     * @param value the value
     */
    public final String format(T value) {
        return write(value);
    }

    /** {@return the parameter type of the builder setter a value of this type is given to} */
    public final Class<?> javaType() {
        return javaType;
    }

    /** {@return the value's placeholder in usage text} */
    public final String label() {
        return label;
    }

    /** {@return what is accepted, in words} */
    public final String expected() {
        return expected;
    }

    /** {@return every accepted value, where there are few (on/off, an enum's constants); empty otherwise} */
    public final List<String> values() {
        return values;
    }

    /** {@code 'text' (expected: ...)}. */
    final IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("'" + text + "' (expected: " + expected + ")");
    }

    private static final class DurationType extends ValueType<Duration> {
        DurationType() {
            super(Duration.class, "D", "a duration such as 500ms, 30s, 5m; 0 means never", List.of());
        }

        @Override
        protected Duration read(String text) {
            return Durations.parse(text);
        }

        @Override
        protected String write(Duration value) {
            return Durations.format(value);
        }
    }

    private static final class OnOff extends ValueType<Boolean> {
        OnOff() {
            super(boolean.class, "on|off", "on or off", List.of("on", "off"));
        }

        @Override
        protected Boolean read(String text) {
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "on": case "true": case "yes": return true;
                case "off": case "false": case "no": return false;
                default: throw bad(text);
            }
        }

        @Override
        protected String write(Boolean value) {
            return value ? "on" : "off";
        }
    }

    private static final class Whole extends ValueType<Integer> {
        private final int min;
        private final int max;

        Whole(int min, int max) {
            super(int.class, "N", "a whole number " + min + ".." + max, List.of());
            this.min = min;
            this.max = max;
        }

        @Override
        protected Integer read(String text) {
            long n;
            try {
                n = Long.parseLong(text.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw bad(text);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(text.trim() + " (expected: " + min + ".." + max + ")");
            }
            return (int) n;
        }

        @Override
        protected String write(Integer value) {
            return String.valueOf(value);
        }
    }

    private static final class OneOf<E extends Enum<E>> extends ValueType<E> {
        private final Class<E> type;

        OneOf(Class<E> type) {
            super(type, String.join("|", names(type)), String.join(" or ", names(type)), names(type));
            this.type = type;
        }

        private static List<String> names(Class<? extends Enum<?>> type) {
            List<String> names = new ArrayList<>();
            for (Enum<?> e : type.getEnumConstants()) {
                names.add(name(e));
            }
            return names;
        }

        private static String name(Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @Override
        protected E read(String text) {
            String wanted = Names.kebab(text.trim().toLowerCase(Locale.ROOT));
            for (E e : type.getEnumConstants()) {
                if (name(e).equals(wanted)) {
                    return e;
                }
            }
            throw bad(text);
        }

        @Override
        protected String write(E value) {
            return name(value);
        }
    }

    private static final class Choice extends ValueType<String> {
        Choice(List<String> words) {
            super(String.class, String.join("|", words), String.join(" or ", words), words);
        }

        @Override
        protected String read(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (!values().contains(t)) {
                throw bad(text);
            }
            return t;
        }

        @Override
        protected String write(String value) {
            return value;
        }
    }

    private static final class Text extends ValueType<String> {
        Text(String label) {
            super(String.class, label, "text", List.of());
        }

        @Override
        protected String read(String text) {
            return text;
        }

        @Override
        protected String write(String value) {
            return value;
        }
    }
}
