package io.flowtrace.sinks.nats;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.testkit.NatsServerProcess;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestRecords;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The contract for the JetStream NATS sink against a real nats-server, read back from the stream. */
class NatsSinkContractTest extends SinkContractTest {
    @TempDir
    Path dir;
    private NatsServerProcess server;
    private Connection client;
    private JetStreamManagement jsm;

    @BeforeEach
    void start() throws Exception {
        server = new NatsServerProcess(dir, true);
        client = Nats.connect(server.url());
        jsm = client.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("FLOWS").subjects("flows.>", "snapshots.>")
                .storageType(StorageType.Memory).build());
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            server.close();
        }
    }

    @Override
    protected Sink createSink() {
        return new NatsSinkProvider().create(new PluginConfig("sink 'nats'", Map.of("url", server.url(),
                "mode", "jetstream", "subject", "flows.{interface}", "snapshot-subject", "snapshots.{task}")));
    }

    @Override
    protected List<String> deliveredIds() throws Exception {
        long first = jsm.getStreamInfo("FLOWS").getStreamState().getFirstSequence();
        long count = jsm.getStreamInfo("FLOWS").getStreamState().getMsgCount();
        List<String> ids = new ArrayList<>();
        for (long seq = first; seq < first + count; seq++) {
            MessageInfo m = jsm.getMessage("FLOWS", seq);
            com.fasterxml.jackson.databind.JsonNode n =
                    TestRecords.parse(new String(m.getData(), StandardCharsets.UTF_8));
            if (n.has("flow_id")) {
                ids.add(n.get("flow_id").asText());
            }
        }
        return ids;
    }
}
