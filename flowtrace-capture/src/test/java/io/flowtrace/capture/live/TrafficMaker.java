package io.flowtrace.capture.live;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Makes a known TCP and UDP exchange, in-process or as a child process inside a network namespace. The client sends
 * {@code messages} TCP requests of {@link #TCP_REQUEST} bytes, waiting for each {@link #TCP_RESPONSE}-byte reply
 * (Nagle off, so each is one segment), then closes; then {@code messages} UDP datagrams of {@link #UDP_REQUEST}
 * bytes, each answered by one of {@link #UDP_RESPONSE} bytes.
 *
 * <p>As a program: {@code server ADDRESS MESSAGES} binds ephemeral TCP and UDP ports, prints
 * {@code READY tcpPort udpPort}, serves one exchange and exits; {@code client ADDRESS TCP_PORT UDP_PORT MESSAGES}
 * makes it and prints {@code DONE}.
 */
final class TrafficMaker {
    static final int TCP_REQUEST = 100;
    static final int TCP_RESPONSE = 300;
    static final int UDP_REQUEST = 50;
    static final int UDP_RESPONSE = 70;
    private static final int TIMEOUT_MILLIS = 10_000;

    /** The server side: both sockets bound, serving on a background thread. */
    static final class Server implements AutoCloseable {
        final ServerSocket tcp;
        final DatagramSocket udp;
        private final int messages;
        private final Thread thread;
        private volatile Throwable failure;

        Server(InetAddress address, int messages) throws IOException {
            this.tcp = new ServerSocket(0, 1, address);
            this.udp = new DatagramSocket(new InetSocketAddress(address, 0));
            this.messages = messages;
            tcp.setSoTimeout(TIMEOUT_MILLIS);
            udp.setSoTimeout(TIMEOUT_MILLIS);
            this.thread = new Thread(this::serve, "traffic-server");
            thread.setDaemon(true);
        }

        int tcpPort() {
            return tcp.getLocalPort();
        }

        int udpPort() {
            return udp.getLocalPort();
        }

        Server start() {
            thread.start();
            return this;
        }

        private void serve() {
            try {
                try (Socket s = tcp.accept()) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(TIMEOUT_MILLIS);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    byte[] request = new byte[TCP_REQUEST];
                    for (int i = 0; i < messages; i++) {
                        in.readFully(request);
                        out.write(new byte[TCP_RESPONSE]);
                        out.flush();
                    }
                    if (in.read() != -1) {
                        throw new IOException("expected the client to close");
                    }
                }
                byte[] buffer = new byte[2048];
                for (int i = 0; i < messages; i++) {
                    DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                    udp.receive(p);
                    udp.send(new DatagramPacket(new byte[UDP_RESPONSE], UDP_RESPONSE, p.getSocketAddress()));
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Waits for the exchange to finish and rethrows what went wrong on the server side. */
        void await() throws Exception {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                throw new AssertionError("traffic server did not finish");
            }
            if (failure != null) {
                throw new AssertionError("traffic server failed", failure);
            }
        }

        @Override
        public void close() {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // closing
            }
            udp.close();
        }
    }

    private TrafficMaker() {
    }

    /** The client side of the exchange; returns when every reply has arrived and the TCP connection is closed. */
    static void client(InetAddress server, int tcpPort, int udpPort, int messages) throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.connect(new InetSocketAddress(server, tcpPort), TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] response = new byte[TCP_RESPONSE];
            for (int i = 0; i < messages; i++) {
                out.write(new byte[TCP_REQUEST]);
                out.flush();
                in.readFully(response);
            }
            s.shutdownOutput();
            if (in.read() != -1) {
                throw new IOException("expected the server to close");
            }
        }
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.setSoTimeout(TIMEOUT_MILLIS);
            byte[] buffer = new byte[2048];
            InetSocketAddress to = new InetSocketAddress(server, udpPort);
            for (int i = 0; i < messages; i++) {
                udp.send(new DatagramPacket(new byte[UDP_REQUEST], UDP_REQUEST, to));
                udp.receive(new DatagramPacket(buffer, buffer.length));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        InetAddress address = InetAddress.getByName(args[1]);
        if (args[0].equals("server")) {
            try (Server server = new Server(address, Integer.parseInt(args[2]))) {
                server.start();
                out.println("READY " + server.tcpPort() + " " + server.udpPort());
                server.await();
            }
            out.println("DONE");
        } else if (args[0].equals("client")) {
            client(address, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            out.println("DONE");
        } else {
            throw new IllegalArgumentException("mode: " + args[0] + " (expected: server or client)");
        }
    }

    /** Reads one line from a child's output, for the READY handshake. */
    static String readLine(Process process) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        return line == null ? "" : line;
    }
}
