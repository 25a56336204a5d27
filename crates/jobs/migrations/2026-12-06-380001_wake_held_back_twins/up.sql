-- A job held back by its concurrency key can start once a twin with the same key stops
-- running (finished, failed, snoozed or released). Claim loops otherwise only learn that at
-- their next poll, so a run that queues one follow-up per page waited a poll interval for
-- each. Wake them through the same channel as an insert, but only when a queued twin is
-- actually waiting for the freed slot.
CREATE FUNCTION job_queue_notify_freed_slot_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM gone g
        WHERE g.running_concurrency IS NOT NULL
          AND EXISTS (SELECT 1 FROM job_queue q
                      WHERE q.concurrency_key = g.running_concurrency AND q.state = 'queued')
    ) THEN
        PERFORM pg_notify('omnicrm_jobs', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION job_queue_notify_freed_slot_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM gone g JOIN kept k ON k.id = g.id
        WHERE g.running_concurrency IS NOT NULL AND k.running_concurrency IS NULL
          AND EXISTS (SELECT 1 FROM job_queue q
                      WHERE q.concurrency_key = g.running_concurrency AND q.state = 'queued')
    ) THEN
        PERFORM pg_notify('omnicrm_jobs', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_queue_notify_freed_slot_deleted AFTER DELETE ON job_queue
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION job_queue_notify_freed_slot_deleted();

CREATE TRIGGER job_queue_notify_freed_slot_updated AFTER UPDATE ON job_queue
    REFERENCING OLD TABLE AS gone NEW TABLE AS kept
    FOR EACH STATEMENT EXECUTE FUNCTION job_queue_notify_freed_slot_updated();
