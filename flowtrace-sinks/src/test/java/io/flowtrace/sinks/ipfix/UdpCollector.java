package io.flowtrace.sinks.ipfix;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;

/** A UDP collector on a free loopback port: each datagram goes to an {@link ExportReader}. Close it after use. */
final class UdpCollector extends Collector {
    private final DatagramSocket socket;
    private final Thread thread;
    private final AtomicLong datagrams = new AtomicLong();

    UdpCollector() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(8 << 20);
        thread = new Thread(this::receive, "udp-collector");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    long datagrams() {
        return datagrams.get();
    }

    private void receive() {
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (!socket.isClosed()) {
            try {
                p.setLength(buf.length);
                socket.receive(p);
                reader.read(p.getData(), p.getOffset(), p.getLength());
                datagrams.incrementAndGet();
                arrived();
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Waits until {@code count} datagrams have been read (at most 10 s). */
    ExportReader received(long count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (datagrams.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return reader;
    }


    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5_000);
    }
}
