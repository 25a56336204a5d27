-- Re-embedding after a model change (ADR 0039). At start-up the worker (and the
-- in-process runner) asks which tenants hold vectors of another model or dimension than
-- the configured embedder's, or items and no vector of it at all, and queues each one's
-- backfill. The definer function answers user ids only, never a vector or a text; each
-- backfill then runs in that user's tenant transaction, under RLS like any other job.

-- Whether a tenant has vectors of a given (model, dimensions), or of any other, in a few
-- index probes instead of a scan of its vectors; the search's cache load filters on the
-- same columns.
CREATE INDEX embeddings_user_model_idx ON embeddings (user_id, model, dimensions);

-- FORCE binds the owner too: the function reads through owner-only policies (as
-- `owner_dispatch`, ADR 0031; the item tables already have `owner_search`, ADR 0024).
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_reembed ON tenants FOR SELECT TO %I USING (true)',
                   current_user);
    EXECUTE format('CREATE POLICY owner_reembed ON embeddings FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

-- Tenants after `p_after` (keyset pages, in user id order) that are not being erased and
-- hold a vector of another model or dimension than (`p_model`, `p_dimensions`), or no
-- vector of it while having an item to embed.
CREATE FUNCTION embedding_stale_users(p_model text, p_dimensions integer, p_after uuid,
                                      p_limit integer)
    RETURNS TABLE (user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT t.user_id
        FROM tenants AS t
        WHERE (p_after IS NULL OR t.user_id > p_after)
          AND NOT EXISTS (SELECT 1 FROM retired_tenants AS r WHERE r.tenant_id = t.user_id)
          AND (EXISTS (SELECT 1 FROM embeddings AS e
                       WHERE e.user_id = t.user_id
                         AND (e.model, e.dimensions) < (p_model, p_dimensions))
               OR EXISTS (SELECT 1 FROM embeddings AS e
                          WHERE e.user_id = t.user_id
                            AND (e.model, e.dimensions) > (p_model, p_dimensions))
               OR (NOT EXISTS (SELECT 1 FROM embeddings AS e
                               WHERE e.user_id = t.user_id
                                 AND e.model = p_model AND e.dimensions = p_dimensions)
                   AND (EXISTS (SELECT 1 FROM contacts AS x WHERE x.user_id = t.user_id)
                        OR EXISTS (SELECT 1 FROM notes AS x WHERE x.user_id = t.user_id)
                        OR EXISTS (SELECT 1 FROM interactions AS x WHERE x.user_id = t.user_id)
                        OR EXISTS (SELECT 1 FROM tasks AS x WHERE x.user_id = t.user_id)
                        OR EXISTS (SELECT 1 FROM goals AS x WHERE x.user_id = t.user_id)
                        OR EXISTS (SELECT 1 FROM documents AS x WHERE x.user_id = t.user_id))))
        ORDER BY t.user_id
        LIMIT greatest(p_limit, 0)
    $$;
REVOKE ALL ON FUNCTION embedding_stale_users(text, integer, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION embedding_stale_users(text, integer, uuid, integer) TO omnicrm_app_group;
