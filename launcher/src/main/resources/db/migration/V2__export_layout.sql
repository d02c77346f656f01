-- The layout an export was asked for, shown with its job (the page draws files and row groups against it).
-- 0 means "not set", as in the request; rows written before this migration read 0.
ALTER TABLE export_jobs ADD COLUMN row_group_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE export_jobs ADD COLUMN max_row_groups_per_file BIGINT NOT NULL DEFAULT 0;
ALTER TABLE export_jobs ADD COLUMN target_file_size_bytes BIGINT NOT NULL DEFAULT 0;
