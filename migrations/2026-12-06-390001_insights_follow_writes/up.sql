-- Insights follow the writes (ADR 0042): a write that changes what a contact's heuristics
-- read (the contact, its identities, notes, interactions, linked tasks, consents) queues,
-- in the writing transaction, one delayed `insights.contact` job for that contact. A rolled
-- back write queues nothing; many writes queue one job.
--
-- Two unique slots per contact: `insights.auto:<id>` and `insights.auto:<id>:next`. A
-- write first looks for a queued job in either slot and holds it `FOR SHARE` until it
-- commits (claims take `FOR UPDATE SKIP LOCKED`, so that job cannot start before the write
-- is visible to it). Without one it fills the first free slot: the second exists only
-- for a write made while the first slot's job is already running (it may have read the
-- rows before the write). Both carry the contact's concurrency key, so they never run
-- together (nor with a requested `insights.contact` of the same contact).
--
-- Statement-level triggers with transition tables: a bulk write (an import page, a sync
-- chunk) costs a few statements, not a few per row.

CREATE FUNCTION insights_queue_refresh(p_user uuid, p_contacts uuid[]) RETURNS void
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

-- Groups (user, contact) pairs by tenant: an owner's bulk statement may span several.
CREATE FUNCTION insights_queue_refresh_pairs(p_users uuid[], p_contacts uuid[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
    DECLARE
        r record;
    BEGIN
        FOR r IN SELECT t.u, array_agg(DISTINCT t.c) AS ids
                 FROM unnest(p_users, p_contacts) AS t (u, c)
                 WHERE t.u IS NOT NULL AND t.c IS NOT NULL GROUP BY t.u LOOP
            PERFORM insights_queue_refresh(r.u, r.ids);
        END LOOP;
    END
    $$;

-- The later contacts of `p_user` whose unread suspected duplicate names one of
-- `p_earlier`: when those change or go, the suspicion may have gone with them.
CREATE FUNCTION insights_duplicates_naming(p_user uuid, p_earlier uuid[]) RETURNS uuid[]
    LANGUAGE sql STABLE
    AS $$
        SELECT ARRAY(
            SELECT i.subject_id FROM ai_insights AS i
            WHERE i.user_id = p_user AND i.kind = 'duplicate_contact_suspected'
              AND i.status = 'new' AND i.subject_type = 'contact'
              AND EXISTS (SELECT 1 FROM unnest(p_earlier) AS e (id)
                          WHERE i.content -> 'props' -> 'duplicates'
                                @> jsonb_build_array(jsonb_build_object('contactId', e.id::text))))
    $$;

-- Inserted or deleted rows (the transition table `changed`) name their contact.
CREATE FUNCTION insights_touch_inserted_or_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        users uuid[];
        ids uuid[];
    BEGIN
        SELECT array_agg(user_id), array_agg(contact_id) INTO users, ids FROM changed;
        PERFORM insights_queue_refresh_pairs(users, ids);
        RETURN NULL;
    END
    $$;

-- Updated rows (`old_rows`, `new_rows`) whose contact or a column the insights read
-- changed: the contact before and after.
CREATE FUNCTION insights_touch_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        users uuid[];
        ids uuid[];
    BEGIN
        CASE TG_TABLE_NAME
        WHEN 'notes' THEN
            SELECT array_agg(o.user_id), array_agg(o.contact_id)
                       || array_agg(n.contact_id) INTO users, ids
            FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
            WHERE (o.contact_id, o.content_plain) IS DISTINCT FROM (n.contact_id, n.content_plain);
        WHEN 'interactions' THEN
            SELECT array_agg(o.user_id), array_agg(o.contact_id)
                       || array_agg(n.contact_id) INTO users, ids
            FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
            WHERE (o.contact_id, o.type, o.subject, o.body_text, o.occurred_at, o.source_meta)
                  IS DISTINCT FROM
                  (n.contact_id, n.type, n.subject, n.body_text, n.occurred_at, n.source_meta);
        WHEN 'client_consents' THEN
            SELECT array_agg(o.user_id), array_agg(o.contact_id)
                       || array_agg(n.contact_id) INTO users, ids
            FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
            WHERE (o.contact_id, o.consent_type, o.granted, o.granted_at)
                  IS DISTINCT FROM (n.contact_id, n.consent_type, n.granted, n.granted_at);
        WHEN 'contact_identities' THEN
            SELECT array_agg(o.user_id), array_agg(o.contact_id)
                       || array_agg(n.contact_id) INTO users, ids
            FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
            WHERE (o.contact_id, o.kind, o.value) IS DISTINCT FROM (n.contact_id, n.kind, n.value);
        WHEN 'task_contacts' THEN
            -- No row id (the services only insert and delete links): every link.
            SELECT array_agg(s.user_id), array_agg(s.contact_id) INTO users, ids
            FROM (SELECT user_id, contact_id FROM old_rows
                  UNION ALL SELECT user_id, contact_id FROM new_rows) AS s;
        WHEN 'tasks' THEN
            -- Open and overdue linked tasks: the contacts linked to a task whose status or
            -- due date changed.
            SELECT array_agg(tc.user_id), array_agg(tc.contact_id) INTO users, ids
            FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
            JOIN task_contacts AS tc ON tc.user_id = n.user_id AND tc.task_id = n.id
            WHERE (o.status, o.due_date) IS DISTINCT FROM (n.status, n.due_date);
        ELSE
            RAISE EXCEPTION 'insights_touch_updated: no rule for %', TG_TABLE_NAME;
        END CASE;
        -- Pairs: each user twice when the contact before and after were both collected.
        IF cardinality(ids) > cardinality(users) THEN
            users := users || users;
        END IF;
        PERFORM insights_queue_refresh_pairs(users, ids);
        RETURN NULL;
    END
    $$;

-- Contacts: a new one (its score, whether it copies an earlier one); a change to what
-- the insights read; and the later contacts whose unread suspected duplicate names a
-- contact whose name, email or phone changed, or that is gone (merged away or deleted).
CREATE FUNCTION insights_touch_contacts() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        r record;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            FOR r IN SELECT user_id, array_agg(id) AS ids FROM new_rows GROUP BY user_id LOOP
                PERFORM insights_queue_refresh(r.user_id, r.ids);
            END LOOP;
        ELSIF TG_OP = 'UPDATE' THEN
            FOR r IN
                SELECT n.user_id,
                       array_agg(n.id) AS ids,
                       array_agg(n.id) FILTER (
                           WHERE (o.display_name, o.primary_email, o.primary_phone)
                                 IS DISTINCT FROM (n.display_name, n.primary_email, n.primary_phone))
                           AS named
                FROM old_rows AS o JOIN new_rows AS n ON n.user_id = o.user_id AND n.id = o.id
                WHERE (o.display_name, o.primary_email, o.primary_phone, o.lifecycle_stage,
                       o.client_status)
                      IS DISTINCT FROM
                      (n.display_name, n.primary_email, n.primary_phone, n.lifecycle_stage,
                       n.client_status)
                GROUP BY n.user_id
            LOOP
                PERFORM insights_queue_refresh(
                    r.user_id,
                    r.ids || CASE WHEN r.named IS NULL THEN '{}'::uuid[]
                                  ELSE insights_duplicates_naming(r.user_id, r.named) END);
            END LOOP;
        ELSE
            FOR r IN SELECT user_id, array_agg(id) AS ids FROM old_rows GROUP BY user_id LOOP
                PERFORM insights_queue_refresh(r.user_id,
                                               insights_duplicates_naming(r.user_id, r.ids));
            END LOOP;
        END IF;
        RETURN NULL;
    END
    $$;

CREATE TRIGGER insights_follow_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_contacts();
CREATE TRIGGER insights_follow_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_contacts();
CREATE TRIGGER insights_follow_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_contacts();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notes', 'interactions', 'client_consents', 'contact_identities',
                             'task_contacts'] LOOP
        EXECUTE format('CREATE TRIGGER insights_follow_insert AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS changed FOR EACH STATEMENT '
                       'EXECUTE FUNCTION insights_touch_inserted_or_deleted()', t);
        EXECUTE format('CREATE TRIGGER insights_follow_update AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION insights_touch_updated()', t);
        EXECUTE format('CREATE TRIGGER insights_follow_delete AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS changed FOR EACH STATEMENT '
                       'EXECUTE FUNCTION insights_touch_inserted_or_deleted()', t);
    END LOOP;
END
$$;

-- A task's own insert has no link yet, and its delete removes its links (their trigger).
CREATE TRIGGER insights_follow_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_touch_updated();
