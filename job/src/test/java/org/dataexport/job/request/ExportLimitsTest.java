package org.dataexport.job.request;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExportLimitsTest {
    private static final ExportLimits LIMITS = ExportLimits.DEFAULTS;

    private static ExportRequest request(String fields) {
        return ExportRequest.fromJson("{\"export_paths\": {\"paths\": [\"/srv/x\"]}" + fields + "}");
    }

    @Test
    void sizesOutsideTheBoundsNameTheirField() {
        assertEquals("row_group_size", assertThrows(InvalidRequestException.class,
                () -> LIMITS.check(request(", \"row_group_size\": 1"))).field());
        assertEquals("row_group_size", assertThrows(InvalidRequestException.class,
                () -> LIMITS.check(request(", \"row_group_size\": 1099511627776"))).field());
        assertEquals("target_file_size_bytes", assertThrows(InvalidRequestException.class,
                () -> LIMITS.check(request(", \"format\": \"Jsonl\", \"target_file_size_bytes\": 1"))).field());
        assertDoesNotThrow(() -> LIMITS.check(request(", \"format\": \"Jsonl\", \"row_group_size\": 40000000")));
        assertDoesNotThrow(() -> LIMITS.check(request(", \"row_group_size\": 65536, \"target_file_size_bytes\": 1048576")));
    }

    @Test
    void theFileCapNamesTheFieldToRaise() {
        assertEquals("max_row_groups_per_file", LIMITS.tooManyFiles(request(", \"max_row_groups_per_file\": 1")).field());
        assertEquals("target_file_size_bytes", LIMITS.tooManyFiles(request(", \"target_file_size_bytes\": 2000000")).field());
    }

    @Test
    void theLargestRowGroupFitsTheMemoryOfATask() {
        assertEquals(256L << 20, LIMITS.fittingMemory(512L << 20).maxRowGroupSize());
        assertEquals(LIMITS.maxRowGroupSize(), LIMITS.fittingMemory(64L << 30).maxRowGroupSize());
        assertEquals(ExportRequest.DEFAULT_ROW_GROUP_SIZE, LIMITS.fittingMemory(1 << 20).maxRowGroupSize());
    }
}
