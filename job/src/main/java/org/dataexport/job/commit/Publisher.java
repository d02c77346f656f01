package org.dataexport.job.commit;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.dataexport.job.write.Publication;
import org.dataexport.job.write.WrittenFile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Puts an export's files under their final names, several at once: first every pending S3 upload is
 * completed where it was written (usually its final name already, so nothing is copied), then every
 * file not yet at its final name is moved there: a staged file, or an upload written under another
 * final name (a task that wrote no file, or more than one, shifts the numbers after it). A move waits
 * for the file that still occupies its target to move away first ({@link #waves}); when that would
 * make more than two waves (a shift by one along many files chains them all), the uploads in the way
 * move aside into the staging directory first, all at once, and then everything moves at once.
 */
final class Publisher {
    private static final int THREADS = 8;

    /** A file to move from where it is to its final name. */
    record Move(Path from, Path to) {
    }

    /** What the publisher does to the file system, besides renames: noted before it is done, for an abort to undo. */
    interface Effects {
        /** {@code path} is about to hold a file of this export (a completed upload, a move's target). */
        void publishing(Path path) throws IOException;
    }

    private final FileSystem fs;
    private final Path staging;
    private final Effects effects;

    /** @param staging where files in the way of a long chain of moves wait (removed by an abort) */
    Publisher(FileSystem fs, Path staging, Effects effects) {
        this.fs = fs;
        this.staging = staging;
        this.effects = effects;
    }

    /** Publishes {@code files} under {@code targets} (same order); returns the upload ids it completed. */
    Set<String> publish(List<WrittenFile> files, List<Path> targets) throws IOException {
        List<Callable<Void>> completions = new ArrayList<>();
        List<Move> moves = new ArrayList<>();
        Set<String> completed = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            WrittenFile file = files.get(i);
            Path target = targets.get(i);
            if (file.publication() instanceof Publication.PendingUpload upload) {
                Path at = fs.makeQualified(new Path(file.path()));
                completed.add(upload.uploadId());
                completions.add(() -> {
                    effects.publishing(at);
                    PendingUploads.complete(fs, upload, file.fileBytes());
                    return null;
                });
                if (!at.equals(fs.makeQualified(target))) {
                    moves.add(new Move(at, target));
                }
            } else {
                moves.add(new Move(new Path(file.path()), target));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(THREADS, files.size())));
        try {
            runAll(pool, completions);
            List<List<Move>> waves = waves(moves);
            if (waves.size() > 2) {
                // Staged files are out of everyone's way already; uploads at final names step aside.
                String staged = fs.makeQualified(staging) + "/";
                List<Move> aside = new ArrayList<>();
                List<Move> after = new ArrayList<>();
                for (Move move : moves) {
                    if (move.from().toString().startsWith(staged)) {
                        after.add(move);
                        continue;
                    }
                    Path waiting = new Path(staging, "aside-" + aside.size());
                    aside.add(new Move(move.from(), waiting));
                    after.add(new Move(waiting, move.to()));
                }
                runAll(pool, renames(aside, false));
                waves = List.of(after);
            }
            for (List<Move> wave : waves) {
                runAll(pool, renames(wave, true));
            }
        } finally {
            // A failure stops the rest; those in flight finish before an abort looks at what was published.
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return completed;
    }

    private List<Callable<Void>> renames(List<Move> moves, boolean publishing) {
        List<Callable<Void>> renames = new ArrayList<>();
        for (Move move : moves) {
            renames.add(() -> {
                if (publishing) {
                    // Noted first: a rename interrupted after its copy still leaves the target behind.
                    effects.publishing(move.to());
                }
                if (!fs.rename(move.from(), move.to())) {
                    throw new IOException("could not move " + move.from() + " to " + move.to());
                }
                return null;
            });
        }
        return renames;
    }

    /**
     * The moves in waves: a move whose target is another move's source waits for a later wave than that
     * one. Final names are distinct and a file's number only shifts one way along a chain, so there are
     * no cycles; one is refused all the same.
     */
    static List<List<Move>> waves(List<Move> moves) {
        List<List<Move>> waves = new ArrayList<>();
        List<Move> left = new ArrayList<>(moves);
        while (!left.isEmpty()) {
            Set<Path> occupied = new HashSet<>();
            left.forEach(move -> occupied.add(move.from()));
            List<Move> wave = left.stream().filter(move -> !occupied.contains(move.to())).toList();
            if (wave.isEmpty()) {
                throw new IllegalStateException("the moves form a cycle: " + left);
            }
            waves.add(wave);
            left.removeAll(wave);
        }
        return waves;
    }

    private static void runAll(ExecutorService pool, List<Callable<Void>> work) throws IOException {
        List<Future<Void>> running = new ArrayList<>();
        for (Callable<Void> each : work) {
            running.add(pool.submit(each));
        }
        try {
            for (Future<Void> each : running) {
                each.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while publishing the files", e);
        }
    }
}
