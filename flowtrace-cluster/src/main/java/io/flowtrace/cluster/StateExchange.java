package io.flowtrace.cluster;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Ships {@link StateRecord}s between the nodes of a cluster on {@code cluster.state_subject}: each node publishes
 * its state on {@code <state_subject>.<node>} (the node id's letters, digits, {@code -} and {@code _}; other
 * characters become {@code _}) and every node subscribes to {@code <state_subject>.>}, handing what it receives to a
 * {@link ClusterState}. With JetStream the records go to a stream that keeps the last one per subject (one per
 * node), a publication counts once the stream has
 * stored it, and a node that starts reads every node's last record back first, its own included: that is where a
 * restarted engine resumes. With core NATS a node sees only what is published while it runs. Thread-safe.
 *
 * @since 0.1
 */
public final class StateExchange implements AutoCloseable {
    private final Connection connection;
    private final String subject;
    private final boolean jetStream;
    private final ClusterState state;
    private final Consumer<StateRecord> onUpdate;
    private final String stream;
    private final LongAdder unreadable = new LongAdder();
    private Dispatcher dispatcher;
    private JetStream js;

    private StateExchange(Connection connection, String subject, boolean jetStream, ClusterState state,
                          Consumer<StateRecord> onUpdate) {
        this.connection = connection;
        this.subject = subject;
        this.jetStream = jetStream;
        this.state = state;
        this.onUpdate = onUpdate;
        this.stream = streamName(subject);
    }

    /**
     * Subscribes, and with JetStream makes sure the state stream exists and reads every node's last record back.
     *
     * @param connection an open connection (the caller closes it)
     * @param subject {@code cluster.state_subject}, e.g. {@code flowtrace.state}
     * @param jetStream whether records are stored in a JetStream stream
     * @param state where received records go
     * @param onUpdate told of every record that changed {@code state}, on a NATS delivery thread
     * @return the exchange
     * @throws IOException when the server cannot be reached or refuses the stream
     */
    public static StateExchange open(Connection connection, String subject, boolean jetStream, ClusterState state,
                                     Consumer<StateRecord> onUpdate) throws IOException {
        Objects.requireNonNull(connection, "connection");
        if (subject == null || subject.isBlank() || subject.contains("*") || subject.contains(">")
                || subject.contains(" ")) {
            throw new IllegalArgumentException("state_subject: '" + subject + "' (expected: a subject without "
                    + "wildcards, e.g. flowtrace.state)");
        }
        StateExchange x = new StateExchange(connection, subject, jetStream, state, onUpdate);
        x.start();
        return x;
    }

    private void start() throws IOException {
        dispatcher = connection.createDispatcher(m -> take(m.getData()));
        dispatcher.subscribe(subject + ".>");
        if (!jetStream) {
            return;
        }
        try {
            JetStreamManagement jsm = connection.jetStreamManagement();
            StreamConfiguration sc = StreamConfiguration.builder().name(stream).subjects(subject + ".>")
                    .maxMessagesPerSubject(1).storageType(StorageType.File).build();
            try {
                jsm.getStreamInfo(stream);
            } catch (JetStreamApiException missing) {
                jsm.addStream(sc);
            }
            js = connection.jetStream();
            StreamInfo info = jsm.getStreamInfo(stream, StreamInfoOptions.allSubjects());
            if (info.getStreamState().getSubjects() != null) {
                for (Subject s : info.getStreamState().getSubjects()) {
                    MessageInfo last = jsm.getLastMessage(stream, s.getName());
                    if (last != null && last.getData() != null) {
                        take(last.getData());
                    }
                }
            }
        } catch (JetStreamApiException e) {
            throw new IOException("state stream " + stream + " on " + subject + ".>: " + e.getMessage(), e);
        }
    }

    private void take(byte[] data) {
        StateRecord r;
        try {
            r = StateRecord.fromBytes(data);
        } catch (IllegalArgumentException e) {
            unreadable.increment();
            return;
        }
        if (state.accept(r) && onUpdate != null) {
            onUpdate.accept(r);
        }
    }

    /**
     * Publishes a record; returns once the stream has stored it (JetStream) or the server has it (core NATS).
     *
     * @param r the record
     * @param timeout how long to wait for the server
     * @throws IOException when the server did not confirm it in time
     */
    public void publish(StateRecord r, Duration timeout) throws IOException {
        String to = subject + "." + token(r.node());
        byte[] bytes = r.toBytes();
        try {
            if (js != null) {
                js.publish(to, bytes);
            } else {
                connection.publish(to, bytes);
                connection.flush(timeout);
            }
        } catch (JetStreamApiException | TimeoutException e) {
            throw new IOException("state not stored on " + to + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while publishing state", e);
        }
    }

    /** {@return the JetStream stream that holds the records ({@code FLOWTRACE_STATE_...} from the subject)} */
    public String stream() {
        return stream;
    }

    /** {@return received messages that were not state records} */
    public long unreadable() {
        return unreadable.sum();
    }

    /** A subject token from a node id: letters, digits, {@code -} and {@code _} kept, others {@code _}. */
    static String token(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' ? c : '_');
        }
        return b.length() == 0 ? "_" : b.toString();
    }

    static String streamName(String subject) {
        return "FLOWTRACE_STATE_" + token(subject).toUpperCase(Locale.ROOT);
    }

    /** Stops receiving; the connection stays open. */
    @Override
    public void close() {
        if (dispatcher != null) {
            connection.closeDispatcher(dispatcher);
            dispatcher = null;
        }
    }
}
