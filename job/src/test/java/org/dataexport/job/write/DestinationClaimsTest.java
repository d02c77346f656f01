package org.dataexport.job.write;

import org.dataexport.job.failure.ExportFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DestinationClaimsTest {
    @Test
    void overlappingDestinationsAreRefusedUntilReleased() {
        Runnable release = DestinationClaims.claim("s3a://bucket/exports/a");

        assertEquals(409, assertThrows(ExportFailure.class, () -> DestinationClaims.claim("s3a://bucket/exports/a/")).status());
        assertEquals(409, assertThrows(ExportFailure.class, () -> DestinationClaims.claim("s3a://bucket/exports/a/inner")).status());
        assertEquals(409, assertThrows(ExportFailure.class, () -> DestinationClaims.claim("s3a://bucket/exports")).status());
        DestinationClaims.claim("s3a://bucket/exports/ab").run(); // a sibling whose name only starts alike

        release.run();
        DestinationClaims.claim("s3a://bucket/exports/a/inner").run();
    }
}
