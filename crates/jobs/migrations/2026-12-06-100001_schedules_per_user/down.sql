DROP INDEX job_schedules_user_idx;

ALTER TABLE job_schedules
    DROP COLUMN concurrency_key,
    DROP COLUMN user_id;
