package org.dataexport.launcher.jobs;

import org.dataexport.job.progress.Progress;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Reads a job record from a row of {@code export_jobs}. */
final class JobRows {
    private JobRows() {
    }

    static JobRecord read(ResultSet row) throws SQLException {
        String stateName = row.getString("state");
        JobState state = JobState.fromApiName(stateName).orElseThrow(() -> new IllegalStateException("unknown job state in the store: " + stateName));
        return new JobRecord(
                row.getString("export_id"),
                row.getString("owner"),
                row.getString("launcher_id"),
                state,
                Instant.ofEpochMilli(row.getLong("submitted_at")),
                instant(row, "started_at"),
                instant(row, "finished_at"),
                new JobRecord.Target(row.getString("output_prefix"), Optional.ofNullable(row.getString("bucket")),
                        row.getString("format"), row.getString("mode"), row.getLong("row_group_size"),
                        row.getLong("max_row_groups_per_file"), row.getLong("target_file_size_bytes")),
                new Progress(row.getLong("tasks_total"), row.getLong("tasks_done"), row.getLong("rows_written"),
                        row.getLong("bytes_written"), row.getLong("files_written")),
                Optional.ofNullable(row.getString("outcome")),
                Optional.ofNullable(row.getString("message")));
    }

    private static Optional<Instant> instant(ResultSet row, String column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }
}
