package org.dataexport.launcher.jobs;

import org.dataexport.job.failure.ErrorType;
import org.dataexport.job.failure.ExportFailure;
import org.dataexport.job.progress.Progress;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Export job records in a database through JDBC: a SQLite file by default, any JDBC URL (PostgreSQL)
 * for a store several launchers share. The schema is created and upgraded at open (Flyway, scripts in
 * {@code db/migration}). One connection, used by one thread at a time; a broken connection is
 * reopened by the next call. Every failure of the store is a 503 {@code JobStoreUnavailable}.
 */
public final class JobStore implements AutoCloseable {
    private static final String COLUMNS = "export_id, owner, launcher_id, state, submitted_at, started_at, finished_at, "
            + "output_prefix, bucket, format, mode, row_group_size, max_row_groups_per_file, target_file_size_bytes, tasks_total, tasks_done, rows_written, bytes_written, files_written, outcome, message";

    private final String url;
    private final Properties credentials;
    private Connection connection;

    private JobStore(String url, Properties credentials) {
        this.url = url;
        this.credentials = credentials;
    }

    /** Opens the store and brings its schema up to date; {@code user}/{@code password} may be empty (SQLite). */
    public static JobStore open(String url, Optional<String> user, Optional<String> password) {
        Flyway.configure().dataSource(url, user.orElse(null), password.orElse(null))
                .locations("classpath:db/migration").load().migrate();
        Properties credentials = new Properties();
        user.ifPresent(value -> credentials.setProperty("user", value));
        password.ifPresent(value -> credentials.setProperty("password", value));
        JobStore store = new JobStore(url, credentials);
        store.call(connection -> null);
        return store;
    }

