DROP TRIGGER job_queue_notify ON job_queue;
DROP FUNCTION job_queue_notify();
DROP TABLE job_schedules;
DROP TABLE job_queue_pauses;
DROP FUNCTION job_history_drop_partitions_before(date);
DROP FUNCTION job_history_ensure_partitions(date, integer);
DROP TABLE job_history;
DROP TABLE job_queue;
