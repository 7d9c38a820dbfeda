/**
 * Models behind an OpenAI-compatible chat-completions API (OpenAI, Gemini's OpenAI endpoint, a local server):
 * {@link io.flowtrace.alert.ai.ChatClient} asks and streams answers, {@link io.flowtrace.alert.ai.AnalystPrompt}
 * wraps measured data for it as the analysis engine did, and the {@code openai} analyzer type explains fired alerts
 * with them. Clients are thread-safe and block the calling thread (the alerter's notification thread, or a
 * command's); nothing here runs on the packet path. The API key is never printed, logged or put in a message.
 */
package io.flowtrace.alert.ai;
