package org.dataexport.launcher.request;

import jakarta.servlet.http.HttpServletRequest;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads a request body within bounds: at most {@code maxBytes} (413), arriving within
 * {@code timeoutMillis} as a whole (408: a sender that trickles a byte at a time is cut off too), valid
 * UTF-8 (400), and a body that cannot be read (a broken chunked encoding, a dropped connection) is a
 * 400, never a 500.
 */
public final class RequestBody {
    private final long maxBytes;
    private final long timeoutMillis;

    public RequestBody(long maxBytes, long timeoutMillis) {
        this.maxBytes = maxBytes;
        this.timeoutMillis = timeoutMillis;
    }

    /** Exactly {@code application/json}, with parameters allowed ({@code charset=utf-8} only). */
    public static void checkMediaType(String contentType) {
        if (contentType != null) {
            String[] parts = contentType.split(";");
            boolean json = parts[0].trim().toLowerCase(Locale.ROOT).equals("application/json");
            boolean utf8 = true;
            for (int i = 1; i < parts.length; i++) {
                String[] parameter = parts[i].trim().split("=", 2);
                if (parameter[0].trim().equalsIgnoreCase("charset")) {
                    String charset = parameter.length > 1 ? parameter[1].trim().replace("\"", "") : "";
                    utf8 &= charset.equalsIgnoreCase("utf-8") || charset.equalsIgnoreCase("utf8");
                }
            }
            if (json && utf8) {
                return;
            }
        }
        throw new ExportFailure(ErrorType.UNSUPPORTED_MEDIA_TYPE, "send the request as Content-Type: application/json (UTF-8)");
    }

    public String read(HttpServletRequest request) {
        if (request.getContentLengthLong() > maxBytes) {
            throw tooLarge();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                body.write(buffer, 0, read);
                if (body.size() > maxBytes) {
                    throw tooLarge();
                }
                if (System.nanoTime() > deadline) {
                    throw slow();
                }
            }
        } catch (ExportFailure failure) {
            throw failure;
        } catch (IOException | RuntimeException e) {
            // Jetty reports an idle timeout while reading as an IOException caused by a TimeoutException.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.util.concurrent.TimeoutException) {
                    throw slow();
                }
            }
            throw new ExportFailure(ErrorType.INVALID_REQUEST, "the request body could not be read (a malformed or interrupted transfer)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new ExportFailure(ErrorType.INVALID_REQUEST, "the request body is not valid UTF-8");
        }
    }

    private ExportFailure tooLarge() {
        return new ExportFailure(ErrorType.PAYLOAD_TOO_LARGE, "the request body exceeds " + maxBytes + " bytes");
    }

    private ExportFailure slow() {
        return new ExportFailure(ErrorType.REQUEST_TIMEOUT, "the request body did not arrive within "
                + timeoutMillis / 1000.0 + " s (server.body_timeout_seconds)");
    }
}
