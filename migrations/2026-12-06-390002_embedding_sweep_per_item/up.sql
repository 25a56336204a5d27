-- The start-up re-embedding sweep per item rather than per tenant (ADR 0043). A tenant is
-- stale when it holds a vector of another model or dimension than (`p_model`,
-- `p_dimensions`), or when one of its items has text to embed, no vector of this model and
-- is not already waiting in `embedding_pending` (the dispatcher has those). So a tenant
-- embedded only in part is found even when nothing is marked, and a tenant whose items are
-- all blank (nothing to embed, so never a vector) is not queued again at every start.
--
-- "Text to embed" is the text `embedding_sources.sql` reads with a character that is not
-- Unicode White_Space (Rust's `char::is_whitespace`, which the chunker splits on): blank
-- text makes no chunk.
--
-- Cost: for a tenant whose items are all embedded, one index probe of
-- `embeddings_user_owner_model_chunk_key` per item (the first miss ends the tenant's
-- check); run once per start, in keyset pages of tenants, by the worker in the background.
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
               OR EXISTS (
                   SELECT 1
                   FROM (SELECT 'contact'::text AS kind, x.id, x.display_name AS body
                         FROM contacts AS x WHERE x.user_id = t.user_id
                         UNION ALL
                         SELECT 'note', x.id, x.content_plain
                         FROM notes AS x WHERE x.user_id = t.user_id
                         UNION ALL
                         SELECT 'interaction', x.id, concat_ws(E'\n', x.subject, x.body_text)
                         FROM interactions AS x WHERE x.user_id = t.user_id
                         UNION ALL
                         SELECT 'task', x.id, concat_ws(E'\n', x.name, x.details ->> 'description',
                                                        x.details ->> 'notes')
                         FROM tasks AS x WHERE x.user_id = t.user_id
                         UNION ALL
                         SELECT 'goal', x.id, concat_ws(E'\n', x.name, x.details ->> 'description',
                                                        x.details ->> 'notes')
                         FROM goals AS x WHERE x.user_id = t.user_id
                         UNION ALL
                         SELECT 'document', x.id, concat_ws(E'\n', x.title, x.text)
                         FROM documents AS x WHERE x.user_id = t.user_id) AS i
                   WHERE i.body ~ '[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
                     AND NOT EXISTS (SELECT 1 FROM embeddings AS e
                                     WHERE e.user_id = t.user_id AND e.owner_type = i.kind
                                       AND e.owner_id = i.id AND e.model = p_model
                                       AND e.dimensions = p_dimensions)
                     AND NOT EXISTS (SELECT 1 FROM embedding_pending AS p
                                     WHERE p.user_id = t.user_id AND p.owner_type = i.kind
                                       AND p.owner_id = i.id)))
        ORDER BY t.user_id
        LIMIT greatest(p_limit, 0)
    $$;
