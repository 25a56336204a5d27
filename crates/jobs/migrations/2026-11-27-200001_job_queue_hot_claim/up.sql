-- Cheaper WAL per job (docs/benchmarks-jobs.md, ADR 0003 §1).
--
-- The claim and the heartbeat become HOT updates: no index key or index predicate of
-- job_queue mentions a column they change (state, attempts, lease_*), so they add no index
-- entries, and the fillfactor leaves room for the new row version on the same page.
-- * The claim index loses its `state = 'queued'` predicate: the claim skips leased rows
--   by a heap check instead (they are few: only jobs being worked on). It is split by
--   whether a job has a concurrency key (which a claim never changes): each claim
--   statement reads one of them, and a partial index keeps the planner on the ordered
--   index walk even before the table has statistics.
-- * The lease index is gone: the reaper scans this small table.
-- * The concurrency-key indexes lose their state predicates. Running jobs are counted
--   per key through `running_concurrency`, a copy of `concurrency_key` kept only while a job is
--   running; it stays NULL for unkeyed jobs, so claiming them changes no indexed value.
-- * Columns are ordered so that everything a claim or heartbeat rewrites comes last: the
--   WAL record of a same-page update then leaves out the unchanged prefix.
-- The table is rebuilt to get the new column order; rows are copied over.

CREATE TABLE job_queue_new (
    id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    run_at timestamptz NOT NULL DEFAULT now(),
    priority smallint NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CONSTRAINT job_queue_max_attempts_check CHECK (max_attempts >= 1),
    concurrency_limit integer NOT NULL DEFAULT 1 CONSTRAINT job_queue_concurrency_limit_check CHECK (concurrency_limit >= 1),
    timeout_ms integer NOT NULL DEFAULT 300000,
    kind text NOT NULL,
    queue text NOT NULL DEFAULT 'default',
    user_id uuid,
    batch_id uuid,
    unique_key text,
    concurrency_key text,
    payload jsonb NOT NULL DEFAULT '{}',
    errors jsonb NOT NULL DEFAULT '[]',
    cancel_requested boolean NOT NULL DEFAULT false,
    -- Rewritten by every claim (and, the lease expiry, by every heartbeat).
    attempts integer NOT NULL DEFAULT 0 CONSTRAINT job_queue_attempts_check CHECK (attempts >= 0),
    state text NOT NULL DEFAULT 'queued' CONSTRAINT job_queue_state_check CHECK (state IN ('queued', 'running')),
    running_concurrency text,
    lease_expires_at timestamptz,
    lease_token uuid,
    lease_owner text,
    CONSTRAINT job_queue_lease_check CHECK ((state = 'running') = (lease_token IS NOT NULL)),
    CONSTRAINT job_queue_running_concurrency_check
        CHECK (running_concurrency IS NOT DISTINCT FROM CASE WHEN state = 'running' THEN concurrency_key END)
) WITH (fillfactor = 40);

INSERT INTO job_queue_new (id, created_at, run_at, priority, max_attempts, concurrency_limit, timeout_ms,
    kind, queue, user_id, batch_id, unique_key, concurrency_key, payload, errors, cancel_requested,
    attempts, state, running_concurrency, lease_expires_at, lease_token, lease_owner)
SELECT id, created_at, run_at, priority, max_attempts, concurrency_limit, timeout_ms,
    kind, queue, user_id, batch_id, unique_key, concurrency_key, payload, errors, cancel_requested,
    attempts, state, CASE WHEN state = 'running' THEN concurrency_key END, lease_expires_at, lease_token, lease_owner
FROM job_queue;

DROP TABLE job_queue;
ALTER TABLE job_queue_new RENAME TO job_queue;
ALTER TABLE job_queue ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);

CREATE INDEX job_queue_claim_idx ON job_queue (queue, priority DESC, run_at, id) WHERE concurrency_key IS NULL;
CREATE INDEX job_queue_keyed_claim_idx ON job_queue (queue, priority DESC, run_at, id) WHERE concurrency_key IS NOT NULL;
CREATE INDEX job_queue_key_idx ON job_queue (concurrency_key) WHERE concurrency_key IS NOT NULL;
CREATE INDEX job_queue_running_idx ON job_queue (running_concurrency) WHERE running_concurrency IS NOT NULL;
CREATE UNIQUE INDEX job_queue_unique_key_idx ON job_queue (unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX job_queue_user_idx ON job_queue (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX job_queue_batch_idx ON job_queue (batch_id) WHERE batch_id IS NOT NULL;

CREATE TRIGGER job_queue_notify AFTER INSERT ON job_queue
    FOR EACH STATEMENT EXECUTE FUNCTION job_queue_notify();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'omnicrm_app_group') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON job_queue TO omnicrm_app_group;
    END IF;
END
$$;
