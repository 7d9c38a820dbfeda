package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The contract for the {@code ipfix} sink, against a collector that parses the messages back (IPFIX over UDP and
 * TCP, NetFlow v9 over UDP). Each event comes back as its forward and reverse records; the flow id is computed
 * again from the forward record's key and start time. Every message must also parse cleanly, with the sequence
 * numbers the RFC asks for.
 */
class IpfixSinkContractTest {

    static Sink sink(int port, String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("host", "127.0.0.1");
        values.put("port", String.valueOf(port));
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new IpfixSinkProvider().create(new PluginConfig("sink 'ipfix'", values));
    }

    /** Over UDP the collector waits for as many datagrams as the test's sinks counted as sent. */
    abstract static class OverUdp extends SinkContractTest {
        UdpCollector collector;
        final List<Sink> sinks = new ArrayList<>();

        Sink track(Sink s) {
            sinks.add(s);
            return s;
        }

        @BeforeEach
        void startCollector() throws Exception {
            collector = new UdpCollector();
        }

        @AfterEach
        void stopCollector() throws Exception {
            collector.close();
        }

        @Override
        protected List<String> deliveredIds() throws Exception {
            long messages = 0;
            for (Sink s : sinks) {
                messages += s.counters().get("messages");
            }
            ExportReader r = collector.received(messages);
            assertEquals(messages, collector.datagrams(), "datagrams read, of those sent");
            assertEquals(List.of(), r.problems(), "problems in the messages");
            assertEquals(0, r.unknownSets(), "data sets before their template");
            return r.eventIds();
        }
    }

    @Nested
    class IpfixUdp extends OverUdp {
        @Override
        protected Sink createSink() {
            return track(sink(collector.port()));
        }
    }

    @Nested
    class NetflowV9Udp extends OverUdp {
        @Override
        protected Sink createSink() {
            return track(sink(collector.port(), "version", "9"));
        }
    }

    @Nested
    class IpfixTcp extends SinkContractTest {
        TcpCollector collector;

        @BeforeEach
        void startCollector() throws Exception {
            collector = new TcpCollector(0);
        }

        @AfterEach
        void stopCollector() throws Exception {
            collector.close();
        }

        @Override
        protected Sink createSink() {
            return sink(collector.port(), "transport", "tcp");
        }

        @Override
        protected List<String> deliveredIds() throws Exception {
            ExportReader r = collector.closedByExporter();
            assertEquals(List.of(), r.problems(), "problems in the messages");
            assertEquals(0, r.unknownSets(), "data sets before their template");
            return r.eventIds();
        }
    }
}
