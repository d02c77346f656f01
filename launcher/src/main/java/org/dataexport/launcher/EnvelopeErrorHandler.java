package org.dataexport.launcher;

import jakarta.servlet.http.HttpServletRequest;
import org.dataexport.job.ResponseJson;
import org.dataexport.job.failure.ErrorType;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Jetty's answers to requests it refuses before any handler runs (a malformed request line or URI,
 * headers too large, a broken body encoding) as the API's envelope, never Jetty's HTML page.
 */
final class EnvelopeErrorHandler extends ErrorHandler {
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(envelope(status).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
                                              jakarta.servlet.http.HttpServletResponse response, int code, String message)
            throws IOException {
        baseRequest.setHandled(true);
        response.setContentType("application/json");
        response.getOutputStream().write(envelope(code).getBytes(StandardCharsets.UTF_8));
    }

    private static String envelope(int status) {
        ErrorType type = Arrays.stream(ErrorType.values()).filter(t -> t.status() == status).findFirst()
                .orElse(status >= 500 ? ErrorType.INTERNAL_ERROR : ErrorType.INVALID_REQUEST);
        String message = switch (status) {
            case 400 -> "the request is malformed (request line, URI, headers or body encoding)";
            case 408 -> "the request did not arrive in time";
            case 413 -> "the request is too large";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            default -> HttpStatus.getMessage(status);
        };
        return ResponseJson.failure(type, message).put("code", status).toString();
    }
}
