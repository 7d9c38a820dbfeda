/** Alerts from aggregator results: rules, notifiers (webhook, NATS, email, log) and analyzers, each found through ServiceLoader. */
@SuppressWarnings("requires-automatic") // jnats publishes no module descriptor
module io.flowtrace.alert {
    requires transitive io.flowtrace.core;
    requires io.flowtrace.sinks;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires java.net.http;
    requires io.nats.jnats;

    exports io.flowtrace.alert;
    exports io.flowtrace.alert.spi;
    exports io.flowtrace.alert.notifiers;
    exports io.flowtrace.alert.ai; // the chat-completions client, for free-form questions (streamed) beside alerts

    uses io.flowtrace.alert.spi.NotifierProvider;
    uses io.flowtrace.alert.spi.AlertAnalyzerProvider;

    provides io.flowtrace.alert.spi.NotifierProvider with
            io.flowtrace.alert.notifiers.WebhookNotifierProvider,
            io.flowtrace.alert.notifiers.NatsNotifierProvider,
            io.flowtrace.alert.notifiers.LogNotifierProvider,
            io.flowtrace.alert.email.EmailNotifierProvider;
    provides io.flowtrace.alert.spi.AlertAnalyzerProvider with io.flowtrace.alert.ai.OpenAiAnalyzerProvider;
}
