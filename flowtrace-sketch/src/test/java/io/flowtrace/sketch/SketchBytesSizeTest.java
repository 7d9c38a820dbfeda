package io.flowtrace.sketch;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sketch bytes whose header claims gigabytes of counters and which hold none are refused as cut short, before
 * anything of that size is allocated (without the check, each of these makes the test JVM run out of heap).
 */
class SketchBytesSizeTest {
    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Body b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            b.write(out);
        }
        return bos.toByteArray();
    }

    @Test
    void aCountMinSketchOfEightGigabytesWithoutItsCountersIsCutShort() throws IOException {
        byte[] b = bytes(out -> {
            out.writeByte(CountMinSketch.FAMILY);
            out.writeByte(CountMinSketch.VERSION);
            out.writeInt(1 << 27); // width
            out.writeInt(8); // depth: 2^30 counters
            out.writeLong(1);
            out.writeBoolean(true);
            out.writeLong(0); // total, then no counters
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CountMinSketch.fromBytes(b));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }

    @Test
    void aSuperSpreadOfGigabytesWithoutItsBucketsIsCutShort() throws IOException {
        byte[] b = bytes(out -> {
            out.writeByte(SuperSpread.FAMILY);
            out.writeByte(SuperSpread.VERSION);
            out.writeInt(1 << 24); // width
            out.writeInt(4); // depth
            out.writeInt(128); // m
            out.writeByte(5); // bits
            out.writeDouble(1.08);
            out.writeByte(3); // key words
            out.writeLong(1); // seed
            out.writeLong(0); // rng, then no buckets
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AggregatorBytes.read(b, SuperSpread::read));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }
}
