package org.dataexport.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP proxy in front of an S3 server that fails on command: uploads of data files (PUT under
 * {@code _temporary/}, claims aside, and the parts of multipart uploads), the commit's publishing
 * (server-side copies, PUT with {@code x-amz-copy-source}, and the completions of multipart uploads,
 * POST with {@code uploadId}), or everything (connections cut and refused: the store unreachable). One request
 * per connection (it asks the server to close after each), so requests can be told apart.
 */
final class FaultProxy implements AutoCloseable {
    enum Mode {
        PASS, FAIL_UPLOADS, FAIL_COMMITS, DEAD,
        /** Only the parts of multipart uploads: an upload that exists and is recorded fails part way. */
        FAIL_PARTS
    }

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.PASS;
    private volatile int failed;

    FaultProxy(int port, int targetPort) throws IOException {
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::accept, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    void mode(Mode next) {
        mode = next;
        if (next == Mode.DEAD) {
            open.forEach(FaultProxy::closeQuietly);
            open.clear();
        }
    }

    /** Requests failed on purpose so far. */
    int failed() {
        return failed;
    }

    /** Compatibility with the simple on/off use: DEAD or PASS. */
    void fail(boolean on) {
        mode(on ? Mode.DEAD : Mode.PASS);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (mode == Mode.DEAD) {
                    closeQuietly(client);
                    continue;
                }
                open.add(client);
                Thread handler = new Thread(() -> handle(client), "fault-proxy-request");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void handle(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String method = lines[0].split(" ")[0];
            String target = lines[0].split(" ").length > 1 ? lines[0].split(" ")[1] : "";
            long length = 0;
            boolean copy = false;
            boolean expectContinue = false;
            StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String name = lines[i].contains(":") ? lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT) : "";
                String value = lines[i].contains(":") ? lines[i].substring(lines[i].indexOf(':') + 1).trim() : "";
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                }
                copy |= name.equals("x-amz-copy-source");
                expectContinue |= name.equals("expect") && value.equalsIgnoreCase("100-continue");
                if (!name.equals("connection") && !name.equals("expect")) {
                    forwarded.append(lines[i]).append("\r\n");
                }
            }
            forwarded.append("Connection: close\r\n\r\n");
            boolean part = target.contains("uploadId=");
            boolean upload = method.equals("PUT") && !copy && (part || target.contains("/_temporary/") && !target.contains("_claim")
                    && !target.contains("_probe"));
            boolean commit = method.equals("PUT") && copy || method.equals("POST") && part;
            Mode now = mode;
            if ((now == Mode.FAIL_UPLOADS && upload) || (now == Mode.FAIL_COMMITS && commit) || (now == Mode.FAIL_PARTS && upload && part)
                    || now == Mode.DEAD) {
                failed++;
                byte[] error = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected</Message></Error>"
                        .getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: " + error.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(error);
                out.flush();
                return;
            }
            if (expectContinue) {
                // The client sends its body once told to: the proxy answers for the server.
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] body = in.readNBytes((int) length);
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                open.add(upstream);
                OutputStream up = upstream.getOutputStream();
                up.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                up.write(body);
                up.flush();
                upstream.getInputStream().transferTo(out);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // cut on purpose, or the client went away
        } finally {
            open.remove(client);
        }
    }

    /** The request line and headers, up to the empty line; null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int next;
        while ((next = in.read()) >= 0) {
            head.write(next);
            matched = (next == '\r' || next == '\n') ? matched + 1 : 0;
            if (matched == 4) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                return text.substring(0, text.length() - 4);
            }
        }
        return null;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        mode(Mode.DEAD);
        server.close();
    }
}
