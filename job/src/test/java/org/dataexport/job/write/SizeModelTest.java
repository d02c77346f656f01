package org.dataexport.job.write;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the size model learns from written column chunks, and what it then expects. */
class SizeModelTest {
    @Test
    void dictionaryAndPlainPagesAreJudgedApart() {
        SizeModel model = new SizeModel(1);
        // A small first group: the dictionary did not pay on its only page, which went plain (nearly its raw size).
        model.learn(0, 12_000, 11_000, 8_000, 8_000, 0, true);
        assertTrue(model.plainNext(0), "plain from the start in the next group");
        // A larger group: the dictionary paid, indices a tenth of the raw values.
        model.learn(0, 40_000, 4_000, 9_000, 9_000, 8_500, false);
        assertFalse(model.plainNext(0), "the last group decides");

        // Open bytes of each kind are expected to become what that kind became, not a blend of both.
        assertEquals(110_000, model.estimate(0, 0, 120_000, 0, true), 1);
        assertEquals(10_000, model.estimate(0, 0, 100_000, 0, false), 1);
        assertEquals(500 + 9_000 * 8_500.0 / 9_000, model.estimate(0, 500, 0, 9_000, false), 1);
    }

    @Test
    void aKindNotSeenYetTakesTheOtherKindsRatio() {
        SizeModel model = new SizeModel(2);
        assertEquals(5_000, model.estimate(0, 0, 5_000, 0, false), 1, "nothing learned: written as buffered");
        model.learn(0, 10_000, 2_000, 4_000, 4_000, 3_000, false);
        assertEquals(1_000, model.estimate(0, 0, 5_000, 0, true), 1);
        // A dictionary seen and not written is expected to be dropped again.
        model.learn(1, 10_000, 9_000, 6_000, 6_000, 0, true);
        assertEquals(9_000, model.estimate(1, 0, 10_000, 6_000, false), 1);
    }
}
