-- Pending Google OAuth connections (docs/adr/0022-google-oauth-and-token-vault.md): one row
-- per consent screen we sent a browser to. The `state` Google echoes back is an HMAC-signed
-- reference to a row; the callback deletes the row it names, so a state works once, and
-- only until `expires_at` (10 minutes). The PKCE verifier never leaves the server and is
-- sealed like the tokens.
CREATE TABLE google_oauth_states (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    service text NOT NULL
        CONSTRAINT google_oauth_states_service_check CHECK (service IN ('gmail', 'calendar')),
    -- the PKCE code verifier, sealed by the token vault
    code_verifier text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

ALTER TABLE google_oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE google_oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_oauth_states
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON google_oauth_states TO omnicrm_app_group;
