-- Idempotency keys of creating POSTs (ADR 0016): the first response to a key, replayed
-- byte for byte to a retry with the same request within 24 hours.

-- ---------------------------------------------------------------------------------------
-- idempotency_keys: one row per (user, Idempotency-Key). While the first request runs the
-- row is a claim (status NULL); afterwards it holds that request's response. A claim left
-- by a crashed instance is taken over after 10 minutes; rows older than 24 hours are
-- deleted by the daily sweep (maintenance.idempotency_sweep) and ignored before that.
-- ---------------------------------------------------------------------------------------
CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    idempotency_key text NOT NULL
        CONSTRAINT idempotency_keys_key_check
        CHECK (octet_length(idempotency_key) BETWEEN 1 AND 255),
    -- sha256 of method, path, query, content type and body
    fingerprint bytea NOT NULL
        CONSTRAINT idempotency_keys_fingerprint_check CHECK (octet_length(fingerprint) = 32),
    -- the first response; NULL while the first request is in flight
    status smallint
        CONSTRAINT idempotency_keys_status_check CHECK (status BETWEEN 100 AND 499),
    -- [[name, value], ...] as sent
    response_headers jsonb,
    response_body bytea
        CONSTRAINT idempotency_keys_body_check CHECK (octet_length(response_body) <= 1048576),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idempotency_key),
    CONSTRAINT idempotency_keys_completed_check
        CHECK ((status IS NULL) = (response_headers IS NULL)
           AND (status IS NULL) = (response_body IS NULL))
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO omnicrm_app_group;

-- The sweep crosses tenants. FORCE ROW LEVEL SECURITY binds the owner too, so the definer
-- function below (which runs as the owner) needs policies of its own: granted to the role
-- that runs this migration (the owner) and to no one else, and only for rows past 24 hours.
DO $$
BEGIN
    EXECUTE format(
        'CREATE POLICY owner_idempotency_sweep_read ON idempotency_keys FOR SELECT TO %I '
        'USING (created_at < now() - interval ''24 hours'')',
        current_user);
    EXECUTE format(
        'CREATE POLICY owner_idempotency_sweep ON idempotency_keys FOR DELETE TO %I '
        'USING (created_at < now() - interval ''24 hours'')',
        current_user);
END
$$;

-- Deletes every tenant's keys older than 24 hours, and nothing else; returns how many.
CREATE FUNCTION sweep_idempotency_keys()
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        swept bigint;
    BEGIN
        DELETE FROM public.idempotency_keys WHERE created_at < now() - interval '24 hours';
        GET DIAGNOSTICS swept = ROW_COUNT;
        RETURN swept;
    END
    $$;

REVOKE ALL ON FUNCTION sweep_idempotency_keys() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sweep_idempotency_keys() TO omnicrm_app_group;
