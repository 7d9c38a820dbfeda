package io.flowtrace.sinks.nats;

import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.EventFormat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The validated settings of one NATS sink (see {@link NatsSinkProvider} for their meaning). */
record NatsSettings(List<String> servers, SubjectTemplate subject, SubjectTemplate snapshotSubject,
                    boolean jetStream, String token, String user, String password, Path credentials, String tls,
                    Path truststore, String truststorePassword, Duration connectTimeout, Duration reconnectWait,
                    int maxReconnects, long reconnectBuffer, Duration ackTimeout, int maxPending, Backoff backoff,
                    EventFormat eventFormat) {

    /** The connection part, for jnats' options. */
    NatsClientSettings client() {
        return new NatsClientSettings(servers, token, user, password, credentials, tls, truststore,
                truststorePassword, connectTimeout, reconnectWait, maxReconnects, reconnectBuffer);
    }

    @Override
    public String toString() {
        // never print secrets
        return "NatsSettings" + servers + " subject=" + subject + (jetStream ? " jetstream" : " core");
    }
}
