-- Back to ADR 0042's triggers queueing the job themselves.
DROP FUNCTION insights_dispatch(integer);

CREATE OR REPLACE FUNCTION insights_queue_refresh(p_user uuid, p_contacts uuid[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
    DECLARE
        -- The debounce: writes within this time of the first are read by the same run.
        delay CONSTANT interval := interval '3 minutes';
        todo uuid[];
        done uuid[];
    BEGIN
        -- The job engine migrates its own tables: a database without them (the business
        -- schema alone) has no queue to fill.
        IF p_user IS NULL OR coalesce(cardinality(p_contacts), 0) = 0
           OR to_regclass('job_queue') IS NULL
           OR EXISTS (SELECT 1 FROM retired_tenants AS r WHERE r.tenant_id = p_user) THEN
            RETURN;
        END IF;
        -- Only contacts that still exist (a deleted one took its insights with it).
        todo := ARRAY(SELECT c.id FROM contacts AS c
                      WHERE c.user_id = p_user AND c.id = ANY (p_contacts));
        FOR attempt IN 1 .. 2 LOOP
            EXIT WHEN cardinality(todo) = 0;
            -- A queued job (either slot) will read this write: hold it until commit.
            done := ARRAY(
                SELECT (q.payload ->> 'contactId')::uuid FROM job_queue AS q
                WHERE q.unique_key = ANY (ARRAY(
                        SELECT 'insights.auto:' || t FROM unnest(todo) AS t
                        UNION ALL
                        SELECT 'insights.auto:' || t || ':next' FROM unnest(todo) AS t))
                  AND q.state = 'queued'
                FOR SHARE OF q SKIP LOCKED);
            todo := ARRAY(SELECT t FROM unnest(todo) AS t WHERE t <> ALL (done));
            EXIT WHEN cardinality(todo) = 0;
            -- The first slot, else (its job running, or being claimed) the second.
            WITH queued AS (
                INSERT INTO job_queue (id, kind, queue, user_id, payload, priority, run_at,
                                       max_attempts, unique_key, concurrency_key,
                                       concurrency_limit, timeout_ms)
                SELECT gen_random_uuid(), 'insights.contact', 'insights', p_user,
                       jsonb_build_object('contactId', t, 'automatic', true), -1,
                       now() + delay, 5,
                       CASE attempt WHEN 1 THEN 'insights.auto:' || t
                                    ELSE 'insights.auto:' || t || ':next' END,
                       'insights.contact:' || t, 1, 600000
                FROM unnest(todo) AS t
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
                RETURNING (payload ->> 'contactId')::uuid AS contact)
            SELECT ARRAY(SELECT contact FROM queued) INTO done;
            todo := ARRAY(SELECT t FROM unnest(todo) AS t WHERE t <> ALL (done));
        END LOOP;
    END
    $$;

DROP TABLE insights_pending;
