package org.dataexport.launcher.request;

import org.dataexport.job.failure.CallerText;
import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.launcher.jobs.JobState;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** The job API's own inputs: export ids, list filters, Idempotency-Key and Prefer; each refusal names its field. */
public final class JobRequests {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;
    public static final int MAX_IDEMPOTENCY_KEY = 255;

    private JobRequests() {
    }

    /** An export id is a UUID; anything else names no job (404, as a job of another token). */
    public static String exportId(String value) {
        try {
            UUID id = UUID.fromString(value);
            if (id.toString().equals(value.toLowerCase(Locale.ROOT))) {
                return id.toString();
            }
        } catch (IllegalArgumentException e) {
            // not a UUID
        }
        throw notFound(value);
    }

    public static ExportFailure notFound(String exportId) {
        return new ExportFailure(ErrorType.NOT_FOUND, "no export " + CallerText.quote(exportId) + " of this token");
    }

    public static Optional<JobState> state(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(JobState.fromApiName(value).orElseThrow(() -> new ExportFailure(ErrorType.INVALID_REQUEST,
                "state must be one of " + Arrays.stream(JobState.values()).map(JobState::apiName).collect(Collectors.joining(", "))
                        + " (got " + CallerText.quote(value) + ")")));
    }

    public static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ExportFailure(ErrorType.INVALID_REQUEST, "limit must be an integer from 1 to " + MAX_LIMIT + " (got " + CallerText.quote(value) + ")");
    }

    /** At most 255 printable ASCII characters. */
    public static Optional<String> idempotencyKey(String value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isEmpty() || value.length() > MAX_IDEMPOTENCY_KEY || !value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            throw new ExportFailure(ErrorType.INVALID_REQUEST, "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY
                    + " printable ASCII characters (got " + value.length() + " characters)");
        }
        return Optional.of(value);
    }

    /** RFC 7240: {@code Prefer: respond-async}, among other preferences, in any of the Prefer headers. */
    public static boolean prefersAsync(List<String> preferHeaders) {
        return preferHeaders.stream()
                .flatMap(header -> Arrays.stream(header.split(",")))
                .map(preference -> preference.split(";", 2)[0].trim())
                .anyMatch(preference -> preference.equalsIgnoreCase("respond-async"));
    }
}
