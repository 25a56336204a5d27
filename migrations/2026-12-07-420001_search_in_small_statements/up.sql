-- `tenant_search` in small statements (ADR 0051): the same answer as migration 410002's
-- function (each kind's `p_window` most recent matches ranked, the best `p_limit` overall,
-- their titles and highlighted snippets), computed step by step:
--
-- * the contact branch runs in a helper planned once per session (its plan does not depend
--   on the words; planning it for each search's values ran the trigram operator's estimate
--   over the column's statistics: 0.55 ms for a 0.08 ms scan);
-- * each requested kind's window is one statement, still planned for its values (a generic
--   plan would walk a tenant's whole history for a rare word); kinds not asked for cost
--   nothing;
-- * the page is chosen in memory, and its texts are read for the kinds on it only.
DROP FUNCTION tenant_search(text, text, text[], integer, integer);

-- A tenant's contacts matching by full text or (`p_near`) by a near miss of the name: a
-- plan that does not depend on the words (both GIN indexes, or-ed), so it is planned once
-- per session. Planning it for each search's values cost 0.55 ms (the trigram operator's
-- estimate runs it over the column's statistics), more than running it.
CREATE FUNCTION tenant_search_contacts(p_user uuid, p_query tsquery, p_near text,
                                       p_limit integer, OUT ids uuid[], OUT scores real[],
                                       OUT created timestamptz[])
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    SET search_path = public, pg_temp
    AS $$
    BEGIN
        SELECT coalesce(array_agg(c.id), '{}'), coalesce(array_agg(c.s), '{}'),
               coalesce(array_agg(c.created_at), '{}')
          INTO ids, scores, created
          FROM (SELECT c.id, c.created_at,
                       greatest(ts_rank(c.search_vector, p_query, 32),
                                CASE WHEN p_near IS NULL THEN 0
                                     ELSE word_similarity(p_near, c.display_name) END)::real AS s
                FROM contacts AS c
                WHERE c.user_id = p_user
                  AND (c.search_vector @@ p_query OR p_near <% c.search_document)
                ORDER BY s DESC, c.id LIMIT p_limit) AS c;
    END
    $$;
-- Only tenant_search (a definer function, which scopes it to the caller) runs it.
REVOKE ALL ON FUNCTION tenant_search_contacts(uuid, tsquery, text, integer) FROM PUBLIC;

CREATE FUNCTION tenant_search(p_query text, p_near text, p_kinds text[], p_limit integer,
                              p_window integer DEFAULT 1000)
    RETURNS TABLE (kind text, id uuid, title text, snippet text, score real,
                   created_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET plan_cache_mode = force_custom_plan
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        c_window constant integer := least(greatest(coalesce(p_window, 1000), 1), 1000);
        v_user uuid := app_current_user();
        v_config regconfig;
        v_query tsquery;
        v_options text := format('StartSel=%s, StopSel=%s, MaxWords=30, MinWords=12, '
                                 'MaxFragments=2, FragmentDelimiter=" … "', chr(2), chr(3));
        k record;
        -- Each kind's best `p_limit` hits, then the page.
        h_kind text[] := '{}';
        h_id uuid[] := '{}';
        h_score real[] := '{}';
        h_created timestamptz[] := '{}';
        -- One kind's window.
        w_id uuid[];
        w_score real[];
        w_created timestamptz[];
        -- The page's texts.
        t_kind text[] := '{}';
        t_id uuid[] := '{}';
        t_title text[] := '{}';
        t_body text[] := '{}';
        x_id uuid[];
        x_title text[];
        x_body text[];
    BEGIN
        IF v_user IS NULL OR p_limit < 1 THEN
            RETURN;
        END IF;
        v_config := search_config(tenant_search_language(v_user));
        v_query := websearch_to_tsquery(v_config, p_query);

        IF 'contact' = ANY (p_kinds) THEN
            IF p_near IS NOT NULL THEN
                PERFORM set_config('pg_trgm.word_similarity_threshold', '0.5', true);
            END IF;
            SELECT f.ids, f.scores, f.created INTO w_id, w_score, w_created
              FROM tenant_search_contacts(v_user, v_query, p_near, p_limit) AS f;
            h_kind := h_kind || array_fill('contact'::text, ARRAY[cardinality(w_id)]);
            h_id := h_id || w_id;
            h_score := h_score || w_score;
            h_created := h_created || w_created;
        END IF;

        -- An empty query (only stop words) matches no row by full text.
        IF numnode(v_query) > 0 THEN
            FOR k IN
                SELECT * FROM (VALUES ('note', 'notes', 'created_at'),
                                      ('interaction', 'interactions', 'occurred_at'),
                                      ('task', 'tasks', 'created_at'),
                                      ('goal', 'goals', 'created_at'),
                                      ('document', 'documents', 'created_at'))
                              AS v(kind, tbl, recency)
                WHERE v.kind = ANY (p_kinds)
            LOOP
                -- The window: the most recent matches, by whichever path the planner
                -- prices lower for these words.
                EXECUTE format(
                    'SELECT coalesce(array_agg(m.id), ''{}''), coalesce(array_agg(m.s), ''{}''),
                            coalesce(array_agg(m.created_at), ''{}'')
                     FROM (SELECT w.id, w.created_at, ts_rank(w.search_vector, $2, 32)::real AS s
                           FROM (SELECT t.id, t.created_at, t.search_vector
                                 FROM %1$I AS t
                                 WHERE t.user_id = $1 AND t.search_vector @@ $2
                                 ORDER BY t.%2$I DESC, t.id DESC LIMIT $3) AS w
                           ORDER BY s DESC, w.id LIMIT $4) AS m', k.tbl, k.recency)
                  INTO w_id, w_score, w_created
                  USING v_user, v_query, c_window, p_limit;
                h_kind := h_kind || array_fill(k.kind, ARRAY[cardinality(w_id)]);
                h_id := h_id || w_id;
                h_score := h_score || w_score;
                h_created := h_created || w_created;
            END LOOP;
        END IF;

        -- The page across kinds.
        SELECT coalesce(array_agg(p.kind), '{}'), coalesce(array_agg(p.id), '{}'),
               coalesce(array_agg(p.s), '{}'), coalesce(array_agg(p.created_at), '{}')
          INTO h_kind, h_id, h_score, h_created
          FROM (SELECT u.kind, u.id, u.s, u.created_at
                FROM unnest(h_kind, h_id, h_score, h_created) AS u(kind, id, s, created_at)
                ORDER BY u.s DESC, u.kind, u.id LIMIT p_limit) AS p;

        -- The texts of the kinds on the page.
        FOR k IN
            SELECT * FROM (VALUES
                ('contact', 'contacts', 't.display_name', 't.display_name'),
                ('note', 'notes', 'left(split_part(t.content_plain, E''\n'', 1), 80)',
                 'left(t.content_plain, 100000)'),
                ('interaction', 'interactions', 'coalesce(t.subject, t.type)',
                 'left(concat_ws(E''\n'', t.subject, t.body_text), 100000)'),
                ('task', 'tasks', 't.name',
                 'left(concat_ws(E''\n'', t.name, t.details ->> ''description'', t.details ->> ''notes''), 100000)'),
                ('goal', 'goals', 't.name',
                 'left(concat_ws(E''\n'', t.name, t.details ->> ''description'', t.details ->> ''notes''), 100000)'),
                ('document', 'documents', 'coalesce(t.title, '''')',
                 'left(concat_ws(E''\n'', t.title, t.text), 100000)'))
              AS v(kind, tbl, title, body)
            WHERE v.kind = ANY (h_kind)
        LOOP
            EXECUTE format(
                'SELECT coalesce(array_agg(t.id), ''{}''), coalesce(array_agg(%2$s), ''{}''),
                        coalesce(array_agg(%3$s), ''{}'')
                 FROM %1$I AS t WHERE t.user_id = $1 AND t.id = ANY ($2)', k.tbl, k.title, k.body)
              INTO x_id, x_title, x_body
              USING v_user,
                    ARRAY(SELECT u.id FROM unnest(h_kind, h_id) AS u(kind, id) WHERE u.kind = k.kind);
            t_kind := t_kind || array_fill(k.kind, ARRAY[cardinality(x_id)]);
            t_id := t_id || x_id;
            t_title := t_title || x_title;
            t_body := t_body || x_body;
        END LOOP;

        RETURN QUERY
            SELECT p.kind, p.id, x.title,
                   ts_headline(v_config, translate(x.body, chr(2) || chr(3), '  '), v_query, v_options),
                   p.s, p.created_at
            FROM unnest(h_kind, h_id, h_score, h_created) AS p(kind, id, s, created_at)
            JOIN unnest(t_kind, t_id, t_title, t_body) AS x(kind, id, title, body)
              ON x.kind = p.kind AND x.id = p.id
            ORDER BY p.s DESC, p.kind, p.id;
    END
    $$;
REVOKE ALL ON FUNCTION tenant_search(text, text, text[], integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_search(text, text, text[], integer, integer) TO omnicrm_app_group;
