-- Data intelligence: raw provider events, the normalised interaction timeline, AI insights,
-- embeddings, documents and the identifier blocklist. See docs/adr/0002-data-model.md.
--
-- One "where did this come from" vocabulary: raw_events.provider is one of
-- gmail | calendar | drive | upload, and interactions.source is the provider of the raw
-- event it was normalised from, or 'manual'.

-- ---------------------------------------------------------------------------------------
-- raw_events (lossless provider payloads)
-- ---------------------------------------------------------------------------------------
CREATE TABLE raw_events (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    provider text NOT NULL
        CONSTRAINT raw_events_provider_check
        CHECK (provider IN ('gmail', 'calendar', 'drive', 'upload')),
    payload jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    source_id text NOT NULL,
    source_meta jsonb,
    batch_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    processing_status text NOT NULL DEFAULT 'pending'
        CONSTRAINT raw_events_processing_status_check
        CHECK (processing_status IN ('pending', 'processing', 'completed', 'failed', 'skipped')),
    processing_attempts integer NOT NULL DEFAULT 0
        CONSTRAINT raw_events_processing_attempts_check CHECK (processing_attempts >= 0),
    processing_error text,
    processed_at timestamptz,
    -- NULL = contact extraction not attempted yet
    contact_extraction_status text
        CONSTRAINT raw_events_contact_extraction_status_check
        CHECK (contact_extraction_status IN
               ('no_identifiers', 'identifiers_found', 'pending', 'yes', 'rejected')),
    extracted_at timestamptz,
    PRIMARY KEY (user_id, id),
    -- ingest: INSERT .. ON CONFLICT (user_id, provider, source_id) DO NOTHING
    CONSTRAINT raw_events_user_provider_source_key UNIQUE (user_id, provider, source_id)
);

CREATE INDEX raw_events_user_created_idx ON raw_events (user_id, created_at DESC, id DESC);
CREATE INDEX raw_events_user_occurred_idx ON raw_events (user_id, occurred_at DESC, id DESC);
CREATE INDEX raw_events_user_provider_occurred_idx
    ON raw_events (user_id, provider, occurred_at DESC);
CREATE INDEX raw_events_user_batch_idx ON raw_events (user_id, batch_id)
    WHERE batch_id IS NOT NULL;
CREATE INDEX raw_events_user_extraction_created_idx
    ON raw_events (user_id, contact_extraction_status, created_at);

ALTER TABLE raw_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE raw_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON raw_events
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON raw_events TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- interactions (normalised timeline). contact_id NULL = not linked to a contact yet; the
-- extract-contacts job links it. Deleting a contact unlinks its interactions.
-- ---------------------------------------------------------------------------------------
CREATE TABLE interactions (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    contact_id uuid,
    type text NOT NULL
        CONSTRAINT interactions_type_check
        CHECK (type IN ('email', 'calendar_event', 'call', 'meeting', 'note', 'web')),
    subject text,
    body_text text,
    occurred_at timestamptz NOT NULL,
    source text NOT NULL
        CONSTRAINT interactions_source_check
        CHECK (source IN ('gmail', 'calendar', 'drive', 'upload', 'manual')),
    source_id text NOT NULL,
    source_meta jsonb,
    batch_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id)
        ON DELETE SET NULL (contact_id),
    -- normalisation: INSERT .. ON CONFLICT (user_id, source, source_id) DO NOTHING
    CONSTRAINT interactions_user_source_source_id_key UNIQUE (user_id, source, source_id)
);

CREATE INDEX interactions_user_contact_occurred_idx
    ON interactions (user_id, contact_id, occurred_at DESC);
