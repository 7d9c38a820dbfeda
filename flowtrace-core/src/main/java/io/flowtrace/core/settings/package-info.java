/**
 * Settings declared once: a {@link io.flowtrace.core.settings.Setting} holds a setting's name, value type, default,
 * check, help text and where it applies; {@link io.flowtrace.core.settings.FlowSettings} lists every flow and
 * pipeline setting of {@link io.flowtrace.core.FlowTrace.Builder}. The builder's {@code set(name, value)}, the
 * command line, the YAML keys and the settings table of the README are derived from these descriptors.
 *
 * <p>Naming: a setting's name is kebab-case ({@code idle-timeout}, the command line's {@code --idle-timeout}); its
 * YAML key is the snake_case form ({@code idle_timeout}); its builder setter the camelCase form
 * ({@code idleTimeout}).
 *
 * <p>Threading: descriptors and value types are immutable and thread-safe. Nothing here is on the packet path.
 */
package io.flowtrace.core.settings;
