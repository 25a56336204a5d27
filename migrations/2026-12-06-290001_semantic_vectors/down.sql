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

DELETE FROM embeddings;
ALTER TABLE embeddings DROP CONSTRAINT embeddings_owner_type_check;
ALTER TABLE embeddings ADD CONSTRAINT embeddings_owner_type_check
    CHECK (owner_type IN ('interaction', 'document', 'contact', 'note'));
ALTER TABLE embeddings DROP COLUMN chunk_start;
ALTER TABLE embeddings DROP COLUMN vector;
ALTER TABLE embeddings ADD COLUMN embedding real[] NOT NULL;
ALTER TABLE embeddings ADD CONSTRAINT embeddings_embedding_shape_check CHECK (
    array_ndims(embedding) = 1
    AND cardinality(embedding) = dimensions
    AND array_position(embedding, NULL) IS NULL
);
