-- The job engine's own tables. Not tenant tables: workers claim across tenants, so there
-- is no RLS here; every listing for a user filters by user_id explicitly.

-- Runnable and leased jobs only: rows leave this table when they finish, so it stays
-- small and its indexes hot however much history accumulates.
CREATE TABLE job_queue (
    id uuid PRIMARY KEY,
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

CREATE INDEX job_queue_claim_idx ON job_queue (queue, priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX job_queue_lease_idx ON job_queue (lease_expires_at) WHERE state = 'running';
CREATE INDEX job_queue_running_key_idx ON job_queue (concurrency_key) WHERE state = 'running' AND concurrency_key IS NOT NULL;
CREATE INDEX job_queue_queued_key_idx ON job_queue (concurrency_key) WHERE state = 'queued' AND concurrency_key IS NOT NULL;
CREATE UNIQUE INDEX job_queue_unique_key_idx ON job_queue (unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX job_queue_user_idx ON job_queue (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX job_queue_batch_idx ON job_queue (batch_id) WHERE batch_id IS NOT NULL;

-- Finished, cancelled and dead jobs, partitioned by month of finishing so old history is
-- dropped a partition at a time instead of deleted row by row.
CREATE TABLE job_history (
    id uuid NOT NULL,
    kind text NOT NULL,
    queue text NOT NULL,
    user_id uuid,
    payload jsonb NOT NULL,
    priority smallint NOT NULL,
    state text NOT NULL CONSTRAINT job_history_state_check CHECK (state IN ('succeeded', 'cancelled', 'dead')),
    attempts integer NOT NULL,
    max_attempts integer NOT NULL,
    unique_key text,
    concurrency_key text,
    batch_id uuid,
    errors jsonb NOT NULL,
    result jsonb,
    created_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, finished_at)
) PARTITION BY RANGE (finished_at);

CREATE TABLE job_history_default PARTITION OF job_history DEFAULT;
CREATE INDEX job_history_user_idx ON job_history (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX job_history_batch_idx ON job_history (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX job_history_dead_idx ON job_history (kind, finished_at) WHERE state = 'dead';

-- Creates the monthly partitions covering [from, from + months); idempotent. SECURITY
-- DEFINER: only the owner may add partitions, and workers (app role) call this.
CREATE FUNCTION job_history_ensure_partitions(p_from date, p_months integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    m date;
    name text;
BEGIN
    FOR i IN 0 .. p_months - 1 LOOP
        m := date_trunc('month', p_from)::date + make_interval(months => i);
        name := format('job_history_%s', to_char(m, 'YYYYMM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF job_history FOR VALUES FROM (%L) TO (%L)',
                name, m, (m + interval '1 month')::date);
        END IF;
    END LOOP;
END
$$;

SELECT job_history_ensure_partitions(current_date, 3);

-- Drops whole monthly partitions that end on or before `p_before`; returns how many.
CREATE FUNCTION job_history_drop_partitions_before(p_before date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'job_history'::regclass AND c.relname ~ '^job_history_[0-9]{6}$'
    LOOP
        IF (to_date(right(part.relname, 6), 'YYYYMM') + interval '1 month')::date <= p_before THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;
REVOKE ALL ON FUNCTION job_history_ensure_partitions(date, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION job_history_drop_partitions_before(date) FROM PUBLIC;

CREATE TABLE job_queue_pauses (
    queue text PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now()
);

-- Recurring schedules: `next_run_at` advances by compare-and-set, so exactly one worker
-- fires each tick however many run.
CREATE TABLE job_schedules (
    name text PRIMARY KEY,
    cron text NOT NULL,
    timezone text NOT NULL DEFAULT 'UTC',
    kind text NOT NULL,
    queue text NOT NULL DEFAULT 'default',
    payload jsonb NOT NULL DEFAULT '{}',
    skip_if_running boolean NOT NULL DEFAULT true,
    next_run_at timestamptz NOT NULL,
    last_fired_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One notification per INSERT statement (not per row) wakes idle workers.
CREATE FUNCTION job_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('omnicrm_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER job_queue_notify AFTER INSERT ON job_queue
    FOR EACH STATEMENT EXECUTE FUNCTION job_queue_notify();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'omnicrm_app_group') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON job_queue, job_history, job_queue_pauses, job_schedules
            TO omnicrm_app_group;
        GRANT EXECUTE ON FUNCTION job_history_ensure_partitions(date, integer) TO omnicrm_app_group;
        GRANT EXECUTE ON FUNCTION job_history_drop_partitions_before(date) TO omnicrm_app_group;
    END IF;
END
$$;
