-- The function as migration 380002 created it: a headline for the best p_limit of each kind.
CREATE OR REPLACE FUNCTION tenant_search(p_query text, p_near text, p_kinds text[], p_limit integer)
    RETURNS TABLE (kind text, id uuid, title text, snippet text, score real,
                   created_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET plan_cache_mode = force_custom_plan
    SET search_path = public, pg_temp
    AS $$
    DECLARE
        -- The most recent matches of each kind that are ranked (ADR 0041).
        c_window constant integer := 1000;
        v_user uuid := app_current_user();
        v_config regconfig := search_config(tenant_search_language(app_current_user()));
        v_query tsquery := websearch_to_tsquery(search_config(tenant_search_language(app_current_user())), p_query);
        v_options text := format('StartSel=%s, StopSel=%s, MaxWords=30, MinWords=12, '
                                 'MaxFragments=2, FragmentDelimiter=" … "', chr(2), chr(3));
    BEGIN
        IF v_user IS NULL OR p_limit < 1 THEN
            RETURN;
        END IF;
        IF p_near IS NOT NULL THEN
            PERFORM set_config('pg_trgm.word_similarity_threshold', '0.5', true);
        END IF;
        IF 'contact' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'contact'::text, b.id, b.display_name,
                       ts_headline(v_config, translate(b.display_name, chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT c.id, c.display_name, c.created_at,
                             greatest(ts_rank(c.search_vector, v_query, 32),
                                      CASE WHEN p_near IS NULL THEN 0
                                           ELSE word_similarity(p_near, c.display_name) END)::real AS s
                      FROM contacts AS c
                      WHERE c.user_id = v_user
                        AND (c.search_vector @@ v_query OR p_near <% c.search_document)
                      ORDER BY s DESC, c.id LIMIT p_limit) AS b;
        END IF;
        IF 'note' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'note'::text, b.id, left(split_part(b.content_plain, E'\n', 1), 80),
                       ts_headline(v_config, translate(left(b.content_plain, 100000), chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT w.id, w.content_plain, w.created_at,
                             ts_rank(w.search_vector, v_query, 32)::real AS s
                      FROM (SELECT n.id, n.content_plain, n.created_at, n.search_vector
                            FROM notes AS n
                            WHERE n.user_id = v_user AND n.search_vector @@ v_query
                            ORDER BY n.created_at DESC, n.id DESC
                            LIMIT c_window) AS w
                      ORDER BY s DESC, w.id LIMIT p_limit) AS b;
        END IF;
        IF 'interaction' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'interaction'::text, b.id, coalesce(b.subject, b.type_),
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.subject, b.body_text), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT w.id, w.subject, w.body_text, w.type_, w.created_at,
                             ts_rank(w.search_vector, v_query, 32)::real AS s
                      FROM (SELECT i.id, i.subject, i.body_text, i.type AS type_, i.created_at, i.search_vector, i.occurred_at
                            FROM interactions AS i
                            WHERE i.user_id = v_user AND i.search_vector @@ v_query
                            ORDER BY i.occurred_at DESC, i.id DESC
                            LIMIT c_window) AS w
                      ORDER BY s DESC, w.id LIMIT p_limit) AS b;
        END IF;
        IF 'task' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'task'::text, b.id, b.name,
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.name, b.details ->> 'description',
                                                            b.details ->> 'notes'), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT w.id, w.name, w.details, w.created_at,
                             ts_rank(w.search_vector, v_query, 32)::real AS s
                      FROM (SELECT t.id, t.name, t.details, t.created_at, t.search_vector
                            FROM tasks AS t
                            WHERE t.user_id = v_user AND t.search_vector @@ v_query
                            ORDER BY t.created_at DESC, t.id DESC
                            LIMIT c_window) AS w
                      ORDER BY s DESC, w.id LIMIT p_limit) AS b;
        END IF;
        IF 'goal' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'goal'::text, b.id, b.name,
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.name, b.details ->> 'description',
                                                            b.details ->> 'notes'), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT w.id, w.name, w.details, w.created_at,
                             ts_rank(w.search_vector, v_query, 32)::real AS s
                      FROM (SELECT g.id, g.name, g.details, g.created_at, g.search_vector
                            FROM goals AS g
                            WHERE g.user_id = v_user AND g.search_vector @@ v_query
                            ORDER BY g.created_at DESC, g.id DESC
                            LIMIT c_window) AS w
                      ORDER BY s DESC, w.id LIMIT p_limit) AS b;
        END IF;
        IF 'document' = ANY (p_kinds) THEN
            RETURN QUERY
                SELECT 'document'::text, b.id, coalesce(b.title, ''),
                       ts_headline(v_config,
                                   translate(left(concat_ws(E'\n', b.title, b.text), 100000),
                                             chr(2) || chr(3), '  '),
                                   v_query, v_options),
                       b.s, b.created_at
                FROM (SELECT w.id, w.title, w.text, w.created_at,
                             ts_rank(w.search_vector, v_query, 32)::real AS s
                      FROM (SELECT d.id, d.title, d.text, d.created_at, d.search_vector
                            FROM documents AS d
                            WHERE d.user_id = v_user AND d.search_vector @@ v_query
                            ORDER BY d.created_at DESC, d.id DESC
                            LIMIT c_window) AS w
                      ORDER BY s DESC, w.id LIMIT p_limit) AS b;
        END IF;
    END
    $$;
