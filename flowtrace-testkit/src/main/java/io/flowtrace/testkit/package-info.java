/**
 * Contract test kits for plugin authors: abstract JUnit 5 classes that a plugin's test extends, saying only how to
 * make the plugin (and, for a sink, how to read back what it delivered); every test of the contract then runs
 * against it. {@link io.flowtrace.testkit.SinkContractKit}, {@link io.flowtrace.testkit.AggregatorContractKit} and
 * {@link io.flowtrace.testkit.PacketSourceContractKit} are the ones flowtrace's own plugins run;
 * {@link io.flowtrace.testkit.TestEvents} and {@link io.flowtrace.testkit.TestPacket} make their inputs.
 * {@link io.flowtrace.testkit.ClickHouseServer} starts a real {@code clickhouse-server} for a store's tests,
 * {@link io.flowtrace.testkit.SmtpServer} a real SMTP server (aiosmtpd) for a mail notifier's, and
 * {@link io.flowtrace.testkit.ChatCompletionsServer} answers as an OpenAI-compatible model would, from a script, for
 * an analyzer's.
 *
 * <p>Each kit runs the plugin on the threads the pipeline would use and says which in its Javadoc. Test code: it
 * allocates freely, and is never on a packet path.
 */
package io.flowtrace.testkit;
