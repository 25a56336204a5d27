-- Integrations, user profiles, AI quotas and usage, and the AI chat tables (threads,
-- messages, tool invocations). See docs/adr/0002-data-model.md.

-- ---------------------------------------------------------------------------------------
-- user_integrations (OAuth tokens are encrypted by the application before they are stored)
-- ---------------------------------------------------------------------------------------
CREATE TABLE user_integrations (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    provider text NOT NULL
        CONSTRAINT user_integrations_provider_check CHECK (provider IN ('google')),
    service text NOT NULL
        CONSTRAINT user_integrations_service_check
        CHECK (service IN ('auth', 'gmail', 'calendar', 'drive')),
    access_token text NOT NULL,
    refresh_token text,
    expiry_date timestamptz,
    -- {email, scopes} from the OAuth callback plus per-service sync preferences
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, provider, service)
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON user_integrations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE user_integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_integrations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_integrations
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON user_integrations TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- user_profiles (one per user)
-- ---------------------------------------------------------------------------------------
CREATE TABLE user_profiles (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    preferred_name text,
    organization_name text,
    profile_photo_url text,
    bio text,
    phone text,
    website text,
    -- IANA zone name (validated by the application); defines the user's "today"
    timezone text NOT NULL DEFAULT 'UTC',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id)
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON user_profiles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE user_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_profiles
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON user_profiles TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- ai_quotas (one per user). Spending a credit is one atomic statement:
--   UPDATE ai_quotas SET credits_left = credits_left - 1
--   WHERE user_id = $1 AND credits_left > 0 RETURNING credits_left
-- and an upsert resets credits_left when period_start (first day of the month) rolls over.
-- ---------------------------------------------------------------------------------------
CREATE TABLE ai_quotas (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    credits_left integer NOT NULL
        CONSTRAINT ai_quotas_credits_left_check CHECK (credits_left >= 0),
    period_start date NOT NULL,
    PRIMARY KEY (user_id)
);

ALTER TABLE ai_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_quotas
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_quotas TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- ai_usage (one row per model call). Cost in millionths of a US dollar (integer, exact).
-- ---------------------------------------------------------------------------------------
CREATE TABLE ai_usage (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    model text NOT NULL,
    input_tokens integer NOT NULL DEFAULT 0
        CONSTRAINT ai_usage_input_tokens_check CHECK (input_tokens >= 0),
    output_tokens integer NOT NULL DEFAULT 0
        CONSTRAINT ai_usage_output_tokens_check CHECK (output_tokens >= 0),
    cost_usd_micros bigint NOT NULL DEFAULT 0
        CONSTRAINT ai_usage_cost_usd_micros_check CHECK (cost_usd_micros >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX ai_usage_user_created_idx ON ai_usage (user_id, created_at DESC);
CREATE INDEX ai_usage_user_model_created_idx ON ai_usage (user_id, model, created_at DESC);

ALTER TABLE ai_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_usage
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_usage TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- threads
-- ---------------------------------------------------------------------------------------
CREATE TABLE threads (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    title text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX threads_user_updated_idx ON threads (user_id, updated_at DESC, id DESC);
CREATE INDEX threads_user_created_idx ON threads (user_id, created_at DESC, id DESC);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON threads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE threads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON threads
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON threads TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- messages
-- ---------------------------------------------------------------------------------------
CREATE TABLE messages (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    thread_id uuid NOT NULL,
    role text NOT NULL
        CONSTRAINT messages_role_check
        CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    content jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, thread_id) REFERENCES threads (user_id, id) ON DELETE CASCADE
);

CREATE INDEX messages_user_thread_created_idx ON messages (user_id, thread_id, created_at, id);

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON messages TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- tool_invocations (result NULL = the tool failed)
-- ---------------------------------------------------------------------------------------
CREATE TABLE tool_invocations (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    message_id uuid NOT NULL,
    tool text NOT NULL,
    args jsonb NOT NULL,
    result jsonb,
    latency_ms integer
        CONSTRAINT tool_invocations_latency_ms_check CHECK (latency_ms >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, message_id) REFERENCES messages (user_id, id) ON DELETE CASCADE
);

CREATE INDEX tool_invocations_user_message_created_idx
    ON tool_invocations (user_id, message_id, created_at);
CREATE INDEX tool_invocations_user_tool_created_idx
    ON tool_invocations (user_id, tool, created_at DESC);

ALTER TABLE tool_invocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE tool_invocations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tool_invocations
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON tool_invocations TO omnicrm_app_group;
