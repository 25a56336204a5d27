-- Insights follow the writes without making writers wait for each other (ADR 0046).
--
-- ADR 0042's triggers inserted the debounced `insights.contact` job itself, in the writing
-- transaction, under a unique key per contact. Two transactions writing about the same
-- contact then serialised on that key (the second's INSERT .. ON CONFLICT waits for the
-- first to commit), and two writing about the same contacts in another order deadlocked
-- (a one-second `deadlock_timeout`, then a retry): the Gmail sync, whose chunks share the
-- practitioner's correspondents, fell from about 3,000 to 55 messages/s.
--
-- Now the triggers only append `(user, contact)` to `insights_pending`, a table with no
-- unique key (an append never waits), and one dispatcher (`insights_dispatch`, run by the
-- worker every few seconds, alone under an advisory lock) turns what has committed into
-- the same jobs, in the same two slots, with the same delay. The guarantees hold: a
-- rolled-back write appends nothing; a committed write is read by a run that starts after
-- its append was dispatched (a queued job found by the dispatcher has not read the rows
-- yet, since the write committed before the dispatcher's snapshot, and a running one makes
-- the dispatcher fill the second slot).

CREATE TABLE insights_pending (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    contact_id uuid NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
-- The dispatcher takes the oldest marks of every tenant.
CREATE INDEX insights_pending_id_idx ON insights_pending (id);

ALTER TABLE insights_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE insights_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON insights_pending
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON insights_pending TO omnicrm_app_group;
-- The dispatcher (a definer function) takes every tenant's entries.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_dispatch ON insights_pending TO %I USING (true)',
                   current_user);
END
$$;

-- The triggers' entry point keeps its name and signature: every trigger of ADR 0042 calls
-- it. One append per statement and contact.
CREATE OR REPLACE FUNCTION insights_queue_refresh(p_user uuid, p_contacts uuid[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF p_user IS NULL OR coalesce(cardinality(p_contacts), 0) = 0
           OR EXISTS (SELECT 1 FROM retired_tenants AS r WHERE r.tenant_id = p_user) THEN
            RETURN;
        END IF;
        -- Only contacts that still exist: a deleted one took its insights with it, and a
        -- deleted tenant (its rows cascading) has none left to mark.
        INSERT INTO insights_pending (user_id, contact_id)
            SELECT c.user_id, c.id FROM contacts AS c
            WHERE c.user_id = p_user AND c.id = ANY (p_contacts);
    END
    $$;

-- Takes up to `p_limit` entries (oldest first) and queues the jobs they call for; returns
-- how many entries it took (fewer than `p_limit`: nothing is left). Another caller
-- holding the lock makes it return 0 at once: that one is doing the work.
CREATE FUNCTION insights_dispatch(p_limit integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        -- The debounce: writes within this time of the first are read by the same run.
        delay CONSTANT interval := interval '3 minutes';
        taken integer;
        users uuid[];
        ids uuid[];
        placed uuid[];
    BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtext('insights_dispatch')) THEN
            RETURN 0;
        END IF;
        WITH gone AS (
            DELETE FROM insights_pending AS p
            WHERE p.id IN (SELECT q.id FROM insights_pending AS q ORDER BY q.id LIMIT p_limit)
            RETURNING p.user_id, p.contact_id)
        SELECT (SELECT count(*)::integer FROM gone), array_agg(d.user_id), array_agg(d.contact_id)
        INTO taken, users, ids
        FROM (SELECT DISTINCT g.user_id, g.contact_id FROM gone AS g) AS d;
        IF coalesce(cardinality(users), 0) = 0 OR to_regclass('job_queue') IS NULL THEN
            RETURN coalesce(taken, 0);
        END IF;

        -- Contacts that still exist, of tenants not being erased, with no queued job in
        -- either slot (a queued job has not read the rows yet: it will read these writes).
        SELECT array_agg(c.user_id), array_agg(c.id) INTO users, ids
        FROM unnest(users, ids) AS t (u, c)
        JOIN contacts AS c ON c.user_id = t.u AND c.id = t.c
        WHERE NOT EXISTS (SELECT 1 FROM retired_tenants AS r WHERE r.tenant_id = t.u)
          AND NOT EXISTS (SELECT 1 FROM job_queue AS q
                          WHERE q.unique_key = 'insights.auto:' || t.c AND q.state = 'queued')
          AND NOT EXISTS (SELECT 1 FROM job_queue AS q
                          WHERE q.unique_key = 'insights.auto:' || t.c || ':next'
                            AND q.state = 'queued');

        -- The first slot, else (its job running) the second.
        FOR attempt IN 1 .. 2 LOOP
            EXIT WHEN coalesce(cardinality(ids), 0) = 0;
            WITH queued AS (
                INSERT INTO job_queue (id, kind, queue, user_id, payload, priority, run_at,
                                       max_attempts, unique_key, concurrency_key,
                                       concurrency_limit, timeout_ms)
                SELECT gen_random_uuid(), 'insights.contact', 'insights', t.u,
                       jsonb_build_object('contactId', t.c, 'automatic', true), -1,
                       now() + delay, 5,
                       CASE attempt WHEN 1 THEN 'insights.auto:' || t.c
                                    ELSE 'insights.auto:' || t.c || ':next' END,
                       'insights.contact:' || t.c, 1, 600000
                FROM unnest(users, ids) AS t (u, c)
                ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
                RETURNING (payload ->> 'contactId')::uuid AS contact)
            SELECT ARRAY(SELECT contact FROM queued) INTO placed;
            SELECT array_agg(t.u), array_agg(t.c) INTO users, ids
            FROM unnest(users, ids) AS t (u, c) WHERE t.c <> ALL (placed);
        END LOOP;
        RETURN taken;
    END
    $$;
REVOKE ALL ON FUNCTION insights_dispatch(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION insights_dispatch(integer) TO omnicrm_app_group;
