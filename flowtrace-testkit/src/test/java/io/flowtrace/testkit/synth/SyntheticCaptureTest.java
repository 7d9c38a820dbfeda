package io.flowtrace.testkit.synth;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticCaptureTest {
    @TempDir
    Path dir;

    /** Meters the generator's packets, played from memory (flowtrace-capture's tests read the file itself). */
    private static List<FlowEvent> meter(SyntheticCapture gen, int workers, boolean unsplittable, int maxFlows) {
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.Builder b = FlowTrace.builder().source(gen.source()).workers(workers)
                .maxFlows(maxFlows).onEvent(out::add);
        if (unsplittable) {
            b.idleTimeout(Duration.ZERO).activeTimeout(Duration.ZERO).tcpClose(false);
        }
        FlowStats s = b.build().run();
        assertEquals(s.packetsRead(), s.packetsDecoded(), "every generated packet decodes");
        return new ArrayList<>(out);
    }

    private static void assertRecordsEqualTruth(List<SyntheticCapture.Conversation> truth, List<FlowEvent> recs) {
        assertEquals(truth.size(), recs.size(), "one record per conversation");
        Map<FlowKey, FlowEvent> byKey = new HashMap<>();
        for (FlowEvent r : recs) {
            byKey.put(r.key(), r);
        }
        for (SyntheticCapture.Conversation c : truth) {
            FlowEvent r = byKey.get(c.key());
            assertNotNull(r, "record of " + c.key());
            String what = c.key().toString();
            assertEquals(c.packetsForward(), r.packetsForward(), what);
            assertEquals(c.packetsReverse(), r.packetsReverse(), what);
            assertEquals(c.bytesForward(), r.bytesForward(), what);
            assertEquals(c.bytesReverse(), r.bytesReverse(), what);
            assertEquals(c.ipBytesForward(), r.ipBytesForward(), what);
            assertEquals(c.ipBytesReverse(), r.ipBytesReverse(), what);
            assertEquals(c.firstNanos(), r.startNanos(), what);
            assertEquals(c.lastNanos(), r.endNanos(), what);
        }
    }

    @Test
    void meteredRecordsEqualTheGroundTruthForOneAndTwoWorkers() throws IOException {
        Path pcap = dir.resolve("zipf.pcap");
        SyntheticCapture gen = SyntheticCapture.builder().packets(60_000).conversations(5_000).zipf(1.0)
                .ipv6Share(0.3).udpShare(0.25).seed(42).build();
        SyntheticCapture.Summary s = gen.write(pcap);
        assertEquals(60_000, s.packets());
        List<SyntheticCapture.Conversation> truth = SyntheticCapture.readTruth(SyntheticCapture.truthPath(pcap));
        assertEquals(5_000, truth.size());
        assertEquals(60_000, truth.stream().mapToLong(SyntheticCapture.Conversation::packetCount).sum());
        assertEquals(s.wireBytes(), truth.stream().mapToLong(c -> c.bytesForward() + c.bytesReverse()).sum());
        assertTrue(truth.stream().anyMatch(c -> c.key().ipVersion() == 6));
        assertTrue(truth.stream().anyMatch(c -> c.key().protocol() == 17));
        assertRecordsEqualTruth(truth, meter(gen, 1, true, 1 << 20));
        assertRecordsEqualTruth(truth, meter(gen, 2, true, 1 << 20));
    }

    @Test
    void defaultOptionsEndTcpConversationsOnTheirCloseWithoutSplittingThem() throws IOException {
        Path pcap = dir.resolve("closes.pcap");
        SyntheticCapture gen = SyntheticCapture.builder().packets(40_000).conversations(3_000).seed(3).build();
        gen.write(pcap);
        List<SyntheticCapture.Conversation> truth = SyntheticCapture.readTruth(SyntheticCapture.truthPath(pcap));
        List<FlowEvent> recs = meter(gen, 1, false, 1 << 20);
        assertRecordsEqualTruth(truth, recs);
        assertTrue(recs.stream().anyMatch(r -> r.endReason() == EndReason.TCP_FIN), "FIN closes generated");
        assertTrue(recs.stream().anyMatch(r -> r.endReason() == EndReason.TCP_RST), "RST closes generated");
    }

    @Test
    void zipfSkewPutsTheLargestShareOnTheFirstConversations() throws IOException {
        Path pcap = dir.resolve("skew.pcap");
        SyntheticCapture.builder().packets(200_000).conversations(10_000).zipf(1.0).seed(5).build().write(pcap);
        List<SyntheticCapture.Conversation> truth = SyntheticCapture.readTruth(SyntheticCapture.truthPath(pcap));
        // rank 1 of Zipf(1) over 10k holds 1/H(10000) ~ 10.2% of the packets beyond the one each conversation has
        double top = truth.get(0).packetCount() / 190_000.0;
        assertTrue(top > 0.09 && top < 0.115, "top share " + top);
        assertTrue(truth.get(0).packetCount() > 2 * truth.get(1).packetCount() - 3);
        // the last rank's share is 190000 / (H(10000) * 10000) ~ 1.9 packets beyond its own one
        assertTrue(truth.get(9_999).packetCount() <= 3, "tail " + truth.get(9_999).packetCount());
    }

    @Test
    void capturedLengthsAreHeadersOnlyWhileWireLengthsFollowTheSizeMix() throws IOException {
        Path pcap = dir.resolve("lengths.pcap");
        SyntheticCapture.builder().packets(20_000).conversations(500).sizes("100:1,1514:1").seed(9).build()
                .write(pcap);
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, bb.getInt(0));
        assertEquals(1, bb.getInt(20), "Ethernet");
        int at = 24;
        int n = 0;
        int big = 0;
        while (at < bb.limit()) {
            int cap = bb.getInt(at + 8);
            int wire = bb.getInt(at + 12);
            assertTrue(cap >= 42 && cap <= 94, "caplen " + cap);
            assertTrue(wire >= cap && wire >= 60 && wire <= 1514, "wire " + wire);
            if (wire == 1514) {
                big++;
            }
            at += 16 + cap;
            n++;
        }
        assertEquals(at, bb.limit());
        assertEquals(20_000, n);
        assertTrue(big > 5_000, "about half the data packets are full-size: " + big);
    }

    @Test
    void theFileHoldsTheSourcesPacketsRecordForRecord() throws IOException {
        SyntheticCapture gen = SyntheticCapture.builder().packets(3_000).conversations(200).ipv6Share(0.5).seed(13)
                .truth(false).build();
        Path pcap = dir.resolve("same.pcap");
        gen.write(pcap);
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        int[] at = {24};
        int[] n = {0};
        gen.source().run((ts, linkType, data, off, cap, wire, iface) -> {
            long micros = ts / 1000;
            assertEquals(0, ts % 1000, "whole microseconds, as in the file");
            assertEquals(micros / 1_000_000, file.getInt(at[0]), "seconds of packet " + n[0]);
            assertEquals(micros % 1_000_000, file.getInt(at[0] + 4), "microseconds of packet " + n[0]);
            assertEquals(cap, file.getInt(at[0] + 8), "caplen of packet " + n[0]);
            assertEquals(wire, file.getInt(at[0] + 12), "wire length of packet " + n[0]);
            assertEquals(1, linkType);
            assertArrayEquals(java.util.Arrays.copyOfRange(file.array(), at[0] + 16, at[0] + 16 + cap),
                    java.util.Arrays.copyOfRange(data, off, off + cap), "frame of packet " + n[0]);
            at[0] += 16 + cap;
            n[0]++;
        });
        assertEquals(3_000, n[0]);
        assertEquals(file.limit(), at[0], "nothing in the file beyond the source's packets");
    }

    @Test
    void theSameSeedGivesTheSameFileAndAnotherSeedAnother() throws IOException {
        Path a = dir.resolve("a.pcap");
        Path b = dir.resolve("b.pcap");
        Path c = dir.resolve("c.pcap");
        SyntheticCapture.builder().packets(5_000).conversations(300).seed(11).build().write(a);
        SyntheticCapture.builder().packets(5_000).conversations(300).seed(11).build().write(b);
        SyntheticCapture.builder().packets(5_000).conversations(300).seed(12).build().write(c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @Test
    void floodMetersEveryPacketEvenWhenTheTableIsBounded() throws IOException {
        Path pcap = dir.resolve("flood.pcap");
        SyntheticCapture gen = SyntheticCapture.builder().flood(20_000).seed(1).build();
        SyntheticCapture.Summary s = gen.write(pcap);
        assertEquals(20_000, s.packets());
        List<SyntheticCapture.Conversation> truth = SyntheticCapture.readTruth(SyntheticCapture.truthPath(pcap));
        assertEquals(20_000, truth.stream().map(c -> c.key().srcLo()).distinct().count(), "distinct sources");
        List<FlowEvent> recs = meter(gen, 1, false, 2_000);
        assertEquals(20_000, recs.stream().mapToLong(FlowEvent::packetCount).sum());
        assertTrue(recs.stream().filter(r -> r.endReason() == EndReason.EVICTED).count() >= 18_000);
        assertRecordsEqualTruth(truth, recs);
    }

    @Test
    void badSettingsAreRejectedWhenGiven() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticCapture.builder().ipv6Share(1.5));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCapture.builder().sizes("20:1"));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCapture.builder().zipf(-1));
        assertThrows(IllegalArgumentException.class,
                () -> SyntheticCapture.builder().packets(10).conversations(100).build());
    }

}
