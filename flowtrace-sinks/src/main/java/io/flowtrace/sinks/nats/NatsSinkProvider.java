package io.flowtrace.sinks.nats;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.internal.EventFormat;
import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.Pause;

import java.time.Duration;
import java.util.List;

/**
 * The {@code nats} sink: publishes every record as one JSON message (the same fields as every other sink) with
 * jnats, to a subject made from the record, with {@code Nats-Msg-Id} set to the record's {@code flow_id}. Core
 * NATS (at most once; publishes made while reconnecting are buffered and sent after, those that may have been lost
 * with a dropped connection are counted) or JetStream (every message acknowledged by the stream, re-published on
 * a missing acknowledgement, de-duplicated by the server on {@code Nats-Msg-Id}). The stream itself is the
 * operator's to create (e.g. {@code nats stream add FLOWS --subjects 'flows.>'}); its duplicate window (2 minutes
 * by default) bounds how late a re-publish is still recognised.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code url}</td><td>{@code nats://127.0.0.1:4222}</td><td>server URLs, separated by spaces or
 *     {@code ;} (commas also work where the value is not on a command line); {@code tls://} URLs use TLS. A
 *     {@code user:password@} or {@code token@} in them (percent-encoded characters decoded, the same on every
 *     URL) is used as {@code user} and {@code password} or {@code token}, and never logged</td></tr>
 * <tr><td>{@code event-format}</td><td>{@code flowtrace}</td><td>{@code flowtrace}, or {@code sensor}: the Go
 *     sensor's fourteen fields only (ports as strings), TCP and UDP only, others counted as
 *     {@code skipped_by_format}</td></tr>
 * <tr><td>{@code subject}</td><td>{@code flows}</td><td>subject of record messages; may use {@code {interface}},
 *     {@code {hostname}}, {@code {direction}}, {@code {protocol}}, {@code {src_ip}}, {@code {dst_ip}},
 *     {@code {src_port}}, {@code {dst_port}}, {@code {ip_version}}, {@code {vlan}}, {@code {end_reason}}, e.g.
 *     {@code flows.{interface}}; dots and wildcards in values become {@code _}, absent values
 *     {@code unknown}</td></tr>
 * <tr><td>{@code snapshot-subject}</td><td>{@code snapshots.{task}}</td><td>subject of snapshot messages; may use
 *     {@code {task}}, {@code {type}}, {@code {metric}}</td></tr>
 * <tr><td>{@code mode}</td><td>{@code core}</td><td>{@code core} or {@code jetstream}</td></tr>
 * <tr><td>{@code token}</td><td>(none)</td><td>authentication token</td></tr>
 * <tr><td>{@code user}, {@code password}</td><td>(none)</td><td>user name and password</td></tr>
 * <tr><td>{@code credentials}</td><td>(none)</td><td>a {@code .creds} file (JWT and NKey seed)</td></tr>
 * <tr><td>{@code tls}</td><td>{@code off}</td><td>{@code on} (verify the server against the JVM's trust store or
 *     {@code truststore}), {@code insecure} (trust any certificate: for tests only) or {@code off}</td></tr>
 * <tr><td>{@code truststore}, {@code truststore-password}</td><td>(none)</td><td>a trust store file for
 *     {@code tls=on}</td></tr>
 * <tr><td>{@code connect-timeout}</td><td>{@code 5s}</td><td>time to connect to one server</td></tr>
 * <tr><td>{@code reconnect-wait}</td><td>{@code 1s}</td><td>wait between reconnect attempts to a server</td></tr>
 * <tr><td>{@code max-reconnects}</td><td>{@code -1} (forever)</td><td>reconnect attempts before the connection is
 *     closed (the sink then connects again on its next publish)</td></tr>
 * <tr><td>{@code reconnect-buffer}</td><td>{@code 8MiB}</td><td>publishes kept while reconnecting; when full,
 *     publishing waits and retries within the retry budget</td></tr>
 * <tr><td>{@code ack-timeout}</td><td>{@code 5s}</td><td>JetStream: wait for an acknowledgement before
 *     re-publishing; core: wait for a flush round trip</td></tr>
 * <tr><td>{@code max-pending}</td><td>{@code 1024}</td><td>JetStream: messages in flight awaiting
 *     acknowledgement</td></tr>
 * <tr><td>{@code retry-budget}</td><td>{@code 60s}</td><td>how long one message may be retried (not connected,
 *     buffer full, no acknowledgement) before it is counted as failed</td></tr>
 * <tr><td>{@code backoff}, {@code backoff-max}</td><td>{@code 100ms}, {@code 5s}</td><td>wait between those
 *     retries: doubling, jittered</td></tr>
 * </table>
 *
 * <p>Counters: {@code published}, {@code retried}, {@code failed}, {@code disconnects}, {@code reconnects};
 * core: {@code confirmed}, {@code at-risk}; JetStream: {@code acked}, {@code duplicates}.
 *
 * @since 0.1
 */
public final class NatsSinkProvider implements SinkProvider {

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public NatsSinkProvider() {
    }

    @Override
    public String name() {
        return "nats";
    }

    @Override
    public Sink create(PluginConfig config) {
        return new NatsSink(name(), settings(config), Pause.SLEEP, System::nanoTime);
    }

    static NatsSettings settings(PluginConfig config) {
        NatsClientSettings c = NatsClientSettings.read(config);
        SubjectTemplate subject = template(config, "subject", "flows", SubjectTemplate.RECORD_FIELDS);
        SubjectTemplate snapshotSubject = template(config, "snapshot-subject", "snapshots.{task}",
                SubjectTemplate.SNAPSHOT_FIELDS);
        boolean jetStream = "jetstream".equals(config.getChoice("mode", "core", "core", "jetstream"));
        Duration ackTimeout = config.getDuration("ack-timeout", Duration.ofSeconds(5));
        int maxPending = config.getInt("max-pending", 1024, 1, 1 << 20);
        Duration budget = config.getDuration("retry-budget", Duration.ofSeconds(60));
        Duration backoff = config.getDuration("backoff", Duration.ofMillis(100));
        Duration backoffMax = config.getDuration("backoff-max", Duration.ofSeconds(5));
        if (ackTimeout.isZero()) {
            config.error("ack-timeout: " + ackTimeout + " (expected: > 0)");
        }
        if (backoffMax.compareTo(backoff) < 0) {
            config.error("backoff (" + backoff + ") must not exceed backoff-max (" + backoffMax + ")");
            backoffMax = backoff;
        }
        EventFormat eventFormat = EventFormat.of(config);
        config.validate();
        return new NatsSettings(c.servers(), subject, snapshotSubject, jetStream, c.token(), c.user(), c.password(),
                c.credentials(), c.tls(), c.truststore(), c.truststorePassword(), c.connectTimeout(),
                c.reconnectWait(), c.maxReconnects(), c.reconnectBuffer(), ackTimeout, maxPending,
                new Backoff(backoff, backoffMax, budget), eventFormat);
    }

    private static SubjectTemplate template(PluginConfig config, String key, String def, List<String> fields) {
        try {
            return SubjectTemplate.parse(config.getString(key, def), fields);
        } catch (IllegalArgumentException e) {
            config.error(key + ": " + e.getMessage());
            return SubjectTemplate.parse(def, fields);
        }
    }
}
