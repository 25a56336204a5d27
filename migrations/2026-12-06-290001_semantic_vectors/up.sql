-- Semantic search (ADR 0031): vectors as compact little-endian f32 bytes, every searchable
-- kind, the queue of items to (re-)embed filled by the writes themselves, and a per-tenant
-- version that invalidates the servers' vector caches.

-- 1. Vectors: `bytea` of 4 × dimensions bytes instead of real[] (a quarter of the size of
-- an array's text form, read without parsing). The old rows are derived data: the backfill
-- job recomputes them.
DELETE FROM embeddings;
ALTER TABLE embeddings DROP CONSTRAINT embeddings_embedding_shape_check;
ALTER TABLE embeddings DROP COLUMN embedding;
ALTER TABLE embeddings ADD COLUMN vector bytea NOT NULL;
ALTER TABLE embeddings ADD CONSTRAINT embeddings_vector_size_check
    CHECK (octet_length(vector) = 4 * dimensions);
-- Where the chunk starts in the item's text (characters): the snippet of a semantic hit.
ALTER TABLE embeddings ADD COLUMN chunk_start integer NOT NULL DEFAULT 0
    CONSTRAINT embeddings_chunk_start_check CHECK (chunk_start >= 0);
ALTER TABLE embeddings DROP CONSTRAINT embeddings_owner_type_check;
ALTER TABLE embeddings ADD CONSTRAINT embeddings_owner_type_check
    CHECK (owner_type IN ('contact', 'note', 'interaction', 'task', 'goal', 'document'));

-- 2. Items whose text changed since they were embedded. Written by triggers in the
-- writing transaction, so every writer (services, sync, merges, imports) is covered; the
-- embedding job drains it. `queued_at` is bumped by a later edit, so a job that read the
-- older entry does not remove the newer one.
CREATE TABLE embedding_pending (
    user_id uuid NOT NULL REFERENCES tenants (user_id) ON DELETE CASCADE,
    owner_type text NOT NULL
        CONSTRAINT embedding_pending_owner_type_check
        CHECK (owner_type IN ('contact', 'note', 'interaction', 'task', 'goal', 'document')),
    owner_id uuid NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, owner_type, owner_id)
);
CREATE INDEX embedding_pending_user_queued_idx ON embedding_pending (user_id, queued_at);

ALTER TABLE embedding_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE embedding_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON embedding_pending
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON embedding_pending TO omnicrm_app_group;

-- 3. A tenant's vector version: bumped whenever its vectors change, so a server holding
-- them in memory knows with one key lookup whether its copy is current.
CREATE TABLE embedding_state (
    user_id uuid NOT NULL PRIMARY KEY REFERENCES tenants (user_id) ON DELETE CASCADE,
    version bigint NOT NULL DEFAULT 0
);

ALTER TABLE embedding_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE embedding_state FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON embedding_state
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON embedding_state TO omnicrm_app_group;

-- 4. The triggers. An insert, or an update that changed the searchable text (its
-- generated `search_vector`, ADR 0024), marks the item; a delete removes its vectors at
-- once. TG_ARGV[0] is the item's kind.
CREATE FUNCTION embedding_mark_pending() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        INSERT INTO embedding_pending (user_id, owner_type, owner_id, queued_at)
            VALUES (NEW.user_id, TG_ARGV[0], NEW.id, clock_timestamp())
            ON CONFLICT (user_id, owner_type, owner_id)
            DO UPDATE SET queued_at = EXCLUDED.queued_at;
        RETURN NULL;
    END
    $$;

CREATE FUNCTION embedding_forget_owner() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        DELETE FROM embedding_pending
            WHERE user_id = OLD.user_id AND owner_type = TG_ARGV[0] AND owner_id = OLD.id;
        DELETE FROM embeddings
            WHERE user_id = OLD.user_id AND owner_type = TG_ARGV[0] AND owner_id = OLD.id;
        IF FOUND THEN
            UPDATE embedding_state SET version = version + 1 WHERE user_id = OLD.user_id;
        END IF;
        RETURN NULL;
    END
    $$;

DO $$
DECLARE
    kinds text[][] := ARRAY[['contacts', 'contact'], ['notes', 'note'],
                            ['interactions', 'interaction'], ['tasks', 'task'],
                            ['goals', 'goal'], ['documents', 'document']];
    i integer;
BEGIN
    FOR i IN 1 .. array_length(kinds, 1) LOOP
        EXECUTE format('CREATE TRIGGER embedding_pending_insert AFTER INSERT ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION embedding_mark_pending(%L)',
                       kinds[i][1], kinds[i][2]);
        EXECUTE format('CREATE TRIGGER embedding_pending_update AFTER UPDATE ON %I '
                       'FOR EACH ROW WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector) '
                       'EXECUTE FUNCTION embedding_mark_pending(%L)',
                       kinds[i][1], kinds[i][2]);
        EXECUTE format('CREATE TRIGGER embedding_forget AFTER DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION embedding_forget_owner(%L)',
                       kinds[i][1], kinds[i][2]);
    END LOOP;
END
$$;

-- 5. Which tenants have items waiting (the worker's dispatcher reads across tenants, as
-- the job engine does; it learns only user ids). FORCE binds the owner too: the definer
-- function reads through an owner-only policy (as `owner_search`, ADR 0024).
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_dispatch ON embedding_pending FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;
CREATE FUNCTION embedding_pending_users(p_limit integer)
    RETURNS TABLE (user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT DISTINCT p.user_id FROM embedding_pending AS p LIMIT p_limit
    $$;
REVOKE ALL ON FUNCTION embedding_pending_users(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION embedding_pending_users(integer) TO omnicrm_app_group;
