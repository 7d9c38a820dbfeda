package io.flowtrace.sketch.superspread;

import io.flowtrace.sketch.SketchBytes;
import io.flowtrace.sketch.internal.Bytes;
import org.junit.jupiter.api.Test;

import java.io.IOException;

class SuperSpreadBytesTest {
    @Test
    void aSketchOfGigabytesWithoutItsBucketsIsCutShort() throws IOException {
        SketchBytes.assertCutShort(out -> {
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
        }, b -> Bytes.read(b, SuperSpread::read));
    }
}
