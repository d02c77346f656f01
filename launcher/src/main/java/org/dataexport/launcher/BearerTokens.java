package org.dataexport.launcher;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Checks bearer tokens in constant time: every configured token is compared, by SHA-256 digest (so
 * the length of a token does not show either), whatever matches first.
 */
final class BearerTokens {
    private final List<byte[]> digests;

    BearerTokens(List<String> tokens) {
        this.digests = tokens.stream().map(BearerTokens::digest).toList();
    }

    /**
     * Who calls, when the Authorization header carries one of the configured tokens: the token's
     * SHA-256 digest in hex, which is what job records keep (never the token).
     */
    Optional<String> owner(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = digest(authorizationHeader.substring(7).trim());
        boolean accepted = false;
        for (byte[] digest : digests) {
            accepted |= MessageDigest.isEqual(digest, presented);
        }
        return accepted ? Optional.of(HexFormat.of().formatHex(presented)) : Optional.empty();
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
