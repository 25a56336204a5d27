-- Onboarding photo uploads waiting for their form submission, and the shared counters of
-- the Postgres-backed rate limiter. See docs/crm/onboarding.md.

-- ---------------------------------------------------------------------------------------
-- onboarding_uploads: a photo uploaded through a public onboarding link, bound to the
-- token it was uploaded with. Submit consumes the row (DELETE .. RETURNING) and attaches
-- the photo to the contact, so a photo can only be attached by the link that uploaded it,
-- and only once. Rows of a deleted token cascade (the service removes their objects).
-- ---------------------------------------------------------------------------------------
CREATE TABLE onboarding_uploads (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    token_id uuid NOT NULL,
    -- storage key `<user_id>/onboarding/<uuid>.jpg`
    object_key text NOT NULL,
    mime_type text NOT NULL,
    file_size integer NOT NULL
        CONSTRAINT onboarding_uploads_file_size_check CHECK (file_size >= 0),
    original_size integer NOT NULL
        CONSTRAINT onboarding_uploads_original_size_check CHECK (original_size >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    CONSTRAINT onboarding_uploads_object_key_key UNIQUE (user_id, object_key),
    FOREIGN KEY (user_id, token_id) REFERENCES onboarding_tokens (user_id, id) ON DELETE CASCADE
);

CREATE INDEX onboarding_uploads_user_token_idx ON onboarding_uploads (user_id, token_id);

ALTER TABLE onboarding_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboarding_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON onboarding_uploads
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON onboarding_uploads TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- rate_limit_counters: requests per bucket (e.g. a client IP on one public route) and
-- fixed window; the limiter weighs the previous window in (sliding-window counter). Not a
-- tenant table: public requests have no tenant, and every server instance must share the
-- counts. UNLOGGED: counters are worth no WAL; after a crash they restart from zero.
-- ---------------------------------------------------------------------------------------
CREATE UNLOGGED TABLE rate_limit_counters (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    count integer NOT NULL
        CONSTRAINT rate_limit_counters_count_check CHECK (count >= 0),
    -- when the row stops mattering (the end of the window after this one)
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE INDEX rate_limit_counters_expires_idx ON rate_limit_counters (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_counters TO omnicrm_app_group;
