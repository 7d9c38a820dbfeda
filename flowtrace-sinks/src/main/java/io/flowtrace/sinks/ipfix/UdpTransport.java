package io.flowtrace.sinks.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One datagram per message from an unconnected channel, so that an ICMP "port unreachable" from a collector that is
 * not yet listening does not fail the sends after it. The host is resolved when first needed and again while it
 * does not resolve.
 */
final class UdpTransport implements Transport {
    private final IpfixSettings s;
    private InetSocketAddress target;
    private DatagramChannel channel;

    UdpTransport(IpfixSettings s) {
        this.s = s;
    }

    @Override
    public boolean open() {
        return false;
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        if (target == null || target.isUnresolved()) {
            target = new InetSocketAddress(s.host(), s.port());
            if (target.isUnresolved()) {
                throw new UnknownHostException(s.host());
            }
        }
        if (channel == null) {
            channel = DatagramChannel.open();
        }
        int length = message.remaining();
        if (channel.send(message, target) != length) {
            throw new IOException("datagram of " + length + " bytes not sent (no buffer space)");
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was pending: datagrams leave on send
            }
        }
    }
}
