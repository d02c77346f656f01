package org.dataexport.launcher.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.dataexport.job.ResponseJson;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests: the store keeps these of tokens, idempotency keys and request bodies, never the values. */
public final class Digests {
    private Digests() {
    }

    public static String of(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A digest scoped to an owner: the same value of two owners digests differently. */
    public static String of(String owner, String value) {
        return of(owner + "\n" + value);
    }

    /** The JSON without its insignificant whitespace, so that a reformatted retry is the same body. */
    static String canonicalJson(String json) {
        try {
            return ResponseJson.MAPPER.readTree(json).toString();
        } catch (JsonProcessingException e) {
            return json;
        }
    }
}
