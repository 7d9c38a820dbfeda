package io.flowtrace.sinks.ipfix;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An IPFIX-over-TCP collector on a loopback port (a free one, or one given, to come up where a sink already
 * points): splits the stream into messages by their length field, each to one {@link ExportReader}. Close it after
 * use.
 */
final class TcpCollector extends Collector {
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> readers = new CopyOnWriteArrayList<>();
    private final AtomicLong messages = new AtomicLong();

    TcpCollector(int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptor = new Thread(this::accept, "tcp-collector");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return connections.size();
    }

    long messages() {
        return messages.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                arrived();
                reader.newSession(); // connections come one after another in these tests
                connections.add(s);
                Thread t = new Thread(() -> read(s), "tcp-collector-conn");
                t.setDaemon(true);
                readers.add(t);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void read(Socket s) {
        try (DataInputStream in = new DataInputStream(s.getInputStream())) {
            byte[] buf = new byte[65535];
            while (true) {
                in.readFully(buf, 0, 4);
                int length = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                in.readFully(buf, 4, length - 4);
                reader.read(buf, 0, length);
                messages.incrementAndGet();
                arrived();
            }
        } catch (EOFException | java.net.SocketException end) {
            // the exporter closed, or the test did
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes the connections the collector has open now, as a collector restarting would. */
    void dropConnections() throws IOException {
        for (Socket s : connections) {
            s.close();
        }
    }

    /** Waits until every connection was closed by the exporter and read to its end. */
    ExportReader closedByExporter() throws InterruptedException {
        quiet(); // a connection may still wait in the backlog
        for (Thread t : readers) {
            t.join(10_000);
        }
        return reader;
    }


    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        dropConnections();
        acceptor.join(5_000);
        for (Thread t : readers) {
            t.join(5_000);
        }
    }
}
