package io.flowtrace.alert.ai;

import io.flowtrace.alert.Alert;
import io.flowtrace.alert.spi.AlertAnalyzer;
import io.flowtrace.alert.spi.AlertAnalyzerProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;

import java.util.List;

/**
 * The {@code openai} analyzer type: asks an OpenAI-compatible chat-completions model (the engine's {@code ai} block:
 * {@code provider, api_key, model, base_url}; see {@link ChatClient} for every key) to analyse each fired alert
 * with the {@link AnalystPrompt}. Thread-safe; the constructor does no I/O.
 *
 * @since 0.1
 */
public final class OpenAiAnalyzerProvider implements AlertAnalyzerProvider {

    /** A provider, for {@link java.util.ServiceLoader}. */
    public OpenAiAnalyzerProvider() {
    }

    @Override
    public String type() {
        return "openai";
    }

    @Override
    public AlertAnalyzer create(PluginConfig config) {
        return new Analyzer(ChatClient.create(config));
    }

    /** Asks the model once per alert, with the client's timeout and retries. */
    private static final class Analyzer implements AlertAnalyzer {
        private final ChatClient client;

        Analyzer(ChatClient client) {
            this.client = client;
        }

        @Override
        public String describe() {
            return "openai " + client.describe();
        }

        @Override
        public String analyze(Alert alert, List<Snapshot> evidence) throws ChatException, InterruptedException {
            return client.complete(AnalystPrompt.forAlert(alert, evidence));
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
