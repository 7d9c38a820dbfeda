package io.flowtrace.core.settings;

import io.flowtrace.core.FlowTrace;

import java.lang.reflect.InvocationTargetException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * One setting, declared once: its name (kebab-case; the YAML key is the snake_case form, the builder setter the
 * camelCase form), value type with its check, default, one-line help text, where it applies (builder, command line,
 * YAML, an environment variable) and, for a flow setting, how it is applied to a {@link FlowTrace.Builder}. Made with
 * {@link #of}; immutable and thread-safe.
 *
 * @param <T> the value's type
 * @since 0.1
 */
public final class Setting<T> {
    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String defaultText;
    private final String help;
    private final String label;
    private final String env;
    private final boolean inCommandLine;
    private final boolean inYaml;
    private final boolean flag;
    private final boolean repeatable;
    private final boolean builderSetter;
    private final BiConsumer<FlowTrace.Builder, T> apply;

    private Setting(Spec<T> s) {
        this.name = s.name;
        this.type = s.type;
        this.defaultValue = s.defaultValue;
        this.defaultText = s.defaultText != null ? s.defaultText
                : s.defaultValue != null ? s.type.format(s.defaultValue) : "";
        this.help = Objects.requireNonNull(s.help, "help of " + s.name);
        this.label = s.label != null ? s.label : s.type.label();
        this.env = s.env;
        this.inCommandLine = s.inCommandLine;
        this.inYaml = s.inYaml;
        this.flag = s.flag;
        this.repeatable = s.repeatable;
        this.builderSetter = s.builderSetter;
        this.apply = s.apply;
    }

    /**
     * Starts a declaration: {@code Setting.of("idle-timeout", ValueType.duration()).help("...")...build()}.
     *
     * @param <T> the value's type
     * @param name the name, kebab-case
     * @param type how the value is read and shown
     * @return the declaration to complete
     */
    public static <T> Spec<T> of(String name, ValueType<T> type) {
        return new Spec<>(name, type);
    }

    /** {@return the kebab-case name: {@code idle-timeout}; on the command line {@code --idle-timeout}} */
    public String name() {
        return name;
    }

    /** {@return the YAML key: {@code idle_timeout}} */
    public String yamlKey() {
        return Names.snake(name);
    }

    /** {@return the builder setter it names: {@code idleTimeout}} */
    public String builderMethod() {
        return Names.camel(name);
    }

    /** {@return how the value is read and shown} */
    public ValueType<T> type() {
        return type;
    }

    /** {@return the default value, or {@code null} when it is worked out at run time (see {@link #defaultText()})} */
    public T defaultValue() {
        return defaultValue;
    }

    /**
     * {@return the default for people: {@code 30m}, {@code on}, {@code 1 on up to 2 cores, else cores - 1}; may be
     * empty}
     */
    public String defaultText() {
        return defaultText;
    }

    /** {@return one line: what the setting does} */
    public String help() {
        return help;
    }

    /** {@return the value's placeholder in usage text: {@code D}, {@code on|off}, {@code FILE}} */
    public String label() {
        return label;
    }

    /** {@return the environment variable that sets it, or {@code null} for none} */
    public String env() {
        return env;
    }

    /** {@return whether the command line takes it ({@code --name})} */
    public boolean inCommandLine() {
        return inCommandLine;
    }

    /** {@return whether a YAML file takes it (under {@link #yamlKey()})} */
    public boolean inYaml() {
        return inYaml;
    }

    /** {@return on the command line, an option without a value ({@code --quiet}): given means on} */
    public boolean isFlag() {
        return flag;
    }

    /** {@return whether it may be given more than once, each value adding to the others} */
    public boolean repeatable() {
        return repeatable;
    }

    /** {@return whether it is a setting of {@link FlowTrace.Builder}} */
    public boolean appliesToBuilder() {
        return builderSetter || apply != null;
    }

    /**
     * Parses and checks a value.
     *
     * @param origin where the text came from, put in front of the message: {@code --idle-timeout},
     *               {@code AGENT_SNAP_LEN}, {@code config agent.yaml: flow: idle_timeout}
     * @param text the value's text form
     * @return the value
     * @throws IllegalArgumentException {@code origin: 'text' (expected: ...)}
     */
    public T parse(String origin, String text) {
        try {
            return type.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives a value to the builder's setter.
     *
     * @param builder the builder
     * @param value the value
     * @throws UnsupportedOperationException when this is not a builder setting
     */
    public void applyTo(FlowTrace.Builder builder, T value) {
        if (apply != null) {
            apply.accept(builder, value);
            return;
        }
        if (!builderSetter) {
            throw new UnsupportedOperationException(name + " is not a setting of FlowTrace.Builder");
        }
        try {
            FlowTrace.Builder.class.getMethod(builderMethod(), type.javaType()).invoke(builder, value);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name + ": no setter FlowTrace.Builder." + builderMethod() + "("
                    + type.javaType().getSimpleName() + ")", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * A setting being declared. By default it applies on the command line and in YAML, has no default value, no
     * environment variable and no builder setter. Not thread-safe.
     */
    public static final class Spec<T> {
        private final String name;
        private final ValueType<T> type;
        private T defaultValue;
        private String defaultText;
        private String help;
        private String label;
        private String env;
        private boolean inCommandLine = true;
        private boolean inYaml = true;
        private boolean flag;
        private boolean repeatable;
        private boolean builderSetter;
        private BiConsumer<FlowTrace.Builder, T> apply;

        private Spec(String name, ValueType<T> type) {
            if (!isKebab(name)) {
                throw new IllegalArgumentException("setting name: '" + name + "' (expected: kebab-case)");
            }
            this.name = name;
            this.type = Objects.requireNonNull(type, "type");
        }

        /**
         * The default value.
         *
         * @param value the default
         * @return {@code this}
         */
        public Spec<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        /**
         * The default in words, where it is worked out at run time or needs saying.
         *
         * @param text the default in words, where it is worked out at run time or needs saying
         * @return {@code this}
         */
        public Spec<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        /**
         * The help text.
         *
         * @param text one line, lower case, no full stop
         * @return {@code this}
         */
        public Spec<T> help(String text) {
            this.help = text;
            return this;
        }

        /**
         * The value's name in usage text, where it is not the type's.
         *
         * @param text the label
         * @return {@code this}
         */
        public Spec<T> label(String text) {
            this.label = text;
            return this;
        }

        /**
         * The environment variable that gives the value.
         *
         * @param variable its name
         * @return {@code this}
         */
        public Spec<T> env(String variable) {
            this.env = variable;
            return this;
        }

        /**
         * Only on the command line, not in YAML.
         *
         * @return {@code this}
         */
        public Spec<T> commandLineOnly() {
            this.inYaml = false;
            return this;
        }

        /**
         * A command-line option without a value (an on/off setting given as {@code --name}).
         *
         * @return {@code this}
         */
        public Spec<T> flag() {
            this.flag = true;
            return this;
        }

        /**
         * The option may be given more than once.
         *
         * @return {@code this}
         */
        public Spec<T> repeatable() {
            this.repeatable = true;
            return this;
        }

        /**
         * The value is given to the {@link FlowTrace.Builder} setter of the same name in camelCase, which takes
         * {@link ValueType#javaType()} (found by reflection when applied, so that start-up spins no lambda per
         * setting; a test checks every such setter exists).
         *
         * @return {@code this}
         */
        public Spec<T> builderSetter() {
            this.builderSetter = true;
            return this;
        }

        /**
         * How the value is given to a {@link FlowTrace.Builder}, where it is not one setter of the same name.
         *
         * @param setter gives the value to the builder
         * @return {@code this}
         */
        public Spec<T> applies(BiConsumer<FlowTrace.Builder, T> setter) {
            this.apply = setter;
            return this;
        }

        /** Lower-case words of letters and digits joined by single dashes. */
        private static boolean isKebab(String name) {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                boolean dash = c == '-' && i > 0 && i < name.length() - 1 && name.charAt(i - 1) != '-';
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && i > 0 || dash)) {
                    return false;
                }
            }
            return !name.isEmpty();
        }

        /**
         * {@return the setting}
         *
         * @throws NullPointerException when no help text was given
         */
        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
