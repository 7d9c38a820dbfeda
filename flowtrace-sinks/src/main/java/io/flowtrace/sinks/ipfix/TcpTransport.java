package io.flowtrace.sinks.ipfix;

import io.flowtrace.sinks.internal.RateLimitedLog;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Messages back to back on one TCP connection (IPFIX's length field frames them). A connection that fails is
 * closed and made again on a later message, after a jittered backoff that doubles with each failed attempt, so an
 * unreachable collector costs one connect timeout per backoff step rather than one per message.
 */
final class TcpTransport implements Transport {
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(TcpTransport.class));
    private final IpfixSettings s;
    private final LongSupplier nanoTime;
    private SocketChannel channel;
    private int failuresInRow;
    private long nextAttemptNanos;
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();

    TcpTransport(IpfixSettings s, LongSupplier nanoTime) {
        this.s = s;
        this.nanoTime = nanoTime;
    }

    @Override
    public boolean open() {
        if (channel != null) {
            return false;
        }
        long now = nanoTime.getAsLong();
        if (failuresInRow > 0 && now - nextAttemptNanos < 0) {
            return false;
        }
        SocketChannel c = null;
        try {
            InetSocketAddress target = new InetSocketAddress(s.host(), s.port());
            if (target.isUnresolved()) {
                throw new UnknownHostException(s.host());
            }
            c = SocketChannel.open();
            c.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis()));
            c.socket().setTcpNoDelay(true);
            channel = c;
            failuresInRow = 0;
            connects.incrementAndGet();
            return true;
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            failuresInRow++;
            connectFailures.incrementAndGet();
            long delay = s.backoff().delayNanos(failuresInRow);
            nextAttemptNanos = nanoTime.getAsLong() + delay;
            log.warn("ipfix: cannot connect to " + s.target() + ": " + e + "; next attempt in "
                    + delay / 1_000_000 + " ms");
            return false;
        }
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        if (channel == null) {
            throw new IOException("not connected to " + s.target());
        }
        try {
            while (message.hasRemaining()) {
                channel.write(message);
            }
        } catch (IOException e) {
            closeQuietly(channel);
            channel = null;
            failuresInRow = 1;
            nextAttemptNanos = nanoTime.getAsLong(); // the first reconnect is due at once
            throw e;
        }
    }

    @Override
    public long connects() {
        return connects.get();
    }

    @Override
    public long connectFailures() {
        return connectFailures.get();
    }

    @Override
    public void close() {
        closeQuietly(channel);
        channel = null;
    }

    private static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing: nothing left to do with it
            }
        }
    }
}
