package io.flowtrace.sinks.internal;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that is also an {@link OutputStream}, reused across records so that encoding allocates
 * nothing once it has grown to the largest record. Not thread-safe.
 */
public final class ByteBuf extends OutputStream {
    private byte[] bytes;
    private int size;

    public ByteBuf(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    /** Appends text known to be ASCII (numbers, field names, fixed words). */
    public ByteBuf ascii(CharSequence s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** Appends ASCII characters from an array. */
    public ByteBuf ascii(char[] c, int off, int len) {
        ensure(len);
        for (int i = 0; i < len; i++) {
            bytes[size++] = (byte) c[off + i];
        }
        return this;
    }

    /** Appends any text as UTF-8. */
    public ByteBuf utf8(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                write(b, 0, b.length);
                return this;
            }
        }
        return ascii(s);
    }

    /** Appends the decimal form of {@code v}. */
    public ByteBuf decimal(long v) {
        if (v == Long.MIN_VALUE) {
            return ascii(Long.toString(v));
        }
        ensure(20);
        if (v < 0) {
            bytes[size++] = '-';
            v = -v;
        }
        int start = size;
        do {
            bytes[size++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = size - 1; i < j; i++, j--) {
            byte t = bytes[i];
            bytes[i] = bytes[j];
            bytes[j] = t;
        }
        return this;
    }

    /**
     * Makes room for {@code extra} more bytes and returns the backing array, to be written from {@link #size()} on;
     * then {@link #advanceTo} the end of what was written.
     */
    public byte[] reserve(int extra) {
        ensure(extra);
        return bytes;
    }

    /** Sets the size after writing into the array {@link #reserve} returned. */
    public void advanceTo(int newSize) {
        if (newSize < size || newSize > bytes.length) {
            throw new IllegalArgumentException("newSize: " + newSize + " (expected: " + size + ".." + bytes.length + ")");
        }
        size = newSize;
    }

    public void reset() {
        size = 0;
    }

    /** Drops everything from {@code newSize} on. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("newSize: " + newSize + " (expected: 0.." + size + ")");
        }
        size = newSize;
    }

    public int size() {
        return size;
    }

    /** The backing array; valid up to {@link #size()} until the next write. */
    public byte[] array() {
        return bytes;
    }

    /** A copy of the content. */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }
}
