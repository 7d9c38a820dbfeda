package io.flowtrace.alert.ai;

import java.util.Objects;

/**
 * One message of a chat: its role ({@code system}, {@code user}, {@code assistant}) and text. Immutable.
 *
 * @param role    who says it
 * @param content what is said
 * @since 0.1
 */
public record ChatMessage(String role, String content) {

    /**
     * Checks the components.
     *
     * @param role who says it
     * @param content what is said
     */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /**
     * {@return a system message: how the model is to behave}
     *
     * @param content the instructions
     */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /**
     * {@return a user message}
     *
     * @param content the question or data
     */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }
}
