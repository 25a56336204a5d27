-- The body of migration 370001 (ADR 0039), verbatim.
CREATE OR REPLACE FUNCTION embedding_stale_users(p_model text, p_dimensions integer, p_after uuid,
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