    /** The job with this id and owner, if there is one, as a key that both must match. */
    public Optional<JobRecord> get(String exportId, String owner) {
        return call(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM export_jobs WHERE export_id = ? AND owner = ?")) {
                select.setString(1, exportId);
                select.setString(2, owner);
                List<JobRecord> found = records(select);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    /** The owner's jobs, newest first, optionally in one state. */
    public List<JobRecord> list(String owner, Optional<JobState> state, int limit) {
        return call(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM export_jobs WHERE owner = ?"
                    + (state.isPresent() ? " AND state = ?" : "") + " ORDER BY submitted_at DESC, export_id DESC LIMIT ?")) {
                select.setString(1, owner);
                int next = 2;
                if (state.isPresent()) {
                    select.setString(next++, state.get().apiName());
                }
                select.setInt(next, limit);
                return records(select);
            }
        });
    }

    /**
     * The job holding an idempotency key (a digest) of this owner; a key taken before {@code cutoff}
     * is forgotten first, so that it can start a new job.
     */
    public Optional<Keyed> keyHolder(String owner, String idempotencyKey, Instant cutoff) {
        return call(connection -> {
            try (PreparedStatement forget = connection.prepareStatement("UPDATE export_jobs SET idempotency_key = NULL "
                    + "WHERE owner = ? AND idempotency_key = ? AND submitted_at < ?")) {
                forget.setString(1, owner);
                forget.setString(2, idempotencyKey);
                forget.setLong(3, cutoff.toEpochMilli());
                forget.executeUpdate();
            }
            return byKey(connection, owner, idempotencyKey);
        });
    }

    /**
     * Inserts a new job. When its idempotency key is taken meanwhile (by another launcher), nothing is
     * inserted and the job holding the key is returned with its request digest.
     */
    public Optional<Keyed> insert(JobRecord job, Optional<String> idempotencyKey, Optional<String> requestDigest) {
        return call(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO export_jobs (export_id, owner, launcher_id, state, "
                    + "submitted_at, output_prefix, bucket, format, mode, idempotency_key, request_digest, row_group_size, "
                    + "max_row_groups_per_file, target_file_size_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, job.exportId());
                insert.setString(2, job.owner());
                insert.setString(3, job.launcherId());
                insert.setString(4, job.state().apiName());
                insert.setLong(5, job.submittedAt().toEpochMilli());
                insert.setString(6, job.target().outputPrefix());
                setOptional(insert, 7, job.target().bucket());
                insert.setString(8, job.target().format());
                insert.setString(9, job.target().mode());
                setOptional(insert, 10, idempotencyKey);
                setOptional(insert, 11, requestDigest);
                insert.setLong(12, job.target().rowGroupSizeBytes());
                insert.setLong(13, job.target().maxRowGroupsPerFile());
                insert.setLong(14, job.target().targetFileSizeBytes());
                insert.executeUpdate();
                return Optional.<Keyed>empty();
            } catch (SQLException e) {
                // Another launcher took the same key between the look-up and the insert.
                Optional<Keyed> holder = idempotencyKey.isPresent() ? byKey(connection, job.owner(), idempotencyKey.get()) : Optional.empty();
                if (holder.isPresent()) {
                    return holder;
                }
                throw e;
            }
        });
    }

    /** A job that holds an idempotency key, and the digest of the request that took it. */
    public record Keyed(JobRecord job, Optional<String> requestDigest) {
    }

    /** queued -> running; false when the job is no longer queued (cancelled meanwhile). */
    public boolean start(String exportId, Instant startedAt) {
        return update("UPDATE export_jobs SET state = 'running', started_at = ? WHERE export_id = ? AND state = 'queued'",
                startedAt.toEpochMilli(), exportId) == 1;
    }

    /** Records progress; true when a cancellation was asked for (by any launcher sharing the store). */
    public boolean progress(String exportId, Progress progress) {
        update("UPDATE export_jobs SET tasks_total = ?, tasks_done = ?, rows_written = ?, bytes_written = ?, files_written = ? "
                        + "WHERE export_id = ? AND state = 'running'", progress.tasksTotal(), progress.tasksDone(),
                progress.rowsWritten(), progress.bytesWritten(), progress.filesWritten(), exportId);
        return call(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT cancel_requested FROM export_jobs WHERE export_id = ?")) {
                select.setString(1, exportId);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() && rows.getInt(1) != 0;
                }
            }
        });
    }

    /** Ends a queued or running job; false when it had already ended. */
    public boolean finish(String exportId, JobState state, Instant finishedAt, Progress progress, Optional<String> outcome,
                          Optional<String> message) {
        return update("UPDATE export_jobs SET state = ?, finished_at = ?, tasks_total = ?, tasks_done = ?, rows_written = ?, "
                        + "bytes_written = ?, files_written = ?, outcome = ?, message = ? WHERE export_id = ? AND state IN ('queued', 'running')",
                state.apiName(), finishedAt.toEpochMilli(), progress.tasksTotal(), progress.tasksDone(), progress.rowsWritten(),
                progress.bytesWritten(), progress.filesWritten(), outcome.orElse(null), message.orElse(null), exportId) == 1;
    }

    /** Asks whichever launcher runs the job to cancel it; false when it has already ended. */
    public boolean requestCancel(String exportId, String message) {
        return update("UPDATE export_jobs SET cancel_requested = 1, message = ? WHERE export_id = ? AND state IN ('queued', 'running')",
                message, exportId) == 1;
    }

    /** Marks every queued or running job of a launcher interrupted: its process is gone. Returns how many. */
    public int interruptAll(String launcherId, Instant at, String message) {
        return update("UPDATE export_jobs SET state = 'interrupted', finished_at = ?, message = ? "
                + "WHERE launcher_id = ? AND state IN ('queued', 'running')", at.toEpochMilli(), message, launcherId);
    }

    /** Deletes the jobs that ended before the cutoff. Returns how many. */
    public int deleteEndedBefore(Instant cutoff) {
        return update("DELETE FROM export_jobs WHERE finished_at IS NOT NULL AND finished_at < ?", cutoff.toEpochMilli());
    }

    /** Whether the store answers a query now (for readiness). */
    public boolean answers() {
        try {
            return call(connection -> connection.isValid(2));
        } catch (ExportFailure e) {
            return false;
        }
    }

    private Optional<Keyed> byKey(Connection connection, String owner, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + ", request_digest FROM export_jobs "
                + "WHERE owner = ? AND idempotency_key = ?")) {
            select.setString(1, owner);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new Keyed(JobRows.read(rows), Optional.ofNullable(rows.getString("request_digest"))))
                        : Optional.empty();
            }
        }
    }

    private static List<JobRecord> records(PreparedStatement select) throws SQLException {
        List<JobRecord> found = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                found.add(JobRows.read(rows));
            }
        }
        return found;
    }

    private int update(String sql, Object... values) {
        return call(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < values.length; i++) {
                    if (values[i] == null) {
                        statement.setNull(i + 1, Types.VARCHAR);
                    } else {
                        statement.setObject(i + 1, values[i]);
                    }
                }
                return statement.executeUpdate();
            }
        });
    }

    private static void setOptional(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
        if (value.isPresent()) {
            statement.setString(index, value.get());
        } else {
            statement.setNull(index, Types.VARCHAR);
        }
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private synchronized <T> T call(Work<T> work) {
        try {
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(url, credentials);
                if (url.startsWith("jdbc:sqlite:")) {
                    try (var statement = connection.createStatement()) {
                        statement.execute("PRAGMA busy_timeout = 10000");
                        statement.execute("PRAGMA journal_mode = WAL");
                    }
                }
            }
            return work.run(connection);
        } catch (SQLException e) {
            closeQuietly();
            // The driver's message may quote the URL; the SQL state is enough for the caller.
            throw new ExportFailure(ErrorType.JOB_STORE_UNAVAILABLE, "the job store did not answer (SQL state "
                    + e.getSQLState() + "); retry later", e);
        }
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        connection = null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
