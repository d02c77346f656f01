package org.dataexport.job.commit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a destination's claim file says: which export holds the destination, which process runs it,
 * when it last proved alive, and for how long that proof holds.
 */
public record Claim(String exportId, String owner, Instant heartbeatAt, Duration lease) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Claim {
        Objects.requireNonNull(exportId, "exportId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive");
        }
    }

    public Instant expiresAt() {
        return heartbeatAt.plus(lease);
    }

    public boolean expired(Instant now) {
        return now.isAfter(expiresAt());
    }

    public Claim beat(Instant now) {
        return new Claim(exportId, owner, now, lease);
    }

    byte[] toBytes() {
        ObjectNode node = JSON.createObjectNode();
        node.put("export_id", exportId);
        node.put("owner", owner);
        node.put("heartbeat_at", heartbeatAt.toString());
        node.put("lease_ms", lease.toMillis());
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a claim file; one that cannot be read (cut short, foreign) holds nothing: it reads as long expired. */
    static Claim fromBytes(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            return new Claim(node.path("export_id").asText("unknown"), node.path("owner").asText("unknown"),
                    Instant.parse(node.path("heartbeat_at").asText()), Duration.ofMillis(node.path("lease_ms").asLong(1)));
        } catch (IOException | RuntimeException e) {
            return new Claim("unknown", "unknown", Instant.EPOCH, Duration.ofMillis(1));
        }
    }
}
