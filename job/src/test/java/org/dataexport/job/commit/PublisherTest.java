package org.dataexport.job.commit;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The order of the commit's moves: a move never overwrites a file that has yet to move away. */
class PublisherTest {
    private static Path p(String name) {
        return new Path("s3a://b/d/" + name);
    }

    private static Publisher.Move move(String from, String to) {
        return new Publisher.Move(p(from), p(to));
    }

    @Test
    void independentMovesGoInOneWave() {
        List<Publisher.Move> moves = List.of(move("_temporary/e/a", "part-00000"), move("_temporary/e/b", "part-00001"));
        assertEquals(List.of(moves), Publisher.waves(moves));
    }

    @Test
    void aChainMovesFromItsFreeEndBack() {
        // Uploads at part-1 and part-2 shift up by one (task 0 wrote two files), the staged file takes part-1.
        Publisher.Move staged = move("_temporary/e/0-1", "part-1");
        Publisher.Move one = move("part-1", "part-2");
        Publisher.Move two = move("part-2", "part-3");
        assertEquals(List.of(List.of(two), List.of(one), List.of(staged)), Publisher.waves(List.of(staged, one, two)));
        // Shifting down (a task wrote nothing): every target is free once its holder has gone.
        Publisher.Move down1 = move("part-2", "part-1");
        Publisher.Move down2 = move("part-3", "part-2");
        assertEquals(List.of(List.of(down1), List.of(down2)), Publisher.waves(List.of(down2, down1)));
    }

    @Test
    void aCycleIsRefused() {
        assertThrows(IllegalStateException.class, () -> Publisher.waves(List.of(move("a", "b"), move("b", "a"))));
    }
}
