-- Export jobs: what GET /v2/data/export/{export_id} shows, never a credential, token or request body.
-- Portable SQL: the same script runs on SQLite (the default store) and PostgreSQL (a shared store).
CREATE TABLE export_jobs (
    export_id        VARCHAR(36)   NOT NULL PRIMARY KEY,
    owner            VARCHAR(64)   NOT NULL,
    launcher_id      VARCHAR(255)  NOT NULL,
    state            VARCHAR(16)   NOT NULL,
    submitted_at     BIGINT        NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    output_prefix    VARCHAR(2048) NOT NULL,
    bucket           VARCHAR(255),
    format           VARCHAR(16)   NOT NULL,
    mode             VARCHAR(16)   NOT NULL,
    tasks_total      BIGINT        NOT NULL DEFAULT 0,
    tasks_done       BIGINT        NOT NULL DEFAULT 0,
    rows_written     BIGINT        NOT NULL DEFAULT 0,
    bytes_written    BIGINT        NOT NULL DEFAULT 0,
    files_written    BIGINT        NOT NULL DEFAULT 0,
    outcome          TEXT,
    message          VARCHAR(1024),
    cancel_requested INTEGER       NOT NULL DEFAULT 0,
    idempotency_key  VARCHAR(64),
    request_digest   VARCHAR(64)
);

CREATE INDEX export_jobs_by_owner ON export_jobs (owner, submitted_at);
CREATE INDEX export_jobs_by_state ON export_jobs (launcher_id, state);
CREATE INDEX export_jobs_by_finish ON export_jobs (finished_at);
-- NULL keys (no Idempotency-Key) never collide, on SQLite as on PostgreSQL.
CREATE UNIQUE INDEX export_jobs_by_idempotency_key ON export_jobs (owner, idempotency_key);
