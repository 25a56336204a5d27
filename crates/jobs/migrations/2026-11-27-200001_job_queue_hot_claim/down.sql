-- Back to the layout of 2026-11-27-100001_job_engine (rows are copied over).

CREATE TABLE job_queue_old (
    id uuid NOT NULL,
    kind text NOT NULL,
    queue text NOT NULL DEFAULT 'default',
    user_id uuid,
    payload jsonb NOT NULL DEFAULT '{}',
    priority smallint NOT NULL DEFAULT 0,
    run_at timestamptz NOT NULL DEFAULT now(),
    state text NOT NULL DEFAULT 'queued' CONSTRAINT job_queue_state_check CHECK (state IN ('queued', 'running')),
    attempts integer NOT NULL DEFAULT 0 CONSTRAINT job_queue_attempts_check CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 5 CONSTRAINT job_queue_max_attempts_check CHECK (max_attempts >= 1),
    lease_owner text,
    lease_token uuid,
    lease_expires_at timestamptz,
    unique_key text,
    concurrency_key text,
    concurrency_limit integer NOT NULL DEFAULT 1 CONSTRAINT job_queue_concurrency_limit_check CHECK (concurrency_limit >= 1),
    batch_id uuid,
    errors jsonb NOT NULL DEFAULT '[]',
    cancel_requested boolean NOT NULL DEFAULT false,
    timeout_ms integer NOT NULL DEFAULT 300000,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_queue_lease_check CHECK ((state = 'running') = (lease_token IS NOT NULL))
);

INSERT INTO job_queue_old (id, kind, queue, user_id, payload, priority, run_at, state, attempts, max_attempts,
    lease_owner, lease_token, lease_expires_at, unique_key, concurrency_key, concurrency_limit, batch_id,
    errors, cancel_requested, timeout_ms, created_at)
SELECT id, kind, queue, user_id, payload, priority, run_at, state, attempts, max_attempts,
    lease_owner, lease_token, lease_expires_at, unique_key, concurrency_key, concurrency_limit, batch_id,
    errors, cancel_requested, timeout_ms, created_at
FROM job_queue;

DROP TABLE job_queue;
ALTER TABLE job_queue_old RENAME TO job_queue;
ALTER TABLE job_queue ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);

CREATE INDEX job_queue_claim_idx ON job_queue (queue, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX job_queue_lease_idx ON job_queue (lease_expires_at) WHERE state = 'running';
CREATE INDEX job_queue_running_key_idx ON job_queue (concurrency_key) WHERE state = 'running' AND concurrency_key IS NOT NULL;
CREATE INDEX job_queue_queued_key_idx ON job_queue (concurrency_key) WHERE state = 'queued' AND concurrency_key IS NOT NULL;
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
