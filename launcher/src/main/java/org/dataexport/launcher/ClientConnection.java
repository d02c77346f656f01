package org.dataexport.launcher;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;

/**
 * Tells whether the caller of a synchronous request is still connected. Jetty notices a closed
 * connection only when it reads, and it does not read while the handler runs: this looks at the
 * socket without blocking. Once the body has been read, a well-behaved HTTP/1.1 client sends nothing
 * more before the answer; if it does (pipelining), the watch stops and the connection is not reused.
 */
final class ClientConnection {
    private final EndPoint endPoint;
    private volatile boolean gone;
    private volatile boolean watching = true;

    private ClientConnection(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    static ClientConnection of(HttpServletRequest request) {
        Request base = Request.getBaseRequest(request);
        return new ClientConnection(base == null || base.getHttpChannel() == null ? null : base.getHttpChannel().getEndPoint());
    }

    /** True once the caller has closed its side (or the connection failed). */
    boolean gone() {
        if (gone || !watching || endPoint == null) {
            return gone;
        }
        try {
            if (!endPoint.isOpen() || endPoint.isInputShutdown()) {
                gone = true;
            } else {
                int read = endPoint.fill(BufferUtil.allocate(1));
                if (read < 0) {
                    gone = true;
                } else if (read > 0) {
                    watching = false;
                }
            }
        } catch (IOException | RuntimeException e) {
            gone = true;
        }
        return gone;
    }

    boolean wasGone() {
        return gone;
    }
}
