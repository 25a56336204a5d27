-- CRM: contacts and what hangs off them (notes, consents, files, identities, the photo
-- access audit) and onboarding tokens. See docs/adr/0002-data-model.md.
--
-- Conventions of every tenant table (here and in later migrations):
--   * user_id uuid NOT NULL is the first column and the first column of the primary key,
--     and references tenants (user_id) ON DELETE CASCADE;
--   * ids are application-generated UUIDv7 (no column default);
--   * references to other tenant rows are composite (user_id, x_id), so a row can never
--     point at another tenant's row; a nullable one uses ON DELETE SET NULL (x_id);
--   * ENABLE + FORCE ROW LEVEL SECURITY with the single policy tenant_isolation;
--   * enumerations are text columns with a CHECK listing the values (no pg enum types).

-- ---------------------------------------------------------------------------------------
-- contacts
-- ---------------------------------------------------------------------------------------
CREATE TABLE contacts (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    display_name text NOT NULL,
    primary_email text,
    primary_phone text,
    -- storage path of the photo (signed into a URL on read), not a URL
    photo_url text,
    source text,
    lifecycle_stage text,
    client_status text NOT NULL DEFAULT 'active'
        CONSTRAINT contacts_client_status_check
        CHECK (client_status IN ('active', 'inactive', 'at_risk', 'churned')),
    referral_source text,
    confidence_score real
        CONSTRAINT contacts_confidence_score_check
        CHECK (confidence_score >= 0 AND confidence_score <= 1),
    date_of_birth date,
    emergency_contact_name text,
    emergency_contact_phone text,
    address jsonb,
    health_context jsonb,
    preferences jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

-- list orderings (created/updated with id as the tie-breaker; name case-insensitively)
CREATE INDEX contacts_user_created_idx ON contacts (user_id, created_at DESC, id DESC);
CREATE INDEX contacts_user_updated_idx ON contacts (user_id, updated_at DESC, id DESC);
CREATE INDEX contacts_user_name_idx ON contacts (user_id, lower(display_name), id);
-- duplicate detection (the application answers 409 on a match; not unique on purpose).
-- Under RLS only the user_id prefix is an index condition unless lower() is LEAKPROOF.
CREATE INDEX contacts_user_email_dedup_idx ON contacts (user_id, lower(primary_email));
CREATE INDEX contacts_user_phone_dedup_idx ON contacts (user_id, primary_phone);
-- filters
CREATE INDEX contacts_user_client_status_idx ON contacts (user_id, client_status);
CREATE INDEX contacts_user_lifecycle_stage_idx ON contacts (user_id, lifecycle_stage);
CREATE INDEX contacts_user_date_of_birth_idx ON contacts (user_id, date_of_birth);
CREATE INDEX contacts_user_referral_source_idx ON contacts (user_id, referral_source);
-- substring search (ILIKE '%term%'). Under FORCE ROW LEVEL SECURITY the planner uses these
-- for the serving role only if ILIKE's function (texticlike) is marked LEAKPROOF, which
-- only a superuser can do: see the ADR ("RLS and non-leakproof operators").
CREATE INDEX contacts_display_name_trgm_idx ON contacts USING gin (display_name gin_trgm_ops);
CREATE INDEX contacts_primary_email_trgm_idx ON contacts USING gin (primary_email gin_trgm_ops);
CREATE INDEX contacts_primary_phone_trgm_idx ON contacts USING gin (primary_phone gin_trgm_ops);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contacts
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contacts TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- notes (content_plain is PII-redacted by the application before it is stored)
-- ---------------------------------------------------------------------------------------
CREATE TABLE notes (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    content_rich jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_plain text NOT NULL DEFAULT '',
    pii_entities jsonb NOT NULL DEFAULT '[]'::jsonb,
    source_type text NOT NULL DEFAULT 'typed'
        CONSTRAINT notes_source_type_check
        CHECK (source_type IN ('typed', 'voice', 'upload')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX notes_user_contact_created_idx ON notes (user_id, contact_id, created_at DESC);
CREATE INDEX notes_user_created_idx ON notes (user_id, created_at DESC, id DESC);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- client_consents (history: the newest row per (contact, consent_type) is the status)
-- ---------------------------------------------------------------------------------------
CREATE TABLE client_consents (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    consent_type text NOT NULL
        CONSTRAINT client_consents_consent_type_check
        CHECK (consent_type IN ('data_processing', 'marketing', 'hipaa', 'photography')),
    consent_text_version text NOT NULL,
    granted boolean NOT NULL DEFAULT true,
    granted_at timestamptz NOT NULL DEFAULT now(),
    -- textual IPv4/IPv6 address, validated by the application (no inet: see the ADR)
    ip_address text,
    user_agent text,
    signature_svg text,
    signature_image_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX client_consents_user_contact_type_idx
    ON client_consents (user_id, contact_id, consent_type, granted_at DESC);
CREATE INDEX client_consents_user_type_idx ON client_consents (user_id, consent_type);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON client_consents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE client_consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON client_consents
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON client_consents TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- client_files
-- ---------------------------------------------------------------------------------------
CREATE TABLE client_files (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    file_type text NOT NULL DEFAULT 'photo'
        CONSTRAINT client_files_file_type_check
        CHECK (file_type IN ('photo', 'document', 'form')),
    file_path text NOT NULL,
    mime_type text,
    file_size integer
        CONSTRAINT client_files_file_size_check CHECK (file_size >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE INDEX client_files_user_contact_idx ON client_files (user_id, contact_id, created_at DESC);
CREATE INDEX client_files_user_file_type_idx ON client_files (user_id, file_type);

ALTER TABLE client_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON client_files
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON client_files TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- contact_identities (alternate identifiers that resolve to a contact)
-- ---------------------------------------------------------------------------------------
CREATE TABLE contact_identities (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    kind text NOT NULL
        CONSTRAINT contact_identities_kind_check
        CHECK (kind IN ('email', 'phone', 'handle', 'provider_id')),
    -- where the identifier was seen; free text (gmail, calendar, manual, upload, ..)
    provider text,
    -- lower-cased by the application for kind = 'email'
    value text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

-- the ON CONFLICT target of identity upserts:
--   ON CONFLICT (user_id, kind, value, coalesce(provider, '')) DO NOTHING
CREATE UNIQUE INDEX contact_identities_user_kind_value_provider_key
    ON contact_identities (user_id, kind, value, coalesce(provider, ''));
CREATE INDEX contact_identities_user_contact_idx ON contact_identities (user_id, contact_id);

ALTER TABLE contact_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_identities FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_identities
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON contact_identities TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- photo_access_audit (HIPAA/GDPR access log). No foreign key on contact_id on purpose:
-- the audit outlives the contact. Still a tenant table: erased with the tenant.
-- ---------------------------------------------------------------------------------------
CREATE TABLE photo_access_audit (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid NOT NULL,
    photo_path text NOT NULL,
    accessed_at timestamptz NOT NULL DEFAULT now(),
    ip_address text,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX photo_access_audit_user_accessed_idx
    ON photo_access_audit (user_id, accessed_at DESC, id DESC);
CREATE INDEX photo_access_audit_user_contact_accessed_idx
    ON photo_access_audit (user_id, contact_id, accessed_at DESC);

ALTER TABLE photo_access_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_access_audit FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON photo_access_audit
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON photo_access_audit TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- onboarding_tokens. Only sha256(token) is stored; the token itself is shown once.
-- ---------------------------------------------------------------------------------------
CREATE TABLE onboarding_tokens (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    token_hash bytea NOT NULL
        CONSTRAINT onboarding_tokens_token_hash_key UNIQUE
        CONSTRAINT onboarding_tokens_token_hash_check CHECK (octet_length(token_hash) = 32),
    label text,
    expires_at timestamptz NOT NULL,
    max_uses integer NOT NULL DEFAULT 1,
    used_count integer NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- public track-access counters
    last_accessed_at timestamptz,
    access_count integer NOT NULL DEFAULT 0,
    form_started_count integer NOT NULL DEFAULT 0,
    submission_count integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, id),
    CONSTRAINT onboarding_tokens_uses_check
        CHECK (max_uses >= 1 AND used_count >= 0 AND used_count <= max_uses),
    CONSTRAINT onboarding_tokens_counters_check
        CHECK (access_count >= 0 AND form_started_count >= 0 AND submission_count >= 0)
);

CREATE INDEX onboarding_tokens_user_created_idx ON onboarding_tokens (user_id, created_at DESC, id DESC);
CREATE INDEX onboarding_tokens_user_expires_idx ON onboarding_tokens (user_id, expires_at);

ALTER TABLE onboarding_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE onboarding_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON onboarding_tokens
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON onboarding_tokens TO omnicrm_app_group;

-- FORCE ROW LEVEL SECURITY binds the table owner too, so the SECURITY DEFINER lookup below
-- (which runs as the owner) needs a read policy of its own. It is granted to the role that
-- runs this migration (the owner) and to no one else; the serving roles are not that role.
-- (A superuser owner bypasses RLS anyway; the policy is then simply unused.)
DO $$
BEGIN
    EXECUTE format(
        'CREATE POLICY owner_token_lookup ON onboarding_tokens FOR SELECT TO %I USING (true)',
        current_user);
END
$$;

-- The public onboarding routes know a token but not its tenant. This maps sha256(token)
-- to (user_id, token_id) and reveals nothing else, whatever the token's state: the
-- caller then opens a tenant transaction and checks the state under a row lock
-- (SELECT .. FOR UPDATE).
CREATE FUNCTION onboarding_token_lookup(p_token_hash bytea)
    RETURNS TABLE (user_id uuid, token_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT t.user_id, t.id
        FROM public.onboarding_tokens AS t
        WHERE t.token_hash = p_token_hash
    $$;

REVOKE ALL ON FUNCTION onboarding_token_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION onboarding_token_lookup(bytea) TO omnicrm_app_group;
