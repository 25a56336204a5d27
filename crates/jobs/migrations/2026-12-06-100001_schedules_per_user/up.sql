-- Per-user schedules (a Google sync every 15 minutes for each connected service): the
-- jobs a schedule fires carry its user (so erasure and listings find them) and its
-- concurrency key (so a scheduled run and a "sync now" never run side by side), and a
-- user's schedules can be found, and stopped, by user.
ALTER TABLE job_schedules
    ADD COLUMN user_id uuid,
    ADD COLUMN concurrency_key text;

CREATE INDEX job_schedules_user_idx ON job_schedules (user_id) WHERE user_id IS NOT NULL;
