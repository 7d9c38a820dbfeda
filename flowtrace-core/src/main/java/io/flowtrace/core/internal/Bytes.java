package io.flowtrace.core.internal;

/** Big-endian reads by offset for the decoder's layers; callers check the bounds first. */
final class Bytes {
    private Bytes() {
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    static int u32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    static long u64(byte[] b, int p) {
        return ((long) u32(b, p) << 32) | (u32(b, p + 4) & 0xffffffffL);
    }
}
