DROP TRIGGER job_queue_notify_freed_slot_updated ON job_queue;
DROP TRIGGER job_queue_notify_freed_slot_deleted ON job_queue;
DROP FUNCTION job_queue_notify_freed_slot_updated();
DROP FUNCTION job_queue_notify_freed_slot_deleted();
