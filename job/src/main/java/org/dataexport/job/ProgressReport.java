package org.dataexport.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dataexport.job.progress.ExportProgress;
import org.dataexport.job.progress.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;

/**
 * Progress of a spark-submit run, every second: on one redrawn line of stderr (bin/export
 * {@code --progress}) and/or as a small JSON record in a file ({@code --progress-file}, which the
 * launcher's cluster mode reads). Both come from the tasks' own counters ({@link ExportProgress}).
 */
public final class ProgressReport implements AutoCloseable {
    private final String exportId;
    private final ExportProgress progress;
    private final Optional<PrintStream> terminal;
    private final Optional<String> file;
    private final long started = System.nanoTime();
    private final Thread printer;

    public ProgressReport(String exportId, ExportProgress progress, Optional<PrintStream> terminal, Optional<String> file) {
        this.exportId = exportId;
        this.progress = progress;
        this.terminal = terminal;
        this.file = file;
        printer = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    report("\r");
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "export-progress");
        printer.setDaemon(true);
        printer.start();
    }

    /** The record the launcher reads: the figures of {@link Progress} under the API's names. */
    public static ObjectNode json(Progress progress) {
        ObjectNode node = ResponseJson.MAPPER.createObjectNode();
        node.put("tasks_total", progress.tasksTotal());
        node.put("tasks_done", progress.tasksDone());
        node.put("rows_written", progress.rowsWritten());
        node.put("bytes_written", progress.bytesWritten());
        node.put("files_written", progress.filesWritten());
        return node;
    }

    public static Progress fromJson(com.fasterxml.jackson.databind.JsonNode node) {
        return new Progress(node.path("tasks_total").asLong(), node.path("tasks_done").asLong(), node.path("rows_written").asLong(),
                node.path("bytes_written").asLong(), node.path("files_written").asLong());
    }

    private synchronized void report(String prefix) {
        Progress now = progress.snapshot();
        terminal.ifPresent(out -> {
            out.print(String.format(Locale.ROOT, "%s[export %s] %.1f s, tasks %d/%d, rows written %,d, files %d   ", prefix,
                    exportId, (System.nanoTime() - started) / 1e9, now.tasksDone(), now.tasksTotal(), now.rowsWritten(), now.filesWritten()));
            out.flush();
        });
        file.ifPresent(name -> writeQuietly(name, json(now).toString()));
    }

    private static void writeQuietly(String name, String content) {
        try {
            Main.write(name, content);
        } catch (IOException e) {
            // Progress is best effort; the result record is what counts.
        }
    }

    @Override
    public void close() {
        printer.interrupt();
        report("\r");
        terminal.ifPresent(PrintStream::println);
    }
}