CREATE INDEX interactions_user_occurred_idx ON interactions (user_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_user_type_occurred_idx
    ON interactions (user_id, type, occurred_at DESC);
CREATE INDEX interactions_user_source_batch_idx ON interactions (user_id, source, batch_id)
    WHERE batch_id IS NOT NULL;
CREATE INDEX interactions_user_unlinked_idx ON interactions (user_id, occurred_at DESC)
    WHERE contact_id IS NULL;

ALTER TABLE interactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE interactions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON interactions
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON interactions TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- ai_insights (subject_id is polymorphic: no foreign key)
-- ---------------------------------------------------------------------------------------
CREATE TABLE ai_insights (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    subject_type text NOT NULL
        CONSTRAINT ai_insights_subject_type_check
        CHECK (subject_type IN ('contact', 'segment', 'inbox')),
    subject_id uuid,
    kind text NOT NULL
        CONSTRAINT ai_insights_kind_check
        CHECK (kind IN ('summary', 'next_step', 'risk', 'persona', 'thread_summary',
                        'next_best_action', 'weekly_digest', 'lead_score',
                        'duplicate_contact_suspected')),
    content jsonb NOT NULL,
    model text,
    -- dedup key: a retried job inserts with ON CONFLICT DO NOTHING
    fingerprint text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);

CREATE INDEX ai_insights_user_subject_idx ON ai_insights (user_id, subject_type, subject_id);
CREATE INDEX ai_insights_user_kind_created_idx ON ai_insights (user_id, kind, created_at DESC);
CREATE INDEX ai_insights_user_created_idx ON ai_insights (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX ai_insights_user_fingerprint_key ON ai_insights (user_id, fingerprint)
    WHERE fingerprint IS NOT NULL;

ALTER TABLE ai_insights ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_insights FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_insights
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_insights TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- embeddings. real[] instead of pgvector's vector (not installable here); similarity is
-- computed behind a repository interface that pgvector could implement later. Only
-- vectors of the same model are comparable. owner_id is polymorphic: no foreign key.
-- ---------------------------------------------------------------------------------------
CREATE TABLE embeddings (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    owner_type text NOT NULL
        CONSTRAINT embeddings_owner_type_check
        CHECK (owner_type IN ('interaction', 'document', 'contact', 'note')),
    owner_id uuid NOT NULL,
    model text NOT NULL,
    dimensions integer NOT NULL
        CONSTRAINT embeddings_dimensions_check CHECK (dimensions BETWEEN 1 AND 16000),
    embedding real[] NOT NULL,
    -- sha256(text) in hex: the embedding cache key
    content_hash text,
    chunk_index integer NOT NULL DEFAULT 0
        CONSTRAINT embeddings_chunk_index_check CHECK (chunk_index >= 0),
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    -- a one-dimensional vector of exactly `dimensions` non-NULL elements
    CONSTRAINT embeddings_embedding_shape_check CHECK (
        array_ndims(embedding) = 1
        AND cardinality(embedding) = dimensions
        AND array_position(embedding, NULL) IS NULL
    )
);

-- one vector per owner, model and chunk: re-embedding upserts
--   ON CONFLICT (user_id, owner_type, owner_id, model, chunk_index) DO UPDATE ..
CREATE UNIQUE INDEX embeddings_user_owner_model_chunk_key
    ON embeddings (user_id, owner_type, owner_id, model, chunk_index);
CREATE INDEX embeddings_user_content_hash_idx ON embeddings (user_id, content_hash)
    WHERE content_hash IS NOT NULL;
CREATE INDEX embeddings_user_created_idx ON embeddings (user_id, created_at DESC, id DESC);

ALTER TABLE embeddings ENABLE ROW LEVEL SECURITY;
ALTER TABLE embeddings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON embeddings
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON embeddings TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- documents
-- ---------------------------------------------------------------------------------------
CREATE TABLE documents (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    owner_contact_id uuid,
    title text,
    text text,
    mime text,
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, owner_contact_id) REFERENCES contacts (user_id, id)
        ON DELETE SET NULL (owner_contact_id)
);

CREATE INDEX documents_user_owner_contact_idx ON documents (user_id, owner_contact_id)
    WHERE owner_contact_id IS NOT NULL;
CREATE INDEX documents_user_created_idx ON documents (user_id, created_at DESC, id DESC);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO omnicrm_app_group;

-- ---------------------------------------------------------------------------------------
-- ignored_identifiers (blocklist for contact suggestions and extraction)
-- ---------------------------------------------------------------------------------------
CREATE TABLE ignored_identifiers (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    id uuid NOT NULL,
    kind text NOT NULL
        CONSTRAINT ignored_identifiers_kind_check
        CHECK (kind IN ('email', 'phone', 'handle', 'provider_id')),
    value text NOT NULL,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    CONSTRAINT ignored_identifiers_user_kind_value_key UNIQUE (user_id, kind, value)
);

CREATE INDEX ignored_identifiers_user_created_idx
    ON ignored_identifiers (user_id, created_at DESC, id DESC);

ALTER TABLE ignored_identifiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE ignored_identifiers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ignored_identifiers
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON ignored_identifiers TO omnicrm_app_group;
