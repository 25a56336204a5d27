DROP FUNCTION embedding_pending_users(integer);
DROP POLICY owner_dispatch ON embedding_pending;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contacts', 'notes', 'interactions', 'tasks', 'goals', 'documents'] LOOP
        EXECUTE format('DROP TRIGGER embedding_pending_insert ON %I', t);
        EXECUTE format('DROP TRIGGER embedding_pending_update ON %I', t);
        EXECUTE format('DROP TRIGGER embedding_forget ON %I', t);
    END LOOP;
END
$$;
DROP FUNCTION embedding_forget_owner();
DROP FUNCTION embedding_mark_pending();
DROP TABLE embedding_state;
DROP TABLE embedding_pending;

-- The vectors are derived data: the table is recreated exactly as
-- 2026-11-27-000005_intelligence made it (column order included), empty.
DROP TABLE embeddings;
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

